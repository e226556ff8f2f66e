import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { packRowBlocks } from '../../../src/backend/kernels/gemm-packing.js';
import {
  conv2dBackpropFilterWasm,
  type Conv2dBackpropFilterPath,
} from '../../../src/backend/kernels/wasm-conv2d-backprop-filter.js';
import {
  assertClose,
  assertComputeLeavesNoTensors,
  describeOnSimdPaths,
  onBothBackends,
  randomValues,
  runOn,
  setUpBackends,
  size,
  sparseValues,
  use,
  wasmBackend,
} from './wasm-test-util.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
  /**
   * Values like a training step's: this fraction of the dy rows (positions)
   * zero and half of the other values; x zero except a blob in each image
   * (as MNIST digits on a black background).
   */
  sparse?: number;
}

/** Forward output shape, computed by tfjs's own geometry helper. */
function outShape(c: ConvCase): Shape4 {
  return tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

const CASES: ConvCase[] = [
  { name: 'batch 1, 1 channel, 3x3 valid', x: [1, 5, 5, 1], filter: [3, 3, 1, 2], strides: 1, pad: 'valid' },
  { name: 'odd 7x9, 3x3 valid stride 1', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: 'odd 7x9, 3x3 same stride 1', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { name: 'odd 7x9, 3x3 valid stride 2 (last row unread)', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'valid' },
  { name: 'odd 7x9, 3x3 same stride 2', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'even 8x8, 3x3 same stride 2 (pad bottom only)', x: [1, 8, 8, 2], filter: [3, 3, 2, 3], strides: 2, pad: 'same' },
  { name: '2x2 filter, same (asymmetric pad)', x: [1, 7, 9, 2], filter: [2, 2, 2, 3], strides: 1, pad: 'same' },
  { name: '2x2 filter, valid stride 2', x: [2, 7, 9, 3], filter: [2, 2, 3, 4], strides: 2, pad: 'valid' },
  { name: '1x1 filter, stride 1', x: [2, 7, 9, 3], filter: [1, 1, 3, 5], strides: 1, pad: 'valid' },
  { name: '1x1 filter, stride 2', x: [2, 7, 9, 3], filter: [1, 1, 3, 5], strides: 2, pad: 'valid' },
  { name: 'strides [1, 2], explicit pads', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: [1, 2], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { name: 'numeric pad 1, 3x3 stride 1', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 1 },
  { name: 'batch 32, 1 channel', x: [32, 8, 7, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'valid' },
  { name: 'batch 32, several channels, stride 2 same', x: [32, 7, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same' },
  { name: 'sparse x and dy, 1 channel, 3x3 valid', x: [4, 12, 10, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'valid', sparse: 0.5 },
  { name: 'sparse x and dy, 3x3 same stride 2', x: [4, 9, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same', sparse: 0.5 },
  { name: 'all-zero dy', x: [2, 7, 9, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid', sparse: 1 },
  // co a multiple of 16 and at most KH*KW*ci: the SIMD gemm path.
  { name: '16 out channels, 3x3 same (SIMD product)', x: [2, 7, 9, 3], filter: [3, 3, 3, 16], strides: 1, pad: 'same' },
  { name: '32 out channels, stride 2, sparse (SIMD product)', x: [4, 9, 9, 4], filter: [3, 3, 4, 32], strides: 2, pad: 'valid', sparse: 0.5 },
];

/** A blob of nonzero values in the middle of each image, zeros around it. */
function blobImages(shape: Shape4, seed: number): Float32Array {
  const [n, h, w, c] = shape;
  const values = randomValues(size(shape), seed, 0, 1);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const inside = Math.abs(r - h / 2) < h / 4 && Math.abs(col - w / 2) < w / 4;
        if (!inside) values.fill(0, ((b * h + r) * w + col) * c, ((b * h + r) * w + col + 1) * c);
      }
    }
  }
  return values;
}

function xValuesOf(c: ConvCase, seed: number): Float32Array {
  return c.sparse === undefined ? randomValues(size(c.x), seed) : blobImages(c.x, seed);
}

function dyValuesOf(c: ConvCase, seed: number): Float32Array {
  const shape = outShape(c);
  return c.sparse === undefined ? randomValues(size(shape), seed) : sparseValues(size(shape), seed, shape[3], c.sparse, 0.5);
}

/** tf.grad of sum(conv2d(x, W) * dy) w.r.t. W, i.e. Conv2DBackpropFilter(x, dy). */
function filterGrad(c: ConvCase, seed: number, xValues = xValuesOf(c, seed), dyValues = dyValuesOf(c, seed + 2)): () => tf.Tensor {
  const wValues = randomValues(size(c.filter), seed + 1);
  const dyShape = outShape(c);
  return () => {
    const x = tf.tensor4d(xValues, c.x);
    const dy = tf.tensor4d(dyValues, dyShape);
    const grad = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, c.strides, c.pad), dy)));
    return grad(tf.tensor4d(wValues, c.filter));
  };
}

/** Calls the wasm implementation directly with one path. */
async function wasmPath(c: ConvCase, seed: number, path: Conv2dBackpropFilterPath): Promise<Float32Array> {
  const dyShape = outShape(c);
  return runOn('wasm', () => {
    const x = tf.tensor4d(xValuesOf(c, seed), c.x);
    const dy = tf.tensor4d(dyValuesOf(c, seed + 2), dyShape);
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const, filterShape: c.filter };
    const info = conv2dBackpropFilterWasm(x, dy, attrs, wasmBackend(), path);
    return tf.engine().makeTensorFromTensorInfo(info);
  });
}

describeOnSimdPaths('wasm Conv2DBackpropFilter', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`tf.grad of conv2d w.r.t. the filter matches cpu: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(filterGrad(c, 100 + 10 * i));
      assert.equal(wasm.length, size(c.filter));
      if (c.sparse !== 1) assert.ok(cpu.some((v) => v !== 0), 'the reference is not all zero');
      assertClose(wasm, cpu, 1e-4, c.name);
    });

    test(`loop path matches cpu: ${c.name}`, async () => {
      const { cpu } = await onBothBackends(filterGrad(c, 100 + 10 * i));
      assertClose(await wasmPath(c, 100 + 10 * i, 'loop'), cpu, 1e-4, c.name);
    });
  }

  // cpu's Conv2DBackpropFilter needs ~25 s for conv2, so the tutorial shapes
  // are checked against the loop path, itself checked against cpu above.
  const tutorial: ConvCase[] = [
    { name: 'tutorial conv1', x: [32, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid', sparse: 0.5 },
    { name: 'tutorial conv2', x: [32, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid', sparse: 0.25 },
  ];
  for (const c of tutorial) {
    test(`matmul path matches the loop path at ${c.name} shapes`, async () => {
      const fast = await wasmPath(c, 7, 'matmul');
      const slow = await wasmPath(c, 7, 'loop');
      assertClose(fast, slow, 1e-4, c.name);
    });
  }

  test('packRowBlocks writes a [k, n] matrix as 16-column blocks of [k, 16]', () => {
    // M is [k = 3, n = 32] with M[kk][j] = 100 kk + j; column j goes to block j >> 4, column j & 15.
    const m = Float32Array.from({ length: 3 * 32 }, (_, at) => 100 * Math.floor(at / 32) + (at % 32));
    const packed = new Float32Array(3 * 32);
    packRowBlocks(m, packed, 3, 32);
    assert.deepEqual(Array.from(packed.subarray(0, 16)), Array.from({ length: 16 }, (_, j) => j), 'block 0, row 0: M[0][0..15]');
    assert.deepEqual(Array.from(packed.subarray(16, 18)), [100, 101], 'block 0, row 1: M[1][0..1]');
    assert.deepEqual(Array.from(packed.subarray(48, 50)), [16, 17], 'block 1, row 0: M[0][16..17]');
    assert.equal(packed[95], 231, 'last value: M[2][31]');
  });

  // Zero rows are skipped only when that cannot change the result: a
  // non-finite value anywhere must spread exactly as in the dense sum
  // (0 * Inf = NaN), e.g. an Inf pixel whose dy rows are all zero.
  const NON_FINITE: { name: string; x?: (x: Float32Array) => void; dy?: (dy: Float32Array) => void }[] = [
    { name: 'Inf in x where every dy row is zero', x: (x) => void (x[0] = Infinity) },
    { name: 'NaN in x', x: (x) => void (x[x.length - 1] = NaN) },
    { name: 'Inf in a dy row whose window of x is zero', dy: (dy) => void (dy[0] = -Infinity) },
  ];
  for (const [i, f] of NON_FINITE.entries()) {
    test(`non-finite values spread as on cpu: ${f.name}`, async () => {
      const c = CASES[14] as ConvCase;
      const x = xValuesOf(c, 600 + i);
      const dy = dyValuesOf(c, 610 + i);
      // The first window (top left corner of image 0) is zero in x; make its dy row zero too.
      dy.fill(0, 0, outShape(c)[3]);
      f.x?.(x);
      f.dy?.(dy);
      const { cpu, wasm } = await onBothBackends(filterGrad(c, 620 + i, x, dy));
      assert.ok(cpu.some((v) => !Number.isFinite(v)), 'the reference has non-finite values');
      assertClose(wasm, cpu, 1e-4, f.name);
    });
  }

  test('rejects NCHW with a message naming the fix', async () => {
    await use('wasm');
    const x = tf.zeros([1, 2, 5, 5]);
    const dy = tf.zeros([1, 3, 3, 3]);
    try {
      assert.throws(
        () =>
          conv2dBackpropFilterWasm(
            x,
            dy,
            { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] },
            wasmBackend(),
          ),
        /supports dataFormat "NHWC" only, got "NCHW"/,
      );
    } finally {
      tf.dispose([x, dy]);
    }
  });

  test('leaves no tensors behind on the SIMD gemm path (engine or wasm heap)', async () => {
    await assertComputeLeavesNoTensors(filterGrad(CASES[CASES.length - 1] as ConvCase, 1));
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    const c = CASES[4] as ConvCase;
    const compute = filterGrad(c, 1);
    for (const path of ['matmul', 'loop'] as const) {
      await wasmPath(c, 1, path); // warm up
    }
    await assertNoTensorLeak(() => {
      tf.tidy(() => {
        compute();
      });
    });
    await assertNoTensorLeak(() => {
      tf.tidy(() => {
        const x = tf.zeros(c.x);
        const dy = tf.zeros(outShape(c));
        for (const path of ['matmul', 'loop'] as const) {
          const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' as const, filterShape: c.filter };
          const info = conv2dBackpropFilterWasm(x, dy, attrs, wasmBackend(), path);
          tf.engine().makeTensorFromTensorInfo(info);
        }
      });
    });
  });
});
