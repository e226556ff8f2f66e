import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/init-backend.js';
import { stackImages } from '../../src/model/classify.js';
import { readMnistRecords } from '../../src/data/mnist.js';
import { GradcamError } from '../../src/errors.js';
import { createGradcam } from '../../src/cam/gradcam.js';
import { bundledModelDir, loadModel, type LoadedModel } from '../../src/model/model-files.js';
import { GradcamPool, joinBatches } from '../../src/cam/gradcam-pool.js';

let loaded: LoadedModel;
let pixels: Float32Array;
const COUNT = 37; // odd: the two threads get unequal slices

describe('GradcamPool', () => {
  before(async () => {
    await initBackend('wasm');
    loaded = await loadModel(bundledModelDir());
    const records = await readMnistRecords('test', Array.from({ length: COUNT }, (_, i) => i));
    pixels = Float32Array.from(records.images, (v) => v / 255);
  });
  after(() => loaded.model.dispose());

  it('2 threads give the same maps, classes and probabilities as one explainer on the whole batch', async () => {
    const images = Array.from({ length: COUNT }, (_, i) => pixels.subarray(i * 784, (i + 1) * 784));
    const x = stackImages(images, loaded.metadata.input);
    const expected = createGradcam(loaded.model, { layerName: 'conv2', score: 'prob' }).explain(x);
    x.dispose();
    const pool = await GradcamPool.start({ modelJsonPath: loaded.modelJsonPath, method: 'gradcam', layerName: 'conv2', score: 'prob', backend: 'wasm' }, 2);
    try {
      const got = await pool.explain(pixels, COUNT, 784);
      assert.equal(got.count, COUNT);
      assert.deepEqual(got.classes, expected.classes);
      // The same kernels on the same inputs: identical up to batch-size-dependent summation order.
      for (const key of ['heatmaps', 'probabilities', 'channelWeights'] as const) {
        const a = got[key];
        const b = expected[key];
        assert.equal(a.length, b.length, key);
        let diff = 0;
        for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
        assert.ok(diff < 1e-5, `${key} differ by ${diff}`);
      }
      const chosen = await pool.explain(pixels.subarray(0, 3 * 784), 3, 784, [1, 2, 3]);
      assert.deepEqual(chosen.classes, [1, 2, 3]);
    } finally {
      await pool.close();
    }
  });

  it('reports a bad layer from the threads as a GradcamError', async () => {
    await assert.rejects(
      GradcamPool.start({ modelJsonPath: loaded.modelJsonPath, method: 'gradcam', layerName: 'conv3', score: 'logit', backend: 'wasm' }, 1),
      (error: unknown) => error instanceof GradcamError && /unknown layer "conv3"/.test(error.message),
    );
  });

  it('joinBatches concatenates in order', () => {
    const part = (n: number, v: number) => ({
      count: n,
      mapHeight: 1,
      mapWidth: 1,
      classCount: 1,
      channels: 1,
      heatmaps: new Float32Array(n).fill(v),
      unnormalised: new Float32Array(n).fill(v),
      channelWeights: new Float32Array(n).fill(v),
      probabilities: new Float32Array(n).fill(v),
      logits: new Float32Array(n).fill(v),
      classes: Array.from({ length: n }, () => v),
    });
    const joined = joinBatches([part(2, 1), part(1, 2)]);
    assert.deepEqual(Array.from(joined.heatmaps), [1, 1, 2]);
    assert.deepEqual(joined.classes, [1, 1, 2]);
    assert.equal(joined.count, 3);
  });
});
