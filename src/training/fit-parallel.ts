/**
 * Data-parallel training on worker threads (project issue 3): the same
 * minibatch descent as `fitModel`, with each global batch split between N
 * workers that all-reduce their gradients through shared memory.
 *
 * The main thread plans (validation split, the seeded per-epoch orders, as
 * fitModel does), shares the images with the workers without copying them per
 * worker (SharedArrayBuffer), turns worker 0's per-batch sums into the same
 * FitProgress reports, and at the end loads the trained weights (and the
 * optimizer state) into the caller's model. See training-worker.ts for a
 * step. Worker start-up (~0.3 s: tfjs, backend, replica) is paid once per call.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { BACKEND_NAMES, type BackendName } from '../backend/init-backend.js';
import { EXIT_CODES, GradcamError, usageError, type ExitCode } from '../errors.js';
import {
  createEpochShuffler,
  EVALUATION_BATCH_SIZE,
  evaluationFromSums,
  FitProgressTracker,
  INTERRUPTED_MESSAGE,
  planFit,
  trainableVariables,
  type FitOptions,
  type FitResult,
  type LabelledImages,
} from './fit.js';
import { SharedBarrier } from './barrier.js';
import { GradientExchange } from './gradient-exchange.js';
import {
  deserializeTensor,
  serializeTensor,
  setModelWeights,
  type SerializedError,
  type SerializedTensor,
  type SharedImages,
  type StepTimings,
  type WorkerMessage,
  type WorkerSetup,
} from './protocol.js';

/** The compiled worker entry, next to this module (dist/training/ or build/src/training/). */
const WORKER_URL = new URL('./training-worker.js', import.meta.url);

export interface ParallelFitOptions extends FitOptions {
  /** Worker threads, each training a replica on its share of every batch; default `defaultWorkerCount()`. */
  workers?: number;
  /**
   * Backend every worker starts with `initBackend` (which registers the wasm
   * kernel fixes); default: the backend active in the calling thread.
   */
  backend?: BackendName;
  /** For tests: every worker sends its final weights, returned as `replicaWeights`. */
  collectReplicaWeights?: boolean;
  /** For tests: the worker entry to start instead of training-worker.js (e.g. one that fails on purpose). */
  workerUrl?: URL;
}

export interface ParallelFitResult extends FitResult {
  workers: number;
  /**
   * Seconds from the call until every worker was ready (threads, tfjs and
   * backend start-up, replicas), paid once per call; not part of `trainSeconds`.
   */
  startupSeconds: number;
  /** Where each worker's time went (index = worker). */
  timings: StepTimings[];
  /** With `collectReplicaWeights`: per worker, its final weights in `model.weights` order. */
  replicaWeights?: Float32Array[][];
}

/** One worker per core (`os.availableParallelism()`). */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/**
 * Trains `model` like `fitModel` (same validation split, seeded shuffling,
 * loss, reports, abort), but on `workers` threads: each global batch of
 * `batchSize` is split into contiguous shares (16 + 16 of 32), each worker
 * computes the gradient of its share's mean loss, and every worker applies the
 * share-weighted mean, which is the gradient of the whole batch's mean loss up
 * to float rounding. Replicas stay bit-identical. Adam runs in the workers as
 * one flat JavaScript loop (flat-adam.ts, tfjs's update to float rounding);
 * other tfjs optimizers as themselves. Validation is split between the
 * workers in whole evaluation batches and equals `evaluateModel`'s figures.
 *
 * On success the caller's `model` holds the trained weights and its optimizer
 * the trained state (Adam's moments), so training can continue with either
 * trainer. On failure or abort the model is untouched, every worker is
 * terminated before the promise settles, and no thread is left running.
 *
 * Not suited to layers whose training-mode forward pass changes state
 * (BatchNormalization's moving averages would differ per replica; worker 0's
 * are kept) or draws random numbers (dropout masks differ per worker). The
 * tutorial CNN has neither.
 *
 * @throws GradcamError when aborted ("training interrupted; ..."), for a bad
 *   worker count (exit code 2), an uncompiled model, an optimizer tfjs cannot
 *   rebuild from its config, or a GradcamError thrown in a worker (e.g. the
 *   backend cannot start there); a plain Error naming the worker for anything else.
 */
