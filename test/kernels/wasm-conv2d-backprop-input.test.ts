import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { conv2dBackpropInputWasm } from '../../src/kernels/wasm-conv2d-backprop-input.js';
import {
  assertClose,
  assertNoLeak,
  onBothBackends,
  randomValues,
  setUpBackends,
  size,
  use,
  wasmBackend,
} from './wasm-test-util.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  /** Whether the XNNPACK fast path applies (else the stock kernel runs). */
  fast: boolean;
}

const CASES: ConvCase[] = [
  { name: 'batch 1, 1 channel, 3x3 valid', x: [1, 5, 5, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'valid', fast: true },
  { name: 'odd 7x9, 3x3 valid', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid', fast: true },
  { name: 'odd 7x9, 3x3 same', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', fast: true },
  { name: '2x2 filter, same (asymmetric pad)', x: [1, 7, 9, 2], filter: [2, 2, 2, 3], strides: 1, pad: 'same', fast: true },
  { name: '1x1 filter', x: [2, 7, 9, 3], filter: [1, 1, 3, 5], strides: 1, pad: 'valid', fast: true },
  { name: 'explicit pads', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]], fast: true },
  { name: 'numeric pad 1', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 1, fast: true },
  { name: 'explicit pad wider than the filter', x: [1, 5, 5, 2], filter: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [2, 0], [0, 0], [0, 0]], fast: false },
  { name: 'batch 32, several channels', x: [32, 9, 8, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'valid', fast: true },
  { name: 'stride 2 valid (stock kernel)', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid', fast: false },
  { name: 'stride 2 same (stock kernel)', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same', fast: false },
  { name: 'tutorial conv2 [32, 13, 13, 32] -> 64', x: [32, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid', fast: true },
];

function outShape(c: ConvCase): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

/** tf.grad of sum(conv2d(x, W) * dy) w.r.t. x, i.e. Conv2DBackpropInput(dy, W). */
function inputGrad(c: ConvCase, seed: number): () => tf.Tensor {
  const xValues = randomValues(size(c.x), seed);
  const wValues = randomValues(size(c.filter), seed + 1);
  const dyShape = outShape(c);
  const dyValues = randomValues(size(dyShape), seed + 2);
  return () => {
    const w = tf.tensor4d(wValues, c.filter);
    const dy = tf.tensor4d(dyValues, dyShape);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w, c.strides, c.pad), dy)));
    return grad(tf.tensor4d(xValues, c.x));
  };
}

describe('wasm Conv2DBackpropInput', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`tf.grad of conv2d w.r.t. the input matches cpu: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(inputGrad(c, 300 + 10 * i));
      assert.equal(wasm.length, size(c.x));
      assertClose(wasm, cpu, 1e-4, c.name);
    });

    test(`takes the ${c.fast ? 'XNNPACK' : 'stock'} path: ${c.name}`, async () => {
      await use('wasm');
      tf.tidy(() => {
        const dy = tf.zeros(outShape(c));
        const w = tf.zeros(c.filter);
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const, inputShape: c.x };
        const info = conv2dBackpropInputWasm(dy, w, attrs, wasmBackend());
        assert.equal(info !== undefined, c.fast);
        if (info !== undefined) tf.engine().makeTensorFromTensorInfo(info);
      });
    });
  }

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    await use('wasm');
    for (const c of [CASES[2], CASES[8]] as ConvCase[]) {
      const compute = inputGrad(c, 1);
      tf.dispose(tf.tidy(compute)); // warm up
      await assertNoLeak(() => {
        tf.tidy(() => {
          compute();
        });
      });
    }
  });
});
