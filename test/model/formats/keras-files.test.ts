import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { createCam } from '../../../src/cam/pipeline.js';
import { GradcamError } from '../../../src/errors.js';
import { loadModel } from '../../../src/model/model-files.js';
import { packageRoot } from '../../../src/package-root.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';
import { temporaryDirectory } from '../../helpers/temp-dir.js';

/** Written by test/fixtures/keras/make-fixtures.py (h5py, in the layouts Keras writes). */
const FIXTURES = path.join(packageRoot(), 'test', 'fixtures', 'keras');
const fixture = (name: string) => path.join(FIXTURES, name);
const N = 5;
const [H, W, K, F, CLASSES] = [8, 8, 3, 3, 4];

interface TinyWeights {
  conv2d: [number[], number[]];
  dense: [number[], number[]];
}

/**
 * The fixtures' model written out: Conv2D 3×3 valid (kernel [kh, kw, 1, F]) + ReLU →
 * MaxPool 2×2 → Flatten in (h, w, c) order → Dense (kernel [27, 4]) → softmax.
 * @param x N·8·8 grey values, [N, H, W, 1] order.
 */
function forwardPass(x: Float32Array, weights: TinyWeights): number[] {
  const [kernel, convBias] = weights.conv2d;
  const [dense, denseBias] = weights.dense;
  const convSize = H - K + 1;
  const poolSize = convSize / 2;
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    const conv = (i: number, j: number, f: number) => {
      let sum = convBias[f]!;
      for (let di = 0; di < K; di++) for (let dj = 0; dj < K; dj++) sum += x[n * H * W + (i + di) * W + (j + dj)]! * kernel[(di * K + dj) * F + f]!;
      return Math.max(0, sum);
    };
    const flat: number[] = [];
    for (let i = 0; i < poolSize; i++) {
      for (let j = 0; j < poolSize; j++) {
        for (let f = 0; f < F; f++) flat.push(Math.max(conv(2 * i, 2 * j, f), conv(2 * i + 1, 2 * j, f), conv(2 * i, 2 * j + 1, f), conv(2 * i + 1, 2 * j + 1, f)));
      }
    }
    const logits = Array.from({ length: CLASSES }, (_, c) => flat.reduce((sum, v, k) => sum + v * dense[k * CLASSES + c]!, denseBias[c]!));
    const top = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - top));
    const total = exps.reduce((a, b) => a + b, 0);
    out.push(...exps.map((e) => e / total));
  }
  return out;
}

