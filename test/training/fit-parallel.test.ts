import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../src/backend/init-backend.js';
import { loadMnistSplit, type MnistSplit } from '../../src/data/mnist.js';
import { GradcamError } from '../../src/errors.js';
import { buildTutorialCnn } from '../../src/model/tutorial-cnn.js';
import { fitModelParallel } from '../../src/training/fit-parallel.js';
import { GradientExchange } from '../../src/training/gradient-exchange.js';
import type { StopOutcome } from './fixtures/train-until-stopped.js';
import {
  BatchBuilder,
  batchGradients,
  disposeBatchGradients,
  evaluateModel,
  fitModel,
  trainableVariables,
  type FitOptions,
  type FitProgress,
  type LabelledImages,
} from '../../src/training/fit.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

let data: MnistSplit;

/** The first `count` images of the loaded set. */
function firstImages(count: number): LabelledImages {
  const size = data.rows * data.cols;
  return { ...data, count, images: data.images.subarray(0, count * size), labels: data.labels.subarray(0, count) };
}

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((t) => t.dataSync() as Float32Array);
}

/** Largest |a − b| relative to the largest |a| of the same tensor. */
function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((x, t) => {
    const y = b[t]!;
    assert.equal(x.length, y.length);
    const scale = Math.max(1e-3, ...Array.from(x, Math.abs));
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / scale);
  });
  return worst;
}

const BASE: FitOptions = { epochs: 1, batchSize: 32, validationSplit: 0, seed: 4, classCount: 10 };

