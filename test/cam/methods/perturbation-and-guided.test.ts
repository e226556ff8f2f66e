/**
 * Score-CAM, Ablation-CAM, guided backpropagation, Guided Grad-CAM and the
 * two baselines against computations written out here in plain JS (masked
 * inputs, ablated activations and the guided backward pass by hand).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { CAM_METHODS } from '../../../src/cam/cam-methods.js';
import { ABLATION_LOW_VALUE } from '../../../src/cam/methods/ablationcam.js';
import { createCam, NORMALISATION_EPSILON } from '../../../src/cam/pipeline.js';
import { maxAbsDiff, uniform } from '../../helpers/cam-reference.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

const random = uniform(11, -1, 1);
const SIDE = 3;
const P = SIDE * SIDE;
const C = 3;
const K = 2;
const convW = Array.from({ length: C }, random); // 1×1 conv, one input channel
const convB = [0.05, -0.3, 0.2];
const denseW = Array.from({ length: P * C * K }, random); // [P·C, K]
const denseB = [0.1, -0.2];
const pixels = Array.from({ length: 2 * P }, () => (random() + 1) / 2); // [2, 3, 3, 1]

/** conv 1×1 (relu or linear) → flatten → dense(K): the layer keeps the input's size, so Score-CAM needs no resize. */
function model(activation: 'relu' | 'linear'): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [SIDE, SIDE, 1], filters: C, kernelSize: 1, activation, name: 'conv' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: K }),
    ],
  });
  m.layers[0]!.setWeights([tf.tensor4d(convW, [1, 1, 1, C]), tf.tensor1d(convB)]);
  m.layers[2]!.setWeights([tf.tensor2d(denseW, [P * C, K]), tf.tensor1d(denseB)]);
  return m;
}

const act = (v: number, activation: string) => (activation === 'relu' ? Math.max(0, v) : v);
/** A[p, k] of one image. */
const activationsOf = (x: readonly number[], activation: string) =>
  Array.from({ length: P * C }, (_, i) => act(x[Math.floor(i / C)]! * convW[i % C]! + convB[i % C]!, activation));
const logitOf = (a: readonly number[], c: number) => a.reduce((sum, v, i) => sum + v * denseW[i * K + c]!, denseB[c]!);

/** ReLU(Σ_k w_k A^k) / max for one image. */
function mapFrom(a: readonly number[], w: readonly number[]): number[] {
  const cam = Array.from({ length: P }, (_, p) => Math.max(0, w.reduce((s, wk, k) => s + wk * a[p * C + k]!, 0)));
  const peak = Math.max(...cam);
  return cam.map((v) => v / (peak + NORMALISATION_EPSILON));
}

function explain(method: keyof typeof CAM_METHODS, activation: 'relu' | 'linear', classes: number[]) {
  const x = tf.tensor4d(pixels, [2, SIDE, SIDE, 1]);
  try {
    return createCam(model(activation), { method }).explain(x, classes);
  } finally {
    x.dispose();
  }
}

describe('perturbation and guided methods against plain JS', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('Score-CAM: softmax over channels of the scores of the input masked by each min-max normalised channel', () => {
    const classes = [0, 1];
    const result = explain('scorecam', 'relu', classes);
    const expected = classes.flatMap((c, n) => {
      const x = pixels.slice(n * P, (n + 1) * P);
      const a = activationsOf(x, 'relu');
      const scores = Array.from({ length: C }, (_, k) => {
        const channel = Array.from({ length: P }, (_, p) => a[p * C + k]!);
        const low = Math.min(...channel);
        const range = Math.max(...channel) - low;
        const masked = x.map((v, p) => v * (range > 0 ? (channel[p]! - low) / range : 0));
        return logitOf(activationsOf(masked, 'relu'), c);
      });
      const top = Math.max(...scores);
      const exp = scores.map((s) => Math.exp(s - top));
      const total = exp.reduce((s, v) => s + v, 0);
      return mapFrom(a, exp.map((v) => v / total));
    });
    assert.ok(Math.max(...expected) > 0.5);
    assert.ok(maxAbsDiff(result.heatmaps, expected) < 1e-5, `differs by ${maxAbsDiff(result.heatmaps, expected)}`);
  });

  for (const activation of ['relu', 'linear'] as const) {
    it(`Ablation-CAM (${activation} layer): w_k = (y − y_k) / y, channel k set to ${activation === 'relu' ? '0' : 'a very low value'}`, () => {
      const classes = [1, 0];
      const result = explain('ablationcam', activation, classes);
      const all = classes.map((_, n) => activationsOf(pixels.slice(n * P, (n + 1) * P), activation));
      const negative = all.some((a) => a.some((v) => v < 0));
      assert.equal(negative, activation === 'linear', 'the linear layer has negative activations here');
      const fill = negative ? ABLATION_LOW_VALUE : 0;
      const expected = classes.flatMap((c, n) => {
        const a = all[n]!;
        const y = logitOf(a, c);
        const w = Array.from({ length: C }, (_, k) => (y - logitOf(a.map((v, i) => (i % C === k ? fill : v)), c)) / y);
        return mapFrom(a, w);
      });
      const diff = maxAbsDiff(result.heatmaps, expected);
      assert.ok(diff < 1e-4, `differs by ${diff}`);
    });
  }
});

