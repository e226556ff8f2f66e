import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { GradcamError } from '../../src/errors.js';
import { createGradcam, NORMALISATION_EPSILON } from '../../src/cam/gradcam.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

// A model small enough to do Grad-CAM by hand. The 1×1 conv "conv" has two
// channels, A0 = x and A1 = -x; a dense layer maps the 8 flattened
// activations (row-major i, j, then channel k) to 2 class scores.
const X = [0.1, 0.2, 0.3, 0.4]; // 2×2 image; small, so the softmax is not saturated
// Column 0 (class 0): weights on channel 0 are all 1, on channel 1 they are 0.5, 0.5, 0.5, -0.5.
// Column 1 (class 1): weights on channel 0 are all -1, on channel 1 all 0.
const W = [
  [1, -1], [0.5, 0], // (0,0): k=0, k=1
  [1, -1], [0.5, 0], // (0,1)
  [1, -1], [0.5, 0], // (1,0)
  [1, -1], [-0.5, 0], // (1,1)
];
const B = [0.1, -0.2];

function tinyModel(kind: 'functional' | 'sequential', activation: 'linear' | 'softmax'): tfl.LayersModel {
  const conv = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'conv', useBias: false });
  const flatten = tfl.layers.flatten({ name: 'flatten' });
  const dense = tfl.layers.dense({ units: 2, name: 'out', activation });
  let model: tfl.LayersModel;
  if (kind === 'functional') {
    const input = tfl.input({ shape: [2, 2, 1] });
    const output = dense.apply(flatten.apply(conv.apply(input))) as tfl.SymbolicTensor;
    model = tfl.model({ inputs: input, outputs: output });
  } else {
    const seq = tfl.sequential();
    seq.add(tfl.layers.inputLayer({ inputShape: [2, 2, 1] }));
    seq.add(conv);
    seq.add(flatten);
    seq.add(dense);
    model = seq;
  }
  conv.setWeights([tf.tensor4d([1, -1], [1, 1, 1, 2])]);
  dense.setWeights([tf.tensor2d(W), tf.tensor1d(B)]);
  return model;
}

const image = () => tf.tensor4d(X, [1, 2, 2, 1]);

