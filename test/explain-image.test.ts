/** explainImage, the library's one call: paths, bytes and tensors; the caller's backend kept; clear errors; no leaks. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { createCam } from '../src/cam/pipeline.js';
import { readMnistRecords } from '../src/data/mnist.js';
import { EXIT_CODES, GradcamError } from '../src/errors.js';
import { disposeExplainImageModels, explainImage } from '../src/explain-image.js';
import { bundledModelDir, loadModel } from '../src/model/model-files.js';
import { assertNoTensorLeak } from './helpers/leaks.js';

let tmp: string;
let png: Buffer;
let pixels: Float32Array;

describe('explainImage', () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-explain-image-'));
    const records = await readMnistRecords('test', [0]);
    pixels = Float32Array.from(records.images, (v) => v / 255);
    png = await sharp(Buffer.from(records.images), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    await fs.writeFile(path.join(tmp, 'seven.png'), png);
    // The caller's own choice of backend, which explainImage must keep.
    await tf.setBackend('cpu');
  });
  after(async () => {
    await disposeExplainImageModels();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('explains a file: the class, its name and probability, the top classes and the map, on the backend already active', async () => {
    const why = await explainImage(path.join(tmp, 'seven.png'));
    assert.equal(why.class, 7);
    assert.equal(why.className, '7');
    assert.ok(why.probability > 0.9);
    assert.equal(why.top[0]!.class, 7);
    assert.equal(why.top.length, 3);
    assert.deepEqual(why.explained, why.top[0]);
    assert.equal(why.method, 'gradcam');
    assert.equal(why.layer, 'conv2');
    assert.equal(why.backend, 'cpu');
    assert.equal(tf.getBackend(), 'cpu', "the caller's backend is kept");
    assert.equal(why.heatmap.values.length, why.heatmap.width * why.heatmap.height);
    assert.equal(Math.max(...why.heatmap.values) > 0.99, true);
    assert.ok(why.peak > 0);
  });

  it("says what preprocessing did to a photo, and the notes: a digit's crop box in the picture's pixels, two digits noted", async () => {
    // The MNIST 7, inverted and drawn 4x larger at (100, 40) on a 400x200 white page, and a bar far to its right.
    const w = 400;
    const h = 200;
    const page = Buffer.alloc(w * h, 255);
    for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) page[(40 + y) * w + 100 + x] = 255 - Math.round(255 * pixels[(y >> 2) * 28 + (x >> 2)]!);
    for (let y = 60; y < 150; y++) for (let x = 330; x < 344; x++) page[y * w + x] = 0;
    const file = path.join(tmp, 'page.png');
    await sharp(page, { raw: { width: w, height: h, channels: 1 } }).png().toFile(file);
    const why = await explainImage(file);
    assert.equal(why.class, 7);
    const box = why.preprocessing!.cropBox;
    assert.ok(box.x >= 100 && box.y >= 40 && box.x + box.width <= 212 && box.y + box.height <= 152, JSON.stringify(box));
    assert.ok(box.width > 40 && box.height > 60, JSON.stringify(box));
    assert.equal(why.preprocessing!.inverted, true);
    assert.deepEqual(why.notes, ['several digits? gradcam classifies one']);
    const plain = await explainImage(png);
    assert.deepEqual(plain.notes, []);
    assert.equal(plain.preprocessing!.usedAsIs, true);
  });

  it('names the classes from a labels file (issue 9), and the next call without one uses the metadata again', async () => {
    await fs.writeFile(path.join(tmp, 'names.txt'), ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'].join('\n'));
    const named = await explainImage(path.join(tmp, 'seven.png'), { labels: path.join(tmp, 'names.txt') });
    assert.equal(named.className, 'seven');
    assert.equal(named.top[0]!.className, 'seven');
    assert.equal((await explainImage(path.join(tmp, 'seven.png'))).className, '7', 'the cached model is not renamed');
  });

  it('bytes and a tensor give the same map as createCam on the same input', async () => {
    const fromBytes = await explainImage(png);
    const x = tf.tensor3d(pixels, [28, 28, 1]);
    try {
      const fromTensor = await assertNoTensorLeak(() => explainImage(x, { method: 'gradcam++' }), { warmUp: true });
      const { model } = await loadModel(bundledModelDir());
      const x4 = tf.expandDims(x, 0) as tf.Tensor4D;
      const direct = createCam(model, { method: 'gradcam++' }).explain(x4);
      x4.dispose();
      model.dispose();
      assert.deepEqual(fromTensor.heatmap.values, direct.heatmaps);
      assert.equal(fromBytes.class, 7);
    } finally {
      x.dispose();
    }
  });

  it('explains another class on request, and refuses bad values with a usage error', async () => {
    const why = await explainImage(png, { class: 3 });
    assert.equal(why.explained.class, 3);
    assert.equal(why.class, 7);
    assert.ok(why.explained.probability < 0.05);
    for (const [options, pattern] of [
      [{ layer: 'conv9' }, /conv9/],
      [{ method: 'nope' }, /unknown method "nope"/],
      [{ class: 10 }, /class 10 is not a class/],
    ] as const) {
      await assert.rejects(explainImage(png, options as never), (e: GradcamError) => e instanceof GradcamError && e.exitCode === EXIT_CODES.usage && pattern.test(e.message));
    }
    const rgb = tf.zeros([28, 28, 3]);
    await assert.rejects(explainImage(rgb), /expected a tensor of shape \[28, 28, 1\]/);
    rgb.dispose();
    await assert.rejects(explainImage(path.join(tmp, 'missing.png')), (e: GradcamError) => e instanceof GradcamError && /missing\.png/.test(e.message));
  });
});