export async function fitModelParallel(
  model: tfl.LayersModel,
  data: LabelledImages,
  options: ParallelFitOptions,
): Promise<ParallelFitResult> {
  const called = performance.now();
  const { epochs, batchSize, classCount, signal } = options;
  const workers = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1) throw usageError(`workers must be a positive integer, got ${workers}`);
  const backend = options.backend ?? activeBackend();
  const optimizer = model.optimizer;
  if (optimizer == null) throw new GradcamError('the model is not compiled: no optimizer to train with');
  const className = optimizer.getClassName();
  if (tf.serialization.SerializationMap.getMap().classNameMap[className] === undefined) {
    throw new GradcamError(`optimizer "${className}" is not a registered TensorFlow.js optimizer, so workers cannot rebuild it; train with one worker`);
  }
  const plan = planFit(data.count, options);
  if (signal?.aborted) throw new GradcamError(INTERRUPTED_MESSAGE);

  const shuffler = createEpochShuffler(plan.trainImages, options.seed);
  const orders = new SharedArrayBuffer(epochs * plan.trainImages * Uint32Array.BYTES_PER_ELEMENT);
  const orderView = new Uint32Array(orders);
  for (let epoch = 0; epoch < epochs; epoch++) orderView.set(shuffler.next(), epoch * plan.trainImages);
  const parameterCount = trainableVariables(model).reduce((sum, v) => sum + v.size, 0);
  const common = {
    workers,
    backend,
    modelTopology: model.toJSON(null, false),
    weights: model.getWeights().map((t, i) => serializeTensor(model.weights[i]!.name, t)),
    optimizer: { className, config: optimizer.getConfig() as Record<string, unknown>, state: await optimizerState(optimizer) },
    data: shareImages(data),
    orders,
    plan: { epochs, batchSize, classCount, ...plan, evaluationBatchSize: EVALUATION_BATCH_SIZE },
    barrier: SharedBarrier.createBuffer(),
    exchange: GradientExchange.createBuffer(workers, parameterCount),
    parameterCount,
  } satisfies Omit<WorkerSetup, 'workerIndex' | 'sendWeights'>;
  const barrier = new SharedBarrier(common.barrier, workers);

  return new Promise<ParallelFitResult>((resolve, reject) => {
    const threads: Worker[] = [];
    const done: (Extract<WorkerMessage, { type: 'done' }> | undefined)[] = new Array(workers).fill(undefined);
    let readyCount = 0;
    let startupSeconds = 0;
    let tracker: FitProgressTracker | undefined;
    let settled = false;

    const startClock = () => {
      tracker ??= new FitProgressTracker({ epochs, batches: plan.batches, trainImages: plan.trainImages });
      return tracker;
    };

    /** Stops and terminates every worker, then settles: nothing keeps running after the promise settles. */
    const settle = (outcome: { error: unknown } | { result: ParallelFitResult }) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if ('error' in outcome) barrier.stop(signal?.aborted ? 'aborted' : 'failed');
      void Promise.allSettled(threads.map((thread) => thread.terminate())).then(() =>
        'error' in outcome ? reject(outcome.error) : resolve(outcome.result),
      );
    };
    const fail = (error: unknown) => settle({ error });
    let finishing = false;
    function onAbort(): void {
      // Once every worker is done, training is over (fitModel, too, ignores an abort after its last batch).
      if (!finishing) fail(new GradcamError(INTERRUPTED_MESSAGE));
    }

    const finish = async () => {
      finishing = true;
      const [first] = done;
      if (first?.weights === undefined) throw new Error('training worker 0 finished without sending its weights');
      setModelWeights(model, first.weights);
      if (first.optimizerState !== undefined) await restoreOptimizerState(optimizer, first.optimizerState);
      const timings = done.map((d) => d!.timings);
      const replicaWeights = options.collectReplicaWeights ? done.map((d) => (d!.weights ?? []).map((w) => w.values as Float32Array)) : undefined;
      settle({
        result: {
          ...startClock().result(plan.validationImages),
          workers,
          startupSeconds,
          timings,
          ...(replicaWeights ? { replicaWeights } : {}),
        },
      });
    };

    const onMessage = (message: WorkerMessage) => {
      if (settled) return;
      switch (message.type) {
        case 'ready':
          if (++readyCount === workers) {
            startupSeconds = (performance.now() - called) / 1000;
            startClock();
          }
          break;
        case 'batch': {
          // Not inside onProgress?.(…): the tracker must record the batch even without a listener.
          const progress = startClock().batchDone(message.epoch, message.batch, message.images, message.lossSum, message.correct);
          options.onProgress?.(progress);
          break;
        }
        case 'epoch': {
          const epochEnd = startClock().epochDone(message.validation ? evaluationFromSums(message.validation) : undefined);
          options.onProgress?.(epochEnd);
          break;
        }
        case 'done':
          done[message.workerIndex] = message;
          if (done.every((d) => d !== undefined)) finish().catch(fail);
          break;
        case 'error':
          fail(workerError(message.workerIndex, message.error));
          break;
      }
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    // It may have fired while the set-up above awaited the optimizer state.
    if (signal?.aborted) return onAbort();
    try {
      for (let workerIndex = 0; workerIndex < workers; workerIndex++) {
        const setup: WorkerSetup = { ...common, workerIndex, sendWeights: workerIndex === 0 || options.collectReplicaWeights === true };
        // No inherited Node options: the host's `--input-type=module` (node -e), say, stops a worker loading its entry file.
        const thread = new Worker(options.workerUrl ?? WORKER_URL, { workerData: setup, execArgv: [] });
        threads.push(thread);
        thread.on('message', (message: WorkerMessage) => {
          try {
            onMessage(message);
          } catch (error) {
            fail(error); // onProgress threw: stop, as fitModel would.
          }
        });
        thread.on('error', (error) => fail(workerError(workerIndex, { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) })));
        thread.on('messageerror', (error) => fail(workerError(workerIndex, { name: error.name, message: error.message })));
        thread.on('exit', (code) => {
          if (done[workerIndex] === undefined) fail(new Error(`training worker ${workerIndex} exited (code ${code}) before training finished`));
        });
      }
    } catch (error) {
      fail(error);
    }
  });
}