describe('guided backpropagation', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  // x [2, 2, 1] → conv 1×1 (2, relu, fused) → flatten → dense(3) → ReLU layer → dense(2)
  const cw = [0.8, -0.6];
  const cb = [0.1, 0.3];
  const w2 = Array.from({ length: 8 * 3 }, random);
  const w3 = [0.9, -0.7, 0.4, -0.5, 0.6, 0.8];
  const x = [0.2, 0.9, -0.4, 0.6];
  function guidedModel(): tfl.LayersModel {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [2, 2, 1], filters: 2, kernelSize: 1, activation: 'relu', name: 'conv' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, useBias: false }),
        tfl.layers.reLU(),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    });
    m.layers[0]!.setWeights([tf.tensor4d(cw, [1, 1, 1, 2]), tf.tensor1d(cb)]);
    m.layers[2]!.setWeights([tf.tensor2d(w2, [8, 3])]);
    m.layers[4]!.setWeights([tf.tensor2d(w3, [3, 2])]);
    return m;
  }
  /** ∂y_c/∂x by hand; `guided` also zeroes negative incoming gradients at both ReLUs. */
  function gradient(c: number, guided: boolean): number[] {
    const z1 = Array.from({ length: 8 }, (_, i) => x[Math.floor(i / 2)]! * cw[i % 2]! + cb[i % 2]!);
    const h1 = z1.map((v) => Math.max(0, v));
    const z2 = [0, 1, 2].map((j) => h1.reduce((s, v, i) => s + v * w2[i * 3 + j]!, 0));
    const pass = (g: number, z: number) => (z > 0 && (!guided || g > 0) ? g : 0);
    const gz2 = z2.map((z, j) => pass(w3[j * 2 + c]!, z));
    const gz1 = z1.map((z, i) => pass([0, 1, 2].reduce((s, j) => s + w2[i * 3 + j]! * gz2[j]!, 0), z));
    return [0, 1, 2, 3].map((p) => gz1[p * 2]! * cw[0]! + gz1[p * 2 + 1]! * cw[1]!);
  }
  const normalise = (g: number[]) => {
    const r = g.map((v) => Math.max(0, v));
    const peak = Math.max(...r);
    return r.map((v) => v / (peak + NORMALISATION_EPSILON));
  };

  it('guided-backprop is the positive part of the hand-computed guided gradient, at the input resolution, and differs from the plain one', async () => {
    for (const c of [0, 1]) {
      const m = guidedModel();
      const input = tf.tensor4d(x, [1, 2, 2, 1]);
      const cam = createCam(m, { method: 'guided-backprop' });
      assert.deepEqual([cam.mapHeight, cam.mapWidth], [2, 2]);
      const result = await assertNoTensorLeak(() => cam.explain(input, [c]), { warmUp: true });
      input.dispose();
      const expected = normalise(gradient(c, true));
      assert.ok(maxAbsDiff(result.heatmaps, expected) < 1e-5, `class ${c}: ${Array.from(result.heatmaps)} vs ${expected}`);
    }
    assert.ok(maxAbsDiff(gradient(0, true), gradient(0, false)) + maxAbsDiff(gradient(1, true), gradient(1, false)) > 1e-3, 'this model has a negative gradient at a ReLU');
  });

  it('puts the ReLU gradient and the fused activations back, also when the computation throws', async () => {
    const m = guidedModel();
    const { withGuidedRelu } = await import('../../../src/cam/guided-relu.js');
    const before = tf.getGradient('Relu');
    assert.throws(() => withGuidedRelu(m, () => {
      assert.notEqual(tf.getGradient('Relu'), before);
      assert.notEqual((m.layers[0] as unknown as { activation: { getClassName(): string } }).activation.getClassName(), 'relu');
      throw new Error('boom');
    }), /boom/);
    assert.equal(tf.getGradient('Relu'), before);
    assert.equal((m.layers[0] as unknown as { activation: { getClassName(): string } }).activation.getClassName(), 'relu');
    // And plain gradients are plain again afterwards.
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), tf.tensor1d([-1, 2]))))(tf.tensor1d([1, 1])).arraySync());
    assert.deepEqual(g, [-1, 2]);
  });

  it('guided-gradcam is guided backprop times the upsampled, normalised Grad-CAM map', () => {
    const m = guidedModel();
    const input = tf.tensor4d(x, [1, 2, 2, 1]);
    const guided = createCam(m, { method: 'guided-gradcam' }).explain(input, [0]);
    const gradcam = createCam(m, { method: 'gradcam' }).explain(input, [0]);
    input.dispose();
    const product = normalise(gradient(0, true).map((g, p) => g * gradcam.heatmaps[p]!)); // conv is 2×2 like the input
    assert.ok(maxAbsDiff(guided.heatmaps, product) < 1e-5);
  });
});

describe('baselines', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  it('random repeats with its seed and differs with another; center peaks in the middle; neither depends on the class', () => {
    const m = model('relu');
    const x = tf.tensor4d(pixels, [2, SIDE, SIDE, 1]);
    const a = createCam(m, { method: 'random', seed: 1 }).explain(x, [0, 0]);
    const b = createCam(m, { method: 'random', seed: 1 }).explain(x, [1, 1]);
    const c = createCam(m, { method: 'random', seed: 2 }).explain(x, [0, 0]);
    const centre = createCam(m, { method: 'center' }).explain(x, [0, 1]);
    x.dispose();
    assert.deepEqual(Array.from(a.heatmaps), Array.from(b.heatmaps));
    assert.ok(maxAbsDiff(a.heatmaps, c.heatmaps) > 1e-2);
    assert.ok(maxAbsDiff(a.heatmaps.subarray(0, P), a.heatmaps.subarray(P)) > 1e-2, 'each image its own noise');
    assert.ok(Math.abs(centre.heatmaps[4]! - 1) < 1e-6 && centre.heatmaps[0]! < 0.5);
    assert.equal(CAM_METHODS.random.classSpecific, false);
  });
});
