/**
 * A model that is not the 28×28 digit CNN (issue 8, seam 1): a 32×32×3
 * classifier gets its image files resized to 32×32 RGB, never a zero-padded
 * digit, and MNIST records are refused before any work.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { explain } from '../../../src/commands/explain/explain.js';
import type { SingleExplainResult } from '../../../src/commands/explain/options.js';
import { loadResizedImage } from '../../../src/data/image.js';
import { GradcamError } from '../../../src/errors.js';
import { saveModel } from '../../../src/model/model-files.js';
import { defaultMetadataFor } from '../../../src/model/tutorial-cnn.js';
import type { HeatmapFile } from '../../../src/outputs/heatmap-json.js';
import type { ManifestEntry, ManifestRecord } from '../../../src/outputs/manifest.js';

let tmp: string;
let modelDir: string;
let probabilitiesOf: (values: Float32Array) => number[];

describe('explain with a 32×32×3 model', { concurrency: false }, () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-own-model-'));
    await tf.setBackend('cpu');
    const input = tfl.input({ shape: [32, 32, 3], name: 'rgb' });
    let x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    modelDir = path.join(tmp, 'rgb-model');
    await saveModel(model, modelDir, defaultMetadataFor(model));
    probabilitiesOf = (values) => tf.tidy(() => Array.from((model.predict(tf.tensor4d(values, [1, 32, 32, 3])) as tf.Tensor).dataSync()));
    // A 48×40 colour picture: a red square on blue.
    const w = 48;
    const h = 40;
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const red = xx > 10 && xx < 30 && y > 8 && y < 28;
        rgb.set(red ? [220, 30, 20] : [20, 40, 200], (y * w + xx) * 3);
      }
    }
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(tmp, 'square.png'));
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).flop().png().toFile(path.join(tmp, 'flipped.png'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('feeds the image resized to 32×32 RGB: the predictions are the model’s own on that input', async () => {
    const result = (await explain({
      images: ['square.png'],
      model: modelDir,
      backend: 'cpu',
      cwd: tmp,
      output: 'square-cam.png',
      heatmap: 'square.json',
    })) as SingleExplainResult;
    assert.equal(result.mode, 'single');
    assert.ok(!('error' in result.explanation), JSON.stringify(result.explanation));
    const expected = probabilitiesOf((await loadResizedImage(path.join(tmp, 'square.png'), { height: 32, width: 32, channels: 3 })).values);
    const predicted = expected.indexOf(Math.max(...expected));
    assert.equal(result.explanation.class, predicted);
    assert.ok(Math.abs(result.explanation.probability - expected[predicted]!) < 1e-6);
    const heatmap = JSON.parse(await fs.readFile(path.join(tmp, 'square.json'), 'utf8')) as HeatmapFile;
    assert.deepEqual([heatmap.map.height, heatmap.map.width, heatmap.upsampled.height, heatmap.upsampled.width], [30, 30, 32, 32]);
    assert.equal(heatmap.layer, 'conv');
    const figure = await sharp(path.join(tmp, 'square-cam.png')).metadata();
    assert.ok(figure.width! > 2 * 320, `two 320 px tiles, got ${figure.width} px`);
  });

  it('batch mode writes 32 px tiles × scale and manifest entries for every file', async () => {
    const result = await explain({ images: ['square.png', 'flipped.png'], model: modelDir, backend: 'cpu', cwd: tmp, outDir: 'out' });
    assert.equal(result.mode, 'batch');
    if (result.mode !== 'batch') return;
    assert.equal(result.summary.explained, 2);
    const entries = result.records.filter((r: ManifestRecord): r is ManifestEntry => !('error' in r));
    assert.equal(entries.length, 2);
    const tile = await sharp(path.join(tmp, 'out', entries[0]!.output)).metadata();
    assert.deepEqual([tile.width, tile.height], [32 * 4, 32 * 4]);
  });

  it('refuses MNIST digits for it, before any output is written (exit code 2)', async () => {
    for (const options of [{ mnistIndex: '0' }, { mnistIndex: '0..3', outDir: 'mnist-out' }]) {
      await assert.rejects(
        explain({ images: [], model: modelDir, backend: 'cpu', cwd: tmp, ...options }),
        (error: unknown) =>
          error instanceof GradcamError &&
          error.exitCode === 2 &&
          /MNIST digits are \[28, 28, 1\] but the model takes \[32, 32, 3\] inputs/.test(error.message),
      );
    }
    await assert.rejects(fs.access(path.join(tmp, 'mnist-out', 'manifest.jsonl')));
  });
});