/** The calling thread's active backend, if it is one a worker can start. */
function activeBackend(): BackendName {
  const name = tf.getBackend();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new GradcamError(`the active TensorFlow.js backend "${name}" cannot be started in a worker; pass one of ${BACKEND_NAMES.join(', ')}`);
  }
  return name as BackendName;
}

/**
 * The images and labels in shared memory, for every worker to read without a
 * copy of its own (47 MB for MNIST's training set). Data already in a
 * SharedArrayBuffer of exactly its size is passed as it is.
 */
function shareImages(data: LabelledImages): SharedImages {
  const share = (array: Uint8Array, length: number): SharedArrayBuffer => {
    if (array.buffer instanceof SharedArrayBuffer && array.byteOffset === 0 && array.buffer.byteLength === length && array.length === length) {
      return array.buffer;
    }
    const shared = new SharedArrayBuffer(length);
    new Uint8Array(shared).set(array.subarray(0, length));
    return shared;
  };
  const imageBytes = data.count * data.rows * data.cols;
  return { images: share(data.images, imageBytes), labels: share(data.labels, data.count), count: data.count, rows: data.rows, cols: data.cols };
}

/** The optimizer's state as plain data (for a fresh optimizer: the iteration count 0 only). */
async function optimizerState(optimizer: tf.Optimizer): Promise<SerializedTensor[]> {
  const state = await optimizer.getWeights();
  const serialized = state.map(({ name, tensor }) => serializeTensor(name, tensor));
  // getWeights returns the slot variables themselves and a fresh iteration scalar.
  tf.dispose(state.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)));
  return serialized;
}

/**
 * Replaces the optimizer's state with the trained one. tfjs's setWeights makes
 * new slot variables without disposing the old ones, so those are disposed here.
 */
async function restoreOptimizerState(optimizer: tf.Optimizer, state: SerializedTensor[]): Promise<void> {
  const previous = await optimizer.getWeights();
  const tensors = state.map((s) => ({ name: s.name, tensor: deserializeTensor(s) }));
  try {
    await optimizer.setWeights(tensors);
    tf.dispose(previous.map((p) => p.tensor));
  } catch (error) {
    tf.dispose(previous.map((p) => p.tensor).filter((t) => !(t instanceof tf.Variable)));
    throw error;
  } finally {
    tf.dispose(tensors.map((t) => t.tensor));
  }
}

/** A worker's error for the caller: GradcamErrors keep their message and exit code; anything else names the worker and keeps its stack. */
function workerError(workerIndex: number, error: SerializedError): Error {
  if (error.name === 'GradcamError') {
    const exitCode: ExitCode = error.exitCode === EXIT_CODES.usage ? EXIT_CODES.usage : EXIT_CODES.failure;
    return new GradcamError(error.message, exitCode);
  }
  const wrapped = new Error(`training worker ${workerIndex} failed: ${error.message}`);
  if (error.stack !== undefined) wrapped.stack = `${wrapped.message}\n(worker stack) ${error.stack}`;
  return wrapped;
}
