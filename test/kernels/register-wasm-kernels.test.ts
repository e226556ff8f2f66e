import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { registerWasmKernels, stockWasmKernel } from '../../src/kernels/register-wasm-kernels.js';
import { assertClose, randomValues, runOn, setUpBackends, size } from './wasm-test-util.js';

const FIXED = ['Conv2DBackpropFilter', 'MaxPoolGrad', 'UnsortedSegmentSum', 'Conv2DBackpropInput'];

/** Weights of a tiny conv -> relu -> maxpool -> conv -> relu -> maxpool -> dense net. */
const SHAPES = {
  w1: [3, 3, 1, 4],
  b1: [4],
  w2: [3, 3, 4, 5],
  b2: [5],
  w3: [20, 3],
  b3: [3],
} as const;
type WeightName = keyof typeof SHAPES;
const WEIGHT_NAMES = Object.keys(SHAPES) as WeightName[];

const INPUT_SHAPE = [4, 8, 8, 1] as const;

/** Deterministic inputs and weights; the last bias of layer 1 is very negative,
 * so one channel is dead after the ReLU and every pool window over it is all
 * zero (the case the stock wasm MaxPoolGrad misroutes). */
function netValues(): { x: Float32Array; weights: Record<WeightName, Float32Array> } {
  const x = randomValues(size(INPUT_SHAPE), 1, 0, 1).map((v) => (v < 0.3 ? 0 : v));
  const weights = Object.fromEntries(
    WEIGHT_NAMES.map((n, i) => [n, randomValues(size(SHAPES[n]), 10 + i, -0.5, 0.5)]),
  ) as Record<WeightName, Float32Array>;
  weights.b1[3] = -5;
  return { x, weights };
}

/** conv -> relu -> maxpool -> conv -> relu: the last conv block's activation [4, 3, 3, 5]. */
function features(x: tf.Tensor4D, w: tf.Tensor[]): tf.Tensor4D {
  const [w1, b1, w2, b2] = w as [tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D];
  let h = tf.relu(tf.add(tf.conv2d(x, w1, 1, 'valid'), b1)) as tf.Tensor4D; // [4, 6, 6, 4]
  h = tf.maxPool(h, 2, 2, 'valid'); // [4, 3, 3, 4]
  return tf.relu(tf.add(tf.conv2d(h, w2, 1, 'same'), b2)) as tf.Tensor4D; // [4, 3, 3, 5]
}

/** maxpool -> dense: logits [4, 3] from the activation. */
function head(activation: tf.Tensor4D, w: tf.Tensor[]): tf.Tensor2D {
  const [w3, b3] = w.slice(4) as [tf.Tensor2D, tf.Tensor1D];
  const pooled = tf.maxPool(activation, 2, 2, 'same'); // [4, 2, 2, 5]
  return tf.add(tf.matMul(tf.reshape(pooled, [4, 20]), w3), b3);
}

/** Gradient of the tiny CNN's cross-entropy loss w.r.t. one weight. */
function lossGradient(name: WeightName): () => tf.Tensor {
  const values = netValues();
  return () => {
    const x = tf.tensor4d(values.x, [...INPUT_SHAPE]);
    const labels = tf.oneHot(tf.tensor1d([0, 2, 1, 2], 'int32'), 3);
    const weights = WEIGHT_NAMES.map((n) => tf.tensor(values.weights[n], [...SHAPES[n]]));
    const loss = (...w: tf.Tensor[]) => {
      const logits = head(features(x, w), w);
      // Cross-entropy from primitive ops (tf.losses.softmaxCrossEntropy's
      // customGrad trips the engine's IS_TEST leak check on cpu).
      const logProbabilities = tf.sub(logits, tf.logSumExp(logits, 1, true));
      return tf.neg(tf.mean(tf.sum(tf.mul(labels, logProbabilities), 1)));
    };
    return tf.grads(loss)(weights)[WEIGHT_NAMES.indexOf(name)] as tf.Tensor;
  };
}

/**
 * Grad-CAM's gradient: d(class-1 score summed over the batch) / d(activation),
 * taken at the ReLU output, so zero cells receive the gradient that max-pool
 * routes to them (no ReLU derivative in between).
 */
function activationGradient(): tf.Tensor {
  const values = netValues();
  const weights = WEIGHT_NAMES.map((n) => tf.tensor(values.weights[n], [...SHAPES[n]]));
  const activation = features(tf.tensor4d(values.x, [...INPUT_SHAPE]), weights);
  const score = (a: tf.Tensor) => tf.sum(tf.slice(head(a as tf.Tensor4D, weights), [0, 1], [4, 1]));
  return tf.grad(score)(activation);
}

describe('registerWasmKernels', () => {
  before(setUpBackends);

  test('registers all fixes once; a second call changes nothing', () => {
    const configs = FIXED.map((name) => tf.getKernel(name, 'wasm'));
    assert.ok(configs.every((c) => c !== undefined), 'all fixed kernels are registered');
    assert.deepEqual(registerWasmKernels(), []);
    assert.deepEqual(
      FIXED.map((name) => tf.getKernel(name, 'wasm')),
      configs,
    );
  });

  test('keeps the stock kernels it replaced, and only those', () => {
    assert.ok(stockWasmKernel('MaxPoolGrad'));
    assert.ok(stockWasmKernel('Conv2DBackpropInput'));
    assert.notEqual(stockWasmKernel('MaxPoolGrad'), tf.getKernel('MaxPoolGrad', 'wasm'));
    assert.equal(stockWasmKernel('Conv2DBackpropFilter'), undefined);
    assert.equal(stockWasmKernel('UnsortedSegmentSum'), undefined);
  });

  for (const name of WEIGHT_NAMES) {
    test(`end to end: the tiny CNN's loss gradient w.r.t. ${name} matches cpu`, async () => {
      const compute = lossGradient(name);
      const cpu = await runOn('cpu', compute);
      const wasm = await runOn('wasm', compute);
      assert.ok(cpu.some((v) => v !== 0), 'the reference gradient is not all zero');
      assertClose(wasm, cpu, 1e-4, name);
    });
  }

  test('end to end: the gradient w.r.t. the last conv activation (Grad-CAM) matches cpu', async () => {
    const cpu = await runOn('cpu', activationGradient);
    const wasm = await runOn('wasm', activationGradient);
    assertClose(wasm, cpu, 1e-5, 'activation gradient');
  });
});
