/**
 * The pipeline's options that apply to every method: several layers at once
 * and SmoothGrad, checked against compositions of single-layer, noise-free
 * results computed separately.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { createCam, NORMALISATION_EPSILON, resizeMaps } from '../../src/cam/pipeline.js';
import { GradcamError } from '../../src/errors.js';
import { maxAbsDiff, uniform } from '../helpers/cam-reference.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

const random = uniform(7, -1, 1);

function model(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 3, kernelSize: 2, activation: 'relu', name: 'conv1' }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 2, activation: 'relu', name: 'conv2' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  for (const layer of m.layers) layer.setWeights(layer.getWeights().map((w) => tf.tensor(Array.from({ length: w.size }, random), w.shape)));
  return m;
}

const images = () => tf.tensor4d(Array.from({ length: 2 * 36 }, () => (random() + 1) / 2), [2, 6, 6, 1]);

describe('CAM pipeline options', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('several layers: the mean of each layer\'s normalised map upsampled to the input, normalised again', async () => {
    const m = model();
    const x = images();
    const both = createCam(m, { layerName: ['conv1', 'conv2'] });
    assert.equal(both.layerName, 'conv1,conv2');
    assert.deepEqual([both.mapHeight, both.mapWidth], [6, 6]);
    const result = await assertNoTensorLeak(() => both.explain(x, [0, 2]), { warmUp: true });
    const expected = tf.tidy(() => {
      const perLayer = ['conv1', 'conv2'].map((name) => {
        const single = createCam(m, { layerName: name }).explain(x, [0, 2]);
        const maps = tf.tensor3d(single.heatmaps, [2, single.mapHeight, single.mapWidth]);
        const up = resizeMaps(maps, 6, 6);
        return tf.div(up, tf.add(tf.max(up, [1, 2], true), NORMALISATION_EPSILON));
      });
      const mean = tf.div(tf.add(perLayer[0]!, perLayer[1]!), 2);
      return tf.div(mean, tf.add(tf.max(mean, [1, 2], true), NORMALISATION_EPSILON)).dataSync();
    });
    x.dispose();
    assert.ok(maxAbsDiff(result.heatmaps, expected) < 1e-5, `differs by ${maxAbsDiff(result.heatmaps, expected)}`);
    assert.equal(result.channelWeights.length, 0, 'no channel weights across layers');
  });

  it('SmoothGrad: one sample without noise is the plain map; n noisy samples repeat with the seed and differ from it', async () => {
    const m = model();
    const x = images();
    const plain = createCam(m).explain(x);
    const one = createCam(m, { smoothGrad: { samples: 1, noise: 0 } }).explain(x);
    assert.ok(maxAbsDiff(plain.heatmaps, one.heatmaps) < 1e-6);
    const smooth = createCam(m, { smoothGrad: { samples: 4, noise: 0.2 }, seed: 3 });
    const first = await assertNoTensorLeak(() => smooth.explain(x), { warmUp: true });
    const again = createCam(m, { smoothGrad: { samples: 4, noise: 0.2 }, seed: 3 }).explain(x);
    const otherSeed = createCam(m, { smoothGrad: { samples: 4, noise: 0.2 }, seed: 4 }).explain(x);
    x.dispose();
    assert.deepEqual(Array.from(first.heatmaps), Array.from(again.heatmaps));
    assert.ok(maxAbsDiff(first.heatmaps, plain.heatmaps) > 1e-3, 'noise changes the map');
    assert.ok(maxAbsDiff(first.heatmaps, otherSeed.heatmaps) > 1e-4, 'the seed changes the noise');
    assert.deepEqual(Array.from(first.classes), Array.from(plain.classes), 'classes come from the clean input');
    assert.deepEqual(Array.from(first.probabilities), Array.from(plain.probabilities));
  });

  it('SmoothGrad refuses a bad sample count or noise', () => {
    const m = model();
    const x = images();
    for (const smoothGrad of [{ samples: 0, noise: 0.1 }, { samples: 2.5, noise: 0.1 }, { samples: 2, noise: -1 }, { samples: 2, noise: Number.NaN }]) {
      assert.throws(() => createCam(m, { smoothGrad }).explain(x), GradcamError);
    }
    x.dispose();
  });
});
