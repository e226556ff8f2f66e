import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import type { CamMethod } from '../../src/cam/cam-method.js';
import { CAM_METHODS } from '../../src/cam/cam-methods.js';
import { createGradcam } from '../../src/cam/gradcam.js';
import { createCam, NORMALISATION_EPSILON } from '../../src/cam/pipeline.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

// A 2×2 one-channel image through a 1×1 conv with two channels, A0 = x and
// A1 = 2x, then a dense layer to two class scores: every map is a multiple of
// x that can be written down by hand.
const X = [-0.1, 0.2, 0.3, 0.4];

function tinyModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 2, 1] });
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv', useBias: false });
  const dense = tfl.layers.dense({ units: 2, name: 'out' });
  const output = dense.apply(tfl.layers.flatten().apply(conv.apply(input))) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: output });
  conv.setWeights([tf.tensor4d([1, 2], [1, 1, 1, 2])]);
  // Class 0 weighs every activation of channel 0 by 1 and of channel 1 by 0; class 1 the reverse.
  dense.setWeights([tf.tensor2d(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? [1, 0] : [0, 1]))), tf.zeros([2])]);
  return model;
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/**
 * The seam of the method table: a method defined here, outside src/, with
 * weight 1/C on every channel (the channel mean of A) and no gradients.
 */
const channelMean: CamMethod = {
  title: 'Channel mean',
  reference: 'none: a test of the pipeline',
  needsGradients: false,
  classSpecific: false,
  weights: ({ activations, gradients }) => {
    assert.equal(gradients, undefined, 'a method that needs no gradients gets none');
    const channels = activations.shape[3];
    return tf.fill([activations.shape[0], 1, 1, channels], 1 / channels) as tf.Tensor4D;
  },
};

describe('the CAM pipeline', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('runs a method of the caller\'s own: ReLU of the channel mean, divided by its maximum', () => {
    const cam = createCam(tinyModel(), { method: channelMean });
    const x = tf.tensor4d(X, [1, 2, 2, 1]);
    const result = cam.explain(x);
    x.dispose();
    // mean(A0, A1) = (x + 2x) / 2 = 1.5x; ReLU zeroes the negative pixel.
    const expected = X.map((v) => Math.max(0, 1.5 * v));
    assertClose(result.unnormalised, expected, 1e-6);
    const peak = Math.max(...expected);
    assertClose(result.heatmaps, expected.map((v) => v / (peak + NORMALISATION_EPSILON)), 1e-6);
    assertClose(result.channelWeights, [0.5, 0.5], 1e-7);
    assert.equal(cam.method, channelMean);
    assert.equal(cam.layerName, 'conv');
  });

  it('Grad-CAM by name is createGradcam; its class-1 map is ReLU(α1·2x) with α1 = 1/4 (mean of the dense weights)', () => {
    const x = tf.tensor4d(X, [1, 2, 2, 1]);
    const byName = createCam(tinyModel(), { method: 'gradcam' }).explain(x, [1]);
    const legacy = createGradcam(tinyModel()).explain(x, [1]);
    x.dispose();
    // ∂y1/∂A: 0 on channel 0, 1 on channel 1 → α = (0, 1); map = ReLU(2x).
    const expected = X.map((v) => Math.max(0, 2 * v));
    assertClose(byName.unnormalised, expected, 1e-6);
    assertClose(byName.channelWeights, [0, 1], 1e-7);
    assert.deepEqual(Array.from(legacy.heatmaps), Array.from(byName.heatmaps));
    assert.equal(CAM_METHODS.gradcam.title, 'Grad-CAM');
  });

  it('per-activation weights [N, H, W, C] are multiplied elementwise; channelWeights are their spatial mean', () => {
    const elementwise: CamMethod = {
      ...channelMean,
      // Weight 1 on channel 0 at the last pixel only.
      weights: ({ activations }) => tf.tile(tf.tensor4d([0, 0, 0, 0, 0, 0, 1, 0], [1, 2, 2, 2]), [activations.shape[0], 1, 1, 1]),
    };
    const x = tf.tensor4d(X, [1, 2, 2, 1]);
    const result = createCam(tinyModel(), { method: elementwise }).explain(x);
    x.dispose();
    assertClose(result.unnormalised, [0, 0, 0, 0.4], 1e-6);
    assertClose(result.channelWeights, [0.25, 0], 1e-7);
  });

  it('leaves no tensors behind, with and without gradients', async () => {
    const model = tinyModel();
    const x = tf.tensor4d([...X, ...X], [2, 2, 2, 1]);
    for (const method of [channelMean, 'gradcam'] as const) {
      const cam = createCam(model, { method });
      await assertNoTensorLeak(() => cam.explain(x, [0, 1]), { warmUp: () => cam.explain(x) });
    }
    x.dispose();
  });
});
