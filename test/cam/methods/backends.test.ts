/**
 * Every method of the table on the default backend (wasm here, with this
 * project's kernels) against the pure-JS cpu backend, on the bundled model
 * and real test digits. The measured differences are printed as diagnostics.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../../src/backend/init-backend.js';
import { CAM_METHOD_NAMES, CAM_METHODS, type CamMethodName } from '../../../src/cam/cam-methods.js';
import { createCam, type CamBatch } from '../../../src/cam/pipeline.js';
import { readMnistRecords } from '../../../src/data/mnist.js';
import { stackImages } from '../../../src/model/classify.js';
import { bundledModelDir, loadModel, type LoadedModel } from '../../../src/model/model-files.js';
import { maxAbsDiff } from '../../helpers/cam-reference.js';

let loaded: LoadedModel;
let images: Float32Array[];

async function mapsOn(backend: 'auto' | 'cpu', method: CamMethodName): Promise<CamBatch> {
  await initBackend(backend);
  const x = stackImages(images, loaded.inputSpec);
  try {
    return createCam(loaded.model, { method }).explain(x);
  } finally {
    x.dispose();
  }
}

describe('every CAM method: default backend equals the cpu backend on the bundled model', () => {
  before(async () => {
    await initBackend('auto');
    loaded = await loadModel(bundledModelDir());
    const records = await readMnistRecords('test', [0, 1, 2]);
    images = Array.from({ length: records.count }, (_, i) => Float32Array.from(records.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255));
  });

  for (const method of CAM_METHOD_NAMES) {
    it(`${method}: normalised maps within 1e-4`, async (t) => {
      const fast = await mapsOn('auto', method);
      const reference = await mapsOn('cpu', method);
      assert.deepEqual(fast.classes, reference.classes);
      const diff = maxAbsDiff(fast.heatmaps, reference.heatmaps);
      t.diagnostic(`${method}: max |wasm − cpu| = ${diff.toExponential(2)}`);
      if (CAM_METHODS[method].classSpecific) assert.ok(Math.max(...reference.heatmaps) > 0.5, 'the map is not all zero');
      assert.ok(diff < 1e-4, `${method}: maps differ by ${diff}`);
    });
  }
});