describe('fitModelParallel', () => {
  before(async () => {
    await initBackend('wasm');
    data = await loadMnistSplit('train', { limit: 2000 });
  });

  it('averages half-batch gradients into the full-batch gradient (up to float rounding)', () => {
    const model = buildTutorialCnn({ seed: 3 });
    const variables = trainableVariables(model);
    const builder = new BatchBuilder(firstImages(32), 10);
    const parameterCount = variables.reduce((n, v) => n + v.size, 0);
    const exchange = new GradientExchange(GradientExchange.createBuffer(2, parameterCount), 2, parameterCount);
    const flatGradients = (indices: number[], worker: number): Float32Array => {
      const { x, y } = builder.build(indices);
      const pass = batchGradients(model, variables, x, y);
      const slot = exchange.slot(0, worker);
      let offset = 0;
      for (const v of variables) {
        slot.set(pass.gradients[v.name]!.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      exchange.setStats(0, worker, { images: indices.length, lossSum: 0, correct: 0 });
      tf.dispose([x, y]);
      disposeBatchGradients(pass);
      return slot.slice();
    };
    // An uneven split (13 + 19) exercises the share weights.
    const indices = Array.from({ length: 32 }, (_, i) => i);
    const full = flatGradients(indices, 0);
    flatGradients(indices.slice(0, 13), 0);
    flatGradients(indices.slice(13), 1);
    const averaged = exchange.average(0, new Float32Array(parameterCount));
    const difference = maxRelativeDifference([full], [averaged]);
    assert.ok(difference < 1e-5, `max relative difference ${difference}`);
    assert.ok(maxRelativeDifference([full], [exchange.slot(0, 1)]) > 1e-2, 'a half-batch gradient alone is not the full one');
    model.dispose();
  });

  it('makes the same updates as fitModel with SGD (a batch of 32, then an uneven one of 3), with bit-identical replicas', async () => {
    const images = firstImages(35);
    const sgdModel = () => {
      const model = buildTutorialCnn({ seed: 3 });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
      return model;
    };
    const reference = sgdModel();
    await fitModel(reference, images, BASE);
    const model = sgdModel();
    const before = weightsOf(model).map((w) => w.slice());
    const result = await fitModelParallel(model, images, { ...BASE, workers: 2, collectReplicaWeights: true });

    const trained = weightsOf(model);
    assert.ok(maxRelativeDifference(before, trained) > 1e-3, 'the weights moved');
    const difference = maxRelativeDifference(weightsOf(reference), trained);
    assert.ok(difference < 1e-5, `parallel vs fitModel: max relative difference ${difference}`);
    // Each replica applied the same averaged gradient: identical bits, and the caller's model got them.
    const [first, second] = result.replicaWeights!;
    assert.deepEqual(second, first);
    assert.deepEqual(trained, first);
    assert.equal(result.workers, 2);
    assert.ok(result.timings.length === 2 && result.timings.every((t) => t.steps === 2));
    reference.dispose();
    model.dispose();
  });

  it('makes the same updates as fitModel with Adam, and hands back Adam\'s state', async () => {
    const images = firstImages(35);
    const reference = buildTutorialCnn({ seed: 3 });
    await fitModel(reference, images, BASE);
    const model = buildTutorialCnn({ seed: 3 });
    await fitModelParallel(model, images, { ...BASE, workers: 2 });
    // Adam moves a weight by lr·m̂/(√v̂ + ε): where |g| is near ε (1e-7), float
    // rounding in g (summation order differs) changes that weight's step
    // noticeably. Such weights are rare; all others agree to rounding.
    const [expected, actual] = [weightsOf(reference), weightsOf(model)];
    let count = 0;
    let outliers = 0;
    expected.forEach((x, t) => {
      const scale = Math.max(...Array.from(x, Math.abs));
      x.forEach((value, i) => {
        const difference = Math.abs(value - actual[t]![i]!) / scale;
        assert.ok(difference < 1e-4, `weight ${t}[${i}]: ${value} vs ${actual[t]![i]}`);
        if (difference > 1e-6) outliers++;
        count++;
      });
    });
    assert.ok(outliers <= count * 1e-4, `${outliers} of ${count} weights differ by more than 1e-6 relative`);

    // Adam's iteration count and moments came back to the caller's optimizer, as fitModel left them.
    const [referenceState, state] = await Promise.all([reference.optimizer.getWeights(), model.optimizer.getWeights()]);
    assert.equal(state.length, referenceState.length);
    assert.equal(state.length, 1 + 2 * expected.length);
    assert.equal(state[0]!.tensor.dataSync()[0], 2);
    assert.equal(referenceState[0]!.tensor.dataSync()[0], 2);
    const moments = (s: typeof state) => s.slice(1).map((w) => w.tensor.dataSync() as Float32Array);
    assert.ok(maxRelativeDifference(moments(referenceState), moments(state)) < 1e-4);
    tf.dispose([state[0]!.tensor, referenceState[0]!.tensor]);
    reference.dispose();
    model.dispose();
  });

  it('learns, reports like fitModel, validates like evaluateModel, is reproducible and leaks no tensors', async () => {
    const images = firstImages(1000);
    const options = { ...BASE, epochs: 2, validationSplit: 0.1, seed: 1, workers: 2 };
    const train = async () => {
      const model = buildTutorialCnn({ seed: 1 });
      const reports: FitProgress[] = [];
      const result = await fitModelParallel(model, images, { ...options, onProgress: (p) => reports.push(p) });
      return { model, reports, result };
    };
    const { model, reports, result } = await train();
    assert.equal(result.trainImages, 900);
    assert.equal(result.validationImages, 100);
    const batches = Math.ceil(900 / 32); // the last batch holds 4 images: 2 + 2
    assert.equal(reports.length, 2 * (batches + 1));
    assert.deepEqual(
      reports.map((r) => `${r.epoch}/${r.batch}${r.epochDone ? '*' : ''}`),
      [1, 2].flatMap((epoch) => [...Array.from({ length: batches }, (_, b) => `${epoch}/${b + 1}`), `${epoch}/${batches}*`]),
    );
    const [first, second] = result.epochs;
    assert.ok(first && second && second.loss < first.loss, `loss ${first?.loss} -> ${second?.loss}`);
    assert.ok(second.validation!.accuracy > 0.7, `validation accuracy ${second.validation!.accuracy}`);
    assert.ok(result.imagesPerSecond > 0 && result.trainSeconds > 0 && result.startupSeconds > 0);
    // Validation split between the workers gives what evaluateModel says about the same weights.
    const check = evaluateModel(model, images, { start: 900, classCount: 10 });
    assert.equal(second.validation!.count, 100);
    assert.equal(second.validation!.accuracy, check.accuracy);
    assert.ok(Math.abs(second.validation!.loss - check.loss) < 1e-9, `${second.validation!.loss} vs ${check.loss}`);

    const again = await train();
    assert.deepEqual(weightsOf(again.model), weightsOf(model), 'same seed, same weights');
    assert.deepEqual(again.result.epochs.map((e) => [e.loss, e.accuracy, e.validation]), result.epochs.map((e) => [e.loss, e.accuracy, e.validation]));
    again.model.dispose();

    // The first call gave the optimizer its moment variables; another call adds no tensors on this thread.
    await assertNoTensorLeak(() => fitModelParallel(model, firstImages(200), { ...options, epochs: 1, seed: 2 }));
    model.dispose();
  });

  it('follows the same training curve as fitModel (2 epochs, 1200 images)', async () => {
    const images = firstImages(1200);
    const options = { ...BASE, epochs: 2, validationSplit: 0.1, seed: 7 };
    const reference = buildTutorialCnn({ seed: 11 });
    const single = await fitModel(reference, images, options);
    const model = buildTutorialCnn({ seed: 11 });
    const parallel = await fitModelParallel(model, images, { ...options, workers: 2 });
    // Same data order, same initial weights: the two runs differ only by float
    // rounding in the gradient sums (~1e-7 relative after 68 steps when measured).
    const close = (a: number, b: number, relative: number) => Math.abs(a - b) <= relative * Math.abs(b);
    assert.equal(parallel.epochs.length, 2);
    for (const [i, expected] of single.epochs.entries()) {
      const actual = parallel.epochs[i]!;
      const [a, b] = [actual.validation!, expected.validation!];
      const figures = `epoch ${i + 1}: loss ${actual.loss} vs ${expected.loss}, validation ${a.loss} vs ${b.loss}`;
      assert.ok(close(actual.loss, expected.loss, 1e-3) && close(a.loss, b.loss, 1e-3), figures);
      assert.ok(Math.abs(actual.accuracy - expected.accuracy) <= 2 / 1080, `epoch ${i + 1} accuracy ${actual.accuracy} vs ${expected.accuracy}`);
      assert.ok(Math.abs(a.accuracy - b.accuracy) <= 2 / 120, `epoch ${i + 1} validation accuracy ${a.accuracy} vs ${b.accuracy}`);
    }
    reference.dispose();
    model.dispose();
  });

  it('rejects a bad worker count as a usage error', async () => {
    const model = buildTutorialCnn({ seed: 1 });
    for (const workers of [0, 1.5, -2]) {
      await assert.rejects(
        fitModelParallel(model, firstImages(64), { ...BASE, workers }),
        (error: unknown) => error instanceof GradcamError && error.exitCode === 2 && error.message.includes(`got ${workers}`),
      );
    }
    model.dispose();
  });

  it('passes on a GradcamError raised in a worker (a backend that cannot start there)', async (t) => {
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
      t.skip('@tensorflow/tfjs-node is installed here');
      return;
    } catch {
      // Not installed: the workers' initBackend('tensorflow') must fail.
    }
    const model = buildTutorialCnn({ seed: 1 });
    await assert.rejects(
      fitModelParallel(model, firstImages(64), { ...BASE, workers: 2, backend: 'tensorflow' }),
      (error: unknown) => error instanceof GradcamError && /backend "tensorflow" is unavailable/.test(error.message),
    );
    model.dispose();
  });

  describe('stops early without leaving a thread behind (child processes that must exit on their own)', () => {
    const script = new URL('./fixtures/train-until-stopped.js', import.meta.url).href;
    const run = async (mode: string) => {
      // Through `node --input-type=module -e`: workers must not inherit that flag (it stops them loading their file).
      const code = `const { scenario } = await import(${JSON.stringify(script)}); console.log(JSON.stringify(await scenario(${JSON.stringify(mode)})));`;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], { timeout: 60_000 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as StopOutcome;
    };
    const outcomes = { abort: () => run('abort'), fail: () => run('fail'), exit: () => run('exit') };
    let results: Record<keyof typeof outcomes, Awaited<ReturnType<typeof run>>>;
    before(async () => {
      const [abort, fail, exit] = await Promise.all([outcomes.abort(), outcomes.fail(), outcomes.exit()]);
      results = { abort: abort!, fail: fail!, exit: exit! };
    });

    it('on abort: a GradcamError, no report after the abort, settled within a second', () => {
      const { error, reports, settledMs } = results.abort;
      assert.deepEqual(error, { gradcam: true, message: 'training interrupted; no model was saved' });
      assert.equal(reports, 3);
      assert.ok(settledMs < 1000, `settled ${settledMs} ms after the abort`);
    });

    it('when a worker throws: an error naming the worker and the cause, not a hang', () => {
      const { error, reports } = results.fail;
      assert.equal(error?.gradcam, false);
      assert.match(error?.message ?? '', /^training worker 1 failed: injected fault in Conv2D/);
      assert.ok(reports <= 4, `${reports} reports`);
    });

    it("when a worker's thread dies: an error naming the worker and its exit code", () => {
      const { error } = results.exit;
      assert.equal(error?.gradcam, false);
      assert.match(error?.message ?? '', /^training worker 1 exited \(code 3\) before training finished/);
    });
  });
});
