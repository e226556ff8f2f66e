import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { packColumnBlocks } from '../../../src/backend/kernels/gemm-packing.js';
import { conv2dBackpropInputWasm } from '../../../src/backend/kernels/wasm-conv2d-backprop-input.js';
import {
  assertClose,
  assertComputeLeavesNoTensors,
  describeOnSimdPaths,
  onBothBackends,
  randomValues,
  setUpBackends,
  size,
  sparseValues,
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
  /** dy like a training gradient: this fraction of its rows (positions) zero, and half of the rest. */
  zeroRows?: number;
}

const CASES: ConvCase[] = [
  { name: 'batch 1, 1 channel, 3x3 valid', x: [1, 5, 5, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'valid' },
  { name: 'odd 7x9, 3x3 valid', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: 'odd 7x9, 3x3 same', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: '2x2 filter, same (asymmetric pad)', x: [1, 7, 9, 2], filter: [2, 2, 2, 3], strides: 1, pad: 'same' },
  { name: '1x1 filter', x: [2, 7, 9, 3], filter: [1, 1, 3, 5], strides: 1, pad: 'valid' },
  { name: 'explicit pads', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: 'numeric pad 1', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 1 },
  { name: 'explicit pad wider than the filter', x: [1, 5, 5, 2], filter: [2, 2, 2, 3], strides: 1, pad: [[0, 0], [2, 0], [0, 0], [0, 0]] },
  { name: 'batch 32, several channels', x: [32, 9, 8, 4], filter: [3, 3, 4, 6], strides: 1, pad: 'valid' },
  { name: 'stride 2 valid (last row unread)', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: 'stride 2 same', x: [2, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'strides [1, 2], 2x2 filter, same', x: [3, 6, 7, 2], filter: [2, 2, 2, 5], strides: [1, 2], pad: 'same' },
  { name: 'sparse dy (half the rows zero), 3x3 same', x: [4, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same', zeroRows: 0.5 },
  { name: 'sparse dy, stride 2 same', x: [4, 8, 8, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same', zeroRows: 0.5 },
  { name: 'all-zero dy', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid', zeroRows: 1 },
  { name: 'tutorial conv2 [32, 13, 13, 32] -> 64, sparse dy', x: [32, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid', zeroRows: 0.25 },
  // KH*KW*ci a multiple of 16: the SIMD gemm path.
  { name: '1x1 filter, 16 channels (SIMD product)', x: [2, 7, 9, 16], filter: [1, 1, 16, 8], strides: 1, pad: 'valid' },
  { name: '3x3, 16 channels, stride 2 same (SIMD product)', x: [3, 8, 8, 16], filter: [3, 3, 16, 5], strides: 2, pad: 'same' },
  { name: '3x3, 16 channels, sparse dy (SIMD product)', x: [4, 7, 9, 16], filter: [3, 3, 16, 4], strides: 1, pad: 'same', zeroRows: 0.5 },
];

function outShape(c: ConvCase): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

function dyValues(c: ConvCase, seed: number): Float32Array {
  const shape = outShape(c);
  return c.zeroRows === undefined
    ? randomValues(size(shape), seed)
    : sparseValues(size(shape), seed, shape[3], c.zeroRows, 0.5);
}

/** tf.grad of sum(conv2d(x, W) * dy) w.r.t. x, i.e. Conv2DBackpropInput(dy, W). */
function inputGrad(c: ConvCase, seed: number, dy = dyValues(c, seed + 2), w = randomValues(size(c.filter), seed + 1)): () => tf.Tensor {
  const xValues = randomValues(size(c.x), seed);
  return () => {
    const grad = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(w, c.filter), c.strides, c.pad), tf.tensor4d(dy, outShape(c)))),
    );
    return grad(tf.tensor4d(xValues, c.x));
  };
}

describeOnSimdPaths('wasm Conv2DBackpropInput', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`tf.grad of conv2d w.r.t. the input matches cpu: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(inputGrad(c, 300 + 10 * i));
      assert.equal(wasm.length, size(c.x));
      if (c.zeroRows !== 1) assert.ok(cpu.some((v) => v !== 0), 'the reference is not all zero');
      assertClose(wasm, cpu, 1e-4, c.name);
    });
  }

  // Zero dy rows are skipped only when that cannot change the result: a
  // non-finite value anywhere must spread exactly as in the dense sum
  // (0 * Inf = NaN).
  const NON_FINITE: { name: string; dy?: (dy: Float32Array) => void; w?: (w: Float32Array) => void }[] = [
    { name: 'Inf in the filter, zero dy rows', w: (w) => void (w[5] = Infinity) },
    { name: 'NaN in the filter', w: (w) => void (w[0] = NaN) },
    { name: '-Inf in dy next to zero rows', dy: (dy) => void (dy[dy.findIndex((v) => v !== 0)] = -Infinity) },
  ];
  for (const [i, f] of NON_FINITE.flatMap((f) => [{ ...f, c: CASES[12] as ConvCase }, { ...f, c: CASES[CASES.length - 1] as ConvCase }]).entries()) {
    test(`non-finite values spread as on cpu: ${f.name} (${f.c.name})`, async () => {
      const c = f.c;
      const dy = dyValues(c, 700 + i);
      const w = randomValues(size(c.filter), 710 + i);
      f.dy?.(dy);
      f.w?.(w);
      const { cpu, wasm } = await onBothBackends(inputGrad(c, 720 + i, dy, w));
      assert.ok(cpu.some((v) => Number.isNaN(v) || !Number.isFinite(v)), 'the reference has non-finite values');
      assertClose(wasm, cpu, 1e-4, f.name);
    });
  }

  test('packColumnBlocks writes transpose(W) as 16-column blocks of [k, 16]', () => {
    // W is [n = 32, k = 3] with W[i][kk] = 100 i + kk; transpose(W)[kk][i] goes to block i >> 4, row kk, column i & 15.
    const w = Float32Array.from({ length: 32 * 3 }, (_, at) => 100 * Math.floor(at / 3) + (at % 3));
    const packed = new Float32Array(32 * 3);
    packColumnBlocks(w, packed, 32, 3);
    assert.deepEqual(Array.from(packed.subarray(0, 4)), [0, 100, 200, 300], 'block 0, row 0 starts with W[0..3][0]');
    assert.deepEqual(Array.from(packed.subarray(16, 18)), [1, 101], 'block 0, row 1: W[0][1], W[1][1]');
    assert.deepEqual(Array.from(packed.subarray(48, 50)), [1600, 1700], 'block 1, row 0: W[16][0], W[17][0]');
    assert.equal(packed[95], 3102, 'last value: W[31][2]');
  });

  test('NCHW goes to the stock kernel', async () => {
    await use('wasm');
    tf.tidy(() => {
      const attrs = { strides: 1, pad: 'valid' as const, dataFormat: 'NCHW' as const, inputShape: [1, 2, 5, 5] as Shape4 };
      assert.equal(conv2dBackpropInputWasm(tf.zeros([1, 3, 3, 3]), tf.zeros([3, 3, 2, 3]), attrs, wasmBackend()), undefined);
    });
  });

  test('rejects a dy whose shape does not fit the convolution', async () => {
    await use('wasm');
    tf.tidy(() => {
      const attrs = { strides: 1, pad: 'valid' as const, dataFormat: 'NHWC' as const, inputShape: [1, 5, 5, 2] as Shape4 };
      assert.throws(
        () => conv2dBackpropInputWasm(tf.zeros([1, 4, 3, 3]), tf.zeros([3, 3, 2, 3]), attrs, wasmBackend()),
        /dy has shape \[1, 4, 3, 3\], expected \[1, 3, 3, 3\]/,
      );
    });
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    await use('wasm');
    // The last cases take the SIMD gemm path, the others XNNPACK's.
    for (const c of [CASES[2], CASES[10], CASES[12], CASES[14], CASES[CASES.length - 2], CASES[CASES.length - 1]] as ConvCase[]) {
      await assertComputeLeavesNoTensors(inputGrad(c, 1));
    }
  });
});
