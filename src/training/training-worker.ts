/**
 * Entry point of one training worker thread (started by fit-parallel.ts;
 * compiled next to it, so it runs from dist/ and from build/src/ alike).
 *
 * The worker rebuilds an identical replica of the model and optimizer on its
 * own TensorFlow.js backend, then, for every global batch: takes its share of
 * the batch's images (the main thread's seeded order, shared memory), computes
 * the gradients of its share's mean loss, writes them to its slot, waits at the
 * barrier, forms the same weighted mean of all slots as every other worker, and
 * applies it with its own optimizer. Worker 0 reports per-batch and per-epoch
 * figures and, at the end, the trained weights and optimizer state.
 *
 * Failure: anything thrown raises the barrier's stop flag (so no peer hangs in
 * Atomics.wait) and is posted to the main thread; a worker released by the
 * stop flag exits quietly, the main thread already knows why.
 */
import { parentPort, workerData } from 'node:worker_threads';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../backend/init-backend.js';
import {
  BatchBuilder,
  batchGradients,
  disposeBatchGradients,
  evaluateRange,
  trainableVariables,
  type BatchGradients,
  type LabelledImages,
} from './fit.js';
import { BarrierStopped, SharedBarrier } from './barrier.js';
import { GradientExchange, shareOf } from './gradient-exchange.js';
import { serializeError, serializeTensor, setModelWeights, type StepTimings, type WorkerMessage, type WorkerSetup } from './protocol.js';
import { createWeightUpdater } from './weight-updater.js';

const started = performance.now();
const setup = workerData as WorkerSetup;
const barrier = new SharedBarrier(setup.barrier, setup.workers);

function post(message: WorkerMessage): void {
  parentPort!.postMessage(message);
}

run().catch((error: unknown) => {
  if (error instanceof BarrierStopped) return;
  barrier.stop('failed');
  post({ type: 'error', workerIndex: setup.workerIndex, error: serializeError(error) });
});

