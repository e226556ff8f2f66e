import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/init-backend.js';
import { loadMnistSplit, type MnistSplit } from '../../src/data/mnist.js';
import { GradcamError } from '../../src/errors.js';
import { buildTutorialCnn } from '../../src/model/tutorial-cnn.js';
import { evaluateModel, fitModel, type FitProgress } from '../../src/training/fit.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

let data: MnistSplit;

describe('fitModel', () => {
  before(async () => {
    await initBackend('auto');
    data = await loadMnistSplit('train', { limit: 1000 });
  });

  it('learns: loss falls and validation accuracy beats chance by far, with per-batch and per-epoch reports', async () => {
    const model = buildTutorialCnn({ seed: 1 });
    const reports: FitProgress[] = [];
    const result = await fitModel(model, data, {
      epochs: 2,
      batchSize: 32,
      validationSplit: 0.2,
      seed: 1,
      classCount: 10,
      onProgress: (p) => reports.push(p),
    });
    assert.equal(result.trainImages, 800);
    assert.equal(result.validationImages, 200);
    const batches = Math.ceil(800 / 32);
    assert.equal(reports.length, 2 * (batches + 1));
    const [first, second] = result.epochs;
    assert.ok(first && second && first.epochDone && second.epochDone);
    assert.ok(second.loss < first.loss, `loss ${first.loss} -> ${second.loss}`);
    assert.ok(second.validation!.accuracy > 0.7, `validation accuracy ${second.validation!.accuracy}`);
    assert.equal(second.validation!.count, 200);
    // The reported validation figures are what evaluateModel says about the same images.
    const check = evaluateModel(model, data, { start: 800, classCount: 10 });
    assert.ok(Math.abs(check.accuracy - second.validation!.accuracy) < 1e-9);
    assert.ok(Math.abs(check.loss - second.validation!.loss) < 1e-5);

    // Adam creates its moment variables on the first step; after that, training holds no new tensors.
    await assertNoTensorLeak(() => fitModel(model, data, { epochs: 1, batchSize: 32, validationSplit: 0.2, seed: 2, classCount: 10 }));
    model.dispose();
  });

  it('is reproducible with the same seed', async () => {
    const train = async () => {
      const model = buildTutorialCnn({ seed: 5 });
      await fitModel(model, data, { epochs: 1, batchSize: 50, validationSplit: 0.5, seed: 9, classCount: 10 });
      const weights = Array.from(model.getLayer('dense').getWeights()[0]!.dataSync().slice(0, 32));
      model.dispose();
      return weights;
    };
    assert.deepEqual(await train(), await train());
  });

  it('stops between batches when aborted, with a GradcamError', async () => {
    const model = buildTutorialCnn({ seed: 1 });
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      fitModel(model, data, {
        epochs: 1,
        batchSize: 32,
        validationSplit: 0,
        seed: 1,
        classCount: 10,
        signal: controller.signal,
        onProgress: () => {
          if (++seen === 3) controller.abort();
        },
      }),
      (error: unknown) => error instanceof GradcamError && /interrupted/.test(error.message),
    );
    assert.equal(seen, 3);
    model.dispose();
  });
});