describe('Keras model files', () => {
  const tmp = temporaryDirectory('gradcam-keras-');
  let weights: TinyWeights;
  let inputs: Float32Array;
  before(async () => {
    await tf.setBackend('cpu');
    weights = JSON.parse(await fs.readFile(fixture('tiny-weights.json'), 'utf8')) as TinyWeights;
    inputs = tf.tidy(() => tf.randomUniform([N, H, W, 1], 0, 1, 'float32', 5).dataSync() as Float32Array);
  });

  // Nested models load and predict; explaining a layer inside one is not this change's (issue 9, "Nested models").
  // (explains: false also for the float64 copy, which only checks the conversion.)
  const models: [string, { explains: boolean }][] = [
    ['tiny-keras2.h5', { explains: true }],
    ['tiny-keras3.h5', { explains: true }],
    ['tiny-float64-keras2.h5', { explains: false }],
    ['tiny-keras3.keras', { explains: true }],
    ['tiny-nested-keras2.h5', { explains: false }],
    ['tiny-nested-keras3.keras', { explains: false }],
  ];
  for (const [name, { explains }] of models) {
    it(`${name} predicts what a plain-JS forward pass predicts (1e-5)${explains ? ' and explains with Grad-CAM' : ''}`, async () => {
      const loaded = await loadModel(fixture(name));
      try {
        assert.equal(loaded.modelJsonPath, fixture(name));
        assert.equal(loaded.hasGradcamMetadata, false);
        assert.deepEqual(loaded.metadata.classNames, ['0', '1', '2', '3']);
        assert.deepEqual([loaded.inputSpec.height, loaded.inputSpec.width, loaded.inputSpec.channels], [8, 8, 1]);
        const x = tf.tensor4d(inputs, [N, H, W, 1]);
        const predicted = tf.tidy(() => Array.from((loaded.model.predict(x) as tf.Tensor).dataSync()));
        const expected = forwardPass(inputs, weights);
        predicted.forEach((p, i) => assert.ok(Math.abs(p - expected[i]!) < 1e-5, `output ${i}: ${p} vs ${expected[i]}`));
        if (!explains) {
          x.dispose();
          return;
        }
        const cam = createCam(loaded.model);
        assert.equal(cam.layerName, 'conv2d');
        const result = cam.explain(x);
        x.dispose();
        assert.equal(result.heatmaps.length, N * 6 * 6);
        assert.ok(result.heatmaps.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
        result.probabilities.forEach((p, i) => assert.ok(Math.abs(p - expected[i]!) < 1e-5));
      } finally {
        loaded.model.dispose();
      }
    });
  }

  it('loading and disposing a Keras model leaves no tensor behind', async () => {
    await loadModel(fixture('tiny-keras3.keras')).then((m) => m.model.dispose());
    await assertNoTensorLeak(async () => (await loadModel(fixture('tiny-keras2.h5'))).model.dispose());
  });

  it('is found in a directory holding it as the only model file, and recognised by its signature whatever its name', async () => {
    const dir = path.join(tmp(), 'only-h5');
    await fs.mkdir(dir);
    await fs.copyFile(fixture('tiny-keras2.h5'), path.join(dir, 'digits.h5'));
    await fs.writeFile(path.join(dir, 'metadata.json'), '{"labels": []}');
    const inDir = await loadModel(dir);
    assert.equal(inDir.modelJsonPath, path.join(dir, 'digits.h5'));
    inDir.model.dispose();
    const renamed = path.join(tmp(), 'model.bin');
    await fs.copyFile(fixture('tiny-keras3.keras'), renamed);
    (await loadModel(renamed)).model.dispose();
  });

  it('reads a deflated .keras archive (Keras stores its entries uncompressed; zip tools may not)', async () => {
    const { unzipSync, zipSync } = await import('fflate');
    const file = path.join(tmp(), 'deflated.keras');
    await fs.writeFile(file, zipSync(unzipSync(new Uint8Array(await fs.readFile(fixture('tiny-keras3.keras')))), { level: 9 }));
    const loaded = await loadModel(file);
    const x = tf.tensor4d(inputs, [N, H, W, 1]);
    const predicted = tf.tidy(() => Array.from((loaded.model.predict(x) as tf.Tensor).dataSync()));
    x.dispose();
    loaded.model.dispose();
    forwardPass(inputs, weights).forEach((p, i) => assert.ok(Math.abs(p - predicted[i]!) < 1e-5));
  });

  it('refuses a directory holding several model files, naming them', async () => {
    const dir = path.join(tmp(), 'two');
    await fs.mkdir(dir);
    await fs.copyFile(fixture('tiny-keras2.h5'), path.join(dir, 'a.h5'));
    await fs.copyFile(fixture('tiny-keras3.keras'), path.join(dir, 'b.keras'));
    await assert.rejects(loadModel(dir), (error: unknown) => error instanceof GradcamError && /several model files \(a\.h5, b\.keras\)/.test(error.message));
  });

  const broken: [string, string | (() => Promise<string>), RegExp][] = [
    ['a truncated .h5', 'broken-truncated.h5', /broken-truncated\.h5: not a readable HDF5 file \(truncated file: .*\); is the file complete\?$/],
    ['an HDF5 file without model_config', 'broken-no-config.h5', /broken-no-config\.h5: HDF5 file without "model_config"; save the whole model with model\.save\("model\.h5"\)/],
    ['float16 weights', 'broken-float16.h5', /broken-float16\.h5: weight "conv2d\/kernel:0" cannot be read \(Float16 not supported\); save the model with float32 weights$/],
    ['an unsupported layer class', 'broken-unsupported.h5', /layer class "FancyAttention" is not supported by TensorFlow\.js layers; .*tensorflowjs_converter --input_format keras .*broken-unsupported\.h5 out\//],
    ['a truncated .keras', async () => {
      const bytes = await fs.readFile(fixture('tiny-keras3.keras'));
      const file = path.join(tmp(), 'cut.keras');
      await fs.writeFile(file, bytes.subarray(0, bytes.length - 200));
      return file;
    }, /cut\.keras: not a readable zip archive \(.*\); is the file complete\?$/],
    ['a zip without config.json', async () => {
      const { zipSync } = await import('fflate');
      const file = path.join(tmp(), 'empty.keras');
      await fs.writeFile(file, zipSync({ 'metadata.json': new TextEncoder().encode('{}') }));
      return file;
    }, /empty\.keras: a \.keras archive needs config\.json and model\.weights\.h5/],
    ['weights of the wrong shape', async () => {
      const file = path.join(tmp(), 'reshaped.keras');
      const { unzipSync, zipSync, strFromU8, strToU8 } = await import('fflate');
      const entries = unzipSync(new Uint8Array(await fs.readFile(fixture('tiny-keras3.keras'))));
      await fs.writeFile(file, zipSync({ ...entries, 'config.json': strToU8(strFromU8(entries['config.json']!).replace('"filters": 3', '"filters": 4')) }));
      return file;
    }, /reshaped\.keras: weight "conv2d\/kernel" expected shape \[3, 3, 1, 4\], received \[3, 3, 1, 3\]$/],
  ];
  for (const [what, file, message] of broken) {
    it(`fails with one line naming the file: ${what}`, async () => {
      const location = typeof file === 'string' ? fixture(file) : await file();
      await assert.rejects(loadModel(location), (error: unknown) => {
        assert.ok(error instanceof GradcamError, String(error));
        assert.equal(error.exitCode, 1);
        assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});