async function run(): Promise<void> {
  const { workerIndex, workers, plan } = setup;
  await initBackend(setup.backend);
  const model = await tfl.models.modelFromJSON(setup.modelTopology as Parameters<typeof tfl.models.modelFromJSON>[0]);
  setModelWeights(model, setup.weights);
  const variables = trainableVariables(model);
  const updater = await createWeightUpdater(setup.optimizer, variables);
  const sizes = variables.map((v) => v.size);
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const parameterCount = sizes.reduce((a, b) => a + b, 0);
  if (parameterCount !== setup.parameterCount) {
    throw new Error(`replica has ${parameterCount} trainable parameters, the main thread's model ${setup.parameterCount}`);
  }
  const exchange = new GradientExchange(setup.exchange, workers, parameterCount);
  const data: LabelledImages = {
    images: new Uint8Array(setup.data.images),
    labels: new Uint8Array(setup.data.labels),
    count: setup.data.count,
    rows: setup.data.rows,
    cols: setup.data.cols,
  };
  const orders = new Uint32Array(setup.orders);
  const builder = new BatchBuilder(data, plan.classCount);
  const average = new Float32Array(parameterCount);
  const timings: StepTimings = { steps: 0, computeMs: 0, waitMs: 0, reduceMs: 0, applyMs: 0, validationMs: 0, startupMs: 0 };

  timings.startupMs = performance.now() - started;
  post({ type: 'ready', workerIndex, startupMs: timings.startupMs });
  barrier.arrive();

  let step = 0;
  for (let epoch = 1; epoch <= plan.epochs; epoch++) {
    const order = orders.subarray((epoch - 1) * plan.trainImages, epoch * plan.trainImages);
    for (let batch = 0; batch < plan.batches; batch++) {
      const t0 = performance.now();
      const first = batch * plan.batchSize;
      const size = Math.min(plan.batchSize, plan.trainImages - first);
      const { start, end } = shareOf(size, workerIndex, workers);
      const images = end - start;
      if (images > 0) {
        const { x, y } = builder.build(order.subarray(first + start, first + end));
        let pass: BatchGradients | undefined;
        try {
          pass = batchGradients(model, variables, x, y);
          const slot = exchange.slot(step, workerIndex);
          variables.forEach((variable, i) => slot.set(float32Values(pass!.gradients[variable.name]!), offsets[i]));
          exchange.setStats(step, workerIndex, {
            images,
            lossSum: pass.loss.dataSync()[0]! * images,
            correct: pass.correct.dataSync()[0]!,
          });
        } finally {
          tf.dispose([x, y]);
          if (pass) disposeBatchGradients(pass);
        }
      } else {
        exchange.setStats(step, workerIndex, { images: 0, lossSum: 0, correct: 0 });
      }
      const t1 = performance.now();
      barrier.arrive();
      const t2 = performance.now();
      exchange.average(step, average);
      const t3 = performance.now();
      updater.apply(average);
      const t4 = performance.now();
      if (workerIndex === 0) {
        const totals = exchange.totals(step);
        post({ type: 'batch', epoch, batch: batch + 1, images: totals.images, lossSum: totals.lossSum, correct: totals.correct });
      }
      timings.computeMs += t1 - t0;
      timings.waitMs += t2 - t1;
      timings.reduceMs += t3 - t2;
      timings.applyMs += t4 - t3;
      timings.steps++;
      step++;
    }
    if (plan.validationImages > 0) {
      const t0 = performance.now();
      const sums = evaluateShare(model, data);
      exchange.setValidationStats(workerIndex, { images: sums.count, lossSum: sums.lossSum, correct: sums.correct });
      timings.validationMs += performance.now() - t0;
      barrier.arrive();
      if (workerIndex === 0) {
        const totals = exchange.validationTotals();
        post({ type: 'epoch', epoch, validation: { lossSum: totals.lossSum, correct: totals.correct, count: totals.images } });
      }
    } else if (workerIndex === 0) {
      post({ type: 'epoch', epoch, validation: undefined });
    }
  }

  const weights = setup.sendWeights ? model.getWeights().map((t, i) => serializeTensor(model.weights[i]!.name, t)) : undefined;
  const optimizerState = workerIndex === 0 ? await updater.state() : undefined;
  post({
    type: 'done',
    workerIndex,
    timings,
    ...(weights ? { weights } : {}),
    ...(optimizerState ? { optimizerState } : {}),
  });
}

/**
 * A float32 tensor's values, without a copy on wasm: a view of the wasm heap
 * (BackendWasm.typedArrayFromHeap), valid until the next tfjs call, so read it
 * at once. Saves ~0.5 MB of garbage per step for the tutorial CNN's gradients.
 * Other backends: dataSync().
 */
function float32Values(tensor: tf.Tensor): Float32Array {
  if (tf.getBackend() === 'wasm') return (tf.backend() as BackendWasm).typedArrayFromHeap(tensor) as Float32Array;
  return tensor.dataSync() as Float32Array;
}

/**
 * This worker's share of the validation images: whole evaluation batches
 * (counted from the first validation image, as evaluateModel forms them), a
 * contiguous run of them per worker, so the per-batch figures, and hence the
 * sums, equal evaluateModel's.
 */
function evaluateShare(model: tfl.LayersModel, data: LabelledImages) {
  const { plan, workerIndex, workers } = setup;
  const from = plan.trainImages;
  const batches = Math.ceil(plan.validationImages / plan.evaluationBatchSize);
  const { start, end } = shareOf(batches, workerIndex, workers);
  return evaluateRange(model, data, {
    from: from + start * plan.evaluationBatchSize,
    to: Math.min(data.count, from + end * plan.evaluationBatchSize),
    batchSize: plan.evaluationBatchSize,
    classCount: plan.classCount,
  });
}