describe('createGradcam on a hand-derivable model', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  for (const kind of ['functional', 'sequential'] as const) {
    it(`${kind}: class 0 map is ReLU(α0·x − α1·x) with α = spatial means of the dense weights`, () => {
      const model = tinyModel(kind, 'linear');
      const gradcam = createGradcam(model, { layerName: 'conv' });
      const x = image();
      const result = gradcam.explain(x, [0]);
      x.dispose();
      // α0 = mean(1,1,1,1) = 1; α1 = mean(.5,.5,.5,-.5) = .25; cam = x − .25x = .75x
      const cam = X.map((v) => 0.75 * v);
      const peak = Math.max(...cam);
      assertClose(result.unnormalised, cam, 1e-6);
      assertClose(result.heatmaps, cam.map((v) => v / (peak + NORMALISATION_EPSILON)), 1e-6);
      assert.deepEqual([result.mapHeight, result.mapWidth, result.classes], [2, 2, [0]]);
    });
  }

  it('an all-zero map stays zero, not NaN (class 1: ReLU(−x) = 0)', () => {
    const gradcam = createGradcam(tinyModel('functional', 'linear'), { layerName: 'conv' });
    const x = image();
    const result = gradcam.explain(x, [1]);
    x.dispose();
    assert.deepEqual(Array.from(result.heatmaps), [0, 0, 0, 0]);
  });

  it('defaults to the predicted class and to the last convolutional layer', () => {
    const gradcam = createGradcam(tinyModel('functional', 'linear'));
    assert.equal(gradcam.layerName, 'conv');
    const x = image();
    const result = gradcam.explain(x);
    x.dispose();
    // logits: class 0 = Σ x·1 + Σ (−x)·(.5,.5,.5,−.5) + .1 = 1 − (.05+.1+.15−.2) + .1 = 1; class 1 = −1 − .2
    assertClose(result.logits, [1, -1.2], 1e-6);
    assert.deepEqual(result.classes, [0]);
  });

  it("score 'logit' on a Dense-softmax output differentiates the softmax's input", () => {
    const x = image();
    const linear = createGradcam(tinyModel('functional', 'linear'), { layerName: 'conv' }).explain(x, [0]);
    const softmax = createGradcam(tinyModel('functional', 'softmax'), { layerName: 'conv' }).explain(x, [0]);
    x.dispose();
    assertClose(softmax.unnormalised, Array.from(linear.unnormalised), 1e-5);
    assertClose(softmax.logits, Array.from(linear.logits), 1e-5);
  });

  it("score 'prob' differentiates the probability: ∂p_c/∂A = p_c (W_c − Σ_k p_k W_k)", () => {
    const z = [1, -1.2];
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const p = e.map((v) => v / (e[0]! + e[1]!));
    for (const c of [0, 1]) {
      // gradient per flattened activation (i,j,k), then α_k = mean over i,j
      const grad = W.map((row) => p[c]! * (row[c]! - (p[0]! * row[0]! + p[1]! * row[1]!)));
      const alpha = [0, 1].map((k) => (grad[k]! + grad[2 + k]! + grad[4 + k]! + grad[6 + k]!) / 4);
      const cam = X.map((v) => Math.max(0, alpha[0]! * v - alpha[1]! * v));
      const x = image();
      const result = createGradcam(tinyModel('functional', 'softmax'), { layerName: 'conv', score: 'prob' }).explain(x, [c]);
      x.dispose();
      assertClose(result.unnormalised, cam, 1e-6);
      assertClose(result.probabilities, p, 1e-6);
    }
  });

  it("score 'prob' stays accurate for a saturated softmax (p = 1 − 4e-9 rounds to 1 in float32)", () => {
    // Inputs ten times larger: logits 9.1 and −10.2, so 1 − p_0 = 4.1e-9.
    const big = X.map((v) => 10 * v);
    const z = [9.1, -10.2];
    const p1 = Math.exp(z[1]! - z[0]!) / (1 + Math.exp(z[1]! - z[0]!));
    const p0 = 1 - p1;
    // ∂p_0/∂A for each flattened activation, then α_k = mean over i,j.
    const grad = W.map((row) => p0 * p1 * (row[0]! - row[1]!));
    const alpha = [0, 1].map((k) => (grad[k]! + grad[2 + k]! + grad[4 + k]! + grad[6 + k]!) / 4);
    const cam = big.map((v) => Math.max(0, alpha[0]! * v - alpha[1]! * v));
    const x = tf.tensor4d(big, [1, 2, 2, 1]);
    const result = createGradcam(tinyModel('functional', 'softmax'), { layerName: 'conv', score: 'prob' }).explain(x, [0]);
    x.dispose();
    const peak = Math.max(...cam);
    assertClose(result.unnormalised, cam, peak * 1e-5);
    assert.ok(peak > 0 && peak < 1e-7, `the map is tiny (${peak}) but must not collapse to zero or noise`);
  });

  it('gives each image of a batch its own map and class', () => {
    const gradcam = createGradcam(tinyModel('functional', 'linear'), { layerName: 'conv' });
    const batch = tf.tensor4d([...X, ...X.map((v) => -v)], [2, 2, 2, 1]);
    const result = gradcam.explain(batch, [0, 1]);
    batch.dispose();
    const single = (img: number[], c: number) => {
      const x = tf.tensor4d(img, [1, 2, 2, 1]);
      const r = gradcam.explain(x, [c]);
      x.dispose();
      return Array.from(r.unnormalised);
    };
    assertClose(result.unnormalised, [...single(X, 0), ...single(X.map((v) => -v), 1)], 1e-6);
  });

  it('rejects an unknown layer and lists the convolutional ones', () => {
    assert.throws(
      () => createGradcam(tinyModel('functional', 'linear'), { layerName: 'conv3' }),
      (error: unknown) =>
        error instanceof GradcamError && error.message === 'unknown layer "conv3"; convolutional layers in this model: conv',
    );
    assert.throws(
      () => createGradcam(tinyModel('functional', 'linear'), { layerName: 'out' }),
      (error: unknown) => error instanceof GradcamError && /layer "out" has no 2-D feature maps/.test(error.message),
    );
  });

  it('rejects a class out of range', () => {
    const gradcam = createGradcam(tinyModel('functional', 'linear'));
    const x = image();
    assert.throws(
      () => gradcam.explain(x, [10]),
      (error: unknown) => error instanceof GradcamError && /class 10 is out of range: this model has 2 classes \(0\.\.1\)/.test(error.message),
    );
    x.dispose();
  });

  it('does not leak tensors', async () => {
    const gradcam = createGradcam(tinyModel('functional', 'softmax'));
    const x = image();
    await assertNoTensorLeak(
      () => {
        gradcam.explain(x);
        gradcam.explain(x, [1]);
      },
      { warmUp: () => gradcam.explain(x) }, // layers may create weights lazily
    );
    x.dispose();
  });
});

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tolerance, `index ${i}: ${a} vs ${e} (tolerance ${tolerance})`);
  }
}
