import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { registerWasmKernels, stockWasmKernel } from '../../../src/backend/kernels/register-wasm-kernels.js';
import { buildTutorialCnn } from '../../../src/model/tutorial-cnn.js';
import { assertClose, randomValues, runOn, setUpBackends, size, use } from './wasm-test-util.js';

const FIXED = [
  'Conv2DBackpropFilter',
  'MaxPoolGrad',
  'UnsortedSegmentSum',
  'Conv2DBackpropInput',
  'BatchMatMul',
  'Sum',
  'Identity',
  'Cast',
];
/** Stock kernels that ours replace and fall back to (the others are missing from tfjs-backend-wasm or replaced outright). */
const WRAPPED = ['Conv2DBackpropInput', 'BatchMatMul', 'Sum', 'Identity', 'Cast'];

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
    for (const name of ['MaxPoolGrad', ...WRAPPED]) {
      assert.ok(stockWasmKernel(name), name);
      assert.notEqual(stockWasmKernel(name), tf.getKernel(name, 'wasm'), name);
    }
    assert.equal(stockWasmKernel('Conv2DBackpropFilter'), undefined);
    assert.equal(stockWasmKernel('UnsortedSegmentSum'), undefined);
  });

  test('kernels that fall back to a stock kernel keep its setupFunc', () => {
    for (const name of WRAPPED) {
      assert.equal(tf.getKernel(name, 'wasm')?.setupFunc, stockWasmKernel(name)?.setupFunc, name);
    }
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

  test("end to end: the tutorial CNN's loss gradients on MNIST-like digits match cpu", async () => {
    // Images like MNIST digits: a bright blob on a black background, so the
    // kernels see what training gives them (zero windows, zero dy rows,
    // max-pool ties between zeros). Batch 2 keeps the cpu reference fast.
    const batch = 2;
    const pixels = randomValues(batch * 28 * 28, 5, 0, 1).map((v, i) => {
      const r = Math.floor(i / 28) % 28;
      const c = i % 28;
      return Math.abs(r - 13 - (i >= 784 ? 3 : 0)) < 7 && Math.abs(c - 14) < 4 ? v : 0;
    });
    const model = buildTutorialCnn({ seed: 3 });
    const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const gradients = (backend: 'cpu' | 'wasm') => async () => {
      await use(backend);
      const { grads, value } = tf.variableGrads(() => {
        const x = tf.tensor4d(pixels, [batch, 28, 28, 1]);
        const labels = tf.oneHot(tf.tensor1d([3, 7], 'int32'), 10);
        const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
        return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probabilities, 1e-7, 1 - 1e-7))), -1))) as tf.Scalar;
      }, weights);
      try {
        return await Promise.all(weights.map(async (w) => Float32Array.from(await (grads[w.name] as tf.Tensor).data())));
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    };
    try {
      const cpu = await gradients('cpu')();
      const wasm = await gradients('wasm')();
      for (const [i, w] of weights.entries()) {
        assert.ok(cpu[i]?.some((v) => v !== 0), `the reference gradient of ${w.name} is not all zero`);
        assertClose(wasm[i] as Float32Array, cpu[i] as Float32Array, 1e-4, w.name);
      }
    } finally {
      model.dispose();
    }
  });

  test('end to end: the gradient w.r.t. the last conv activation (Grad-CAM) matches cpu', async () => {
    const cpu = await runOn('cpu', activationGradient);
    const wasm = await runOn('wasm', activationGradient);
    assertClose(wasm, cpu, 1e-5, 'activation gradient');
  });
});
