/**
 * Grad-CAM on the default backend (wasm here, with this project's kernel
 * fixes) against the pure-JS cpu backend as reference, on the bundled trained
 * model and real test digits. The stock wasm MaxPoolGrad fails this badly.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/init-backend.js';
import { stackImages } from '../../src/model/classify.js';
import { readMnistRecords } from '../../src/data/mnist.js';
import { createGradcam, type GradcamBatch, type ScoreKind } from '../../src/cam/gradcam.js';
import { bundledModelDir, loadModel, type LoadedModel } from '../../src/model/model-files.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

let loaded: LoadedModel;
let images: Float32Array[];

async function mapsOn(backend: 'auto' | 'cpu', layerName: string, score: ScoreKind, count: number): Promise<GradcamBatch> {
  await initBackend(backend);
  const gradcam = createGradcam(loaded.model, { layerName, score });
  const x = stackImages(images.slice(0, count), loaded.metadata.input);
  try {
    return gradcam.explain(x);
  } finally {
    x.dispose();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('Grad-CAM: default backend equals the cpu backend', () => {
  before(async () => {
    await initBackend('auto');
    loaded = await loadModel(bundledModelDir());
    const records = await readMnistRecords('test', Array.from({ length: 16 }, (_, i) => i));
    images = Array.from({ length: records.count }, (_, i) => Float32Array.from(records.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
  });

  const cases: [string, ScoreKind, number][] = [
    ['conv2', 'logit', 16],
    ['conv2', 'prob', 16],
    ['conv1', 'logit', 4],
    ['conv1', 'prob', 4],
  ];
  for (const [layer, score, count] of cases) {
    it(`${layer}, score ${score}, ${count} test digits: maps agree within 1e-5`, async () => {
      const fast = await mapsOn('auto', layer, score, count);
      const reference = await mapsOn('cpu', layer, score, count);
      assert.deepEqual(fast.classes, reference.classes);
      assert.ok(maxAbsDiff(fast.probabilities, reference.probabilities) < 1e-5, 'probabilities');
      const diff = maxAbsDiff(fast.heatmaps, reference.heatmaps);
      assert.ok(diff < 1e-5, `normalised maps differ by ${diff}`);
      // The channel weights carry the gradient through every pooling window;
      // compared relative to their scale, they are not a vacuous comparison
      // even where the ReLU'd map is all zero (conv1 of this model, mostly).
      const scale = Math.max(...reference.channelWeights.map(Math.abs));
      assert.ok(scale > 0, 'channel weights are not all zero');
      const weightDiff = maxAbsDiff(fast.channelWeights, reference.channelWeights) / scale;
      assert.ok(weightDiff < 1e-5, `channel weights differ by ${weightDiff} of their largest magnitude`);
    });
  }

  it('does not leak tensors across repeated explanations', async () => {
    await initBackend('auto');
    const gradcam = createGradcam(loaded.model, { layerName: 'conv2' });
    const x = stackImages(images.slice(0, 4), loaded.metadata.input);
    await assertNoTensorLeak(
      () => {
        for (let i = 0; i < 3; i++) gradcam.explain(x);
      },
      { warmUp: () => gradcam.explain(x) },
    );
    x.dispose();
  });
});
