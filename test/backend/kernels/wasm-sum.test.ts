import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { sumColumns, sumAxesWasm } from '../../../src/backend/kernels/wasm-sum.js';
import {
  assertClose,
  assertComputeLeavesNoTensors,
  onBothBackends,
  randomValues,
  setUpBackends,
  size,
  use,
  wasmBackend,
} from './wasm-test-util.js';

interface SumCase {
  name: string;
  shape: number[];
  axis: number | number[];
  keepDims?: boolean;
  dtype?: 'float32' | 'int32';
  /** Whether sumAxesWasm takes the reduction (else the stock kernel runs). */
  fast: boolean;
}

const CASES: SumCase[] = [
  { name: 'conv bias gradient [N, H, W, 32] over [0, 1, 2]', shape: [32, 26, 26, 32], axis: [0, 1, 2], fast: true },
  { name: 'batch 1, 64 channels', shape: [1, 11, 11, 64], axis: [0, 1, 2], fast: true },
  { name: 'Dense bias gradient over axis 0', shape: [32, 10], axis: 0, fast: true },
  { name: 'columns not a multiple of 8 (13)', shape: [70, 13], axis: [0], fast: true },
  { name: 'fewer columns than a block (3), many rows', shape: [5, 7, 9, 3], axis: [0, 1, 2], fast: true },
  { name: 'one column', shape: [200, 1], axis: 0, fast: true },
  { name: 'axes given out of order and negative', shape: [4, 5, 6], axis: [1, -3], fast: true },
  { name: 'keepDims', shape: [6, 5, 9], axis: [0, 1], keepDims: true, fast: true },
  { name: 'one row', shape: [1, 17], axis: 0, fast: true },
  { name: 'innermost axis (stock kernel)', shape: [32, 10], axis: -1, fast: false },
  { name: 'every axis (stock kernel)', shape: [4, 6], axis: [0, 1], fast: false },
  { name: 'middle axis', shape: [4, 5, 6], axis: 1, fast: true },
  { name: 'middle axes, keepDims', shape: [3, 5, 7, 8], axis: [1, 2], keepDims: true, fast: true },
  { name: 'middle axes, cols not a multiple of 4', shape: [3, 5, 7, 6], axis: [2, 1], fast: true },
  { name: 'non-contiguous axes (stock kernel)', shape: [3, 5, 7, 6], axis: [0, 2], fast: false },
  { name: 'int32 (stock kernel)', shape: [9, 4], axis: 0, dtype: 'int32', fast: false },
];

function sumOf(c: SumCase, seed: number): () => tf.Tensor {
  const values = randomValues(size(c.shape), seed, -3, 3);
  const dtype = c.dtype ?? 'float32';
  return () => {
    const x = dtype === 'int32' ? tf.tensor(values.map(Math.round), c.shape, 'int32') : tf.tensor(values, c.shape);
    return tf.sum(x, c.axis, c.keepDims ?? false);
  };
}

describe('wasm Sum', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`tf.sum matches cpu: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(sumOf(c, 20 + i));
      assertClose(wasm, cpu, 1e-6, c.name);
    });

    test(`result shape and path: ${c.name}`, async () => {
      await use('wasm');
      tf.tidy(() => {
        const x = tf.zeros(c.shape, c.dtype ?? 'float32');
        const expected = tf.sum(x, c.axis, c.keepDims ?? false).shape;
        const info = sumAxesWasm(x, c.axis, c.keepDims ?? false, wasmBackend());
        assert.equal(info !== undefined, c.fast);
        if (info !== undefined) assert.deepEqual(tf.engine().makeTensorFromTensorInfo(info).shape, expected);
      });
    });
  }

  const MEAN_CASES: SumCase[] = [
    { name: "Grad-CAM's channel weights [64, 11, 11, 64] over [1, 2]", shape: [64, 11, 11, 64], axis: [1, 2], fast: true },
    { name: 'keepDims, cols not a multiple of 4', shape: [3, 5, 7, 6], axis: [1, 2], keepDims: true, fast: true },
    { name: 'leading axes', shape: [9, 4, 8], axis: [0, 1], fast: true },
    { name: 'innermost axis (stock kernel)', shape: [5, 7], axis: 1, fast: false },
  ];
  for (const [i, c] of MEAN_CASES.entries()) {
    test(`tf.mean matches cpu: ${c.name}`, async () => {
      const values = randomValues(size(c.shape), 80 + i, -3, 3);
      const { cpu, wasm } = await onBothBackends(() => tf.mean(tf.tensor(values, c.shape), c.axis, c.keepDims ?? false));
      assertClose(wasm, cpu, 1e-6, c.name);
    });
  }

  test('mean is the float64 total divided once by the count: hand-derived', async () => {
    await use('wasm');
    // [1, 3, 1, 4]: the mean over axis 1 of columns (1, 2, 4), (0, 0, 1), (-1, 1, 0.5), (2^24, 1, 1).
    const x = tf.tensor4d([1, 0, -1, 2 ** 24, 2, 0, 1, 1, 4, 1, 0.5, 1], [1, 3, 1, 4]);
    const m = tf.mean(x, 1);
    try {
      assert.deepEqual(Array.from(m.dataSync()), [7 / 3, 1 / 3, 0.5 / 3, (2 ** 24 + 2) / 3].map(Math.fround));
    } finally {
      tf.dispose([x, m]);
    }
  });

  test('sumColumns: hand-derived column totals, rounded once to float32', () => {
    // 3 rows x 9 columns (one block of 8 plus a remainder column).
    const rows = [
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
      [10, 20, 30, 40, 50, 60, 70, 80, 90],
      [0.5, -2, 0, 0, 0, 0, 0, 0, 1e-8],
    ];
    const out = new Float32Array(9);
    sumColumns(Float32Array.from(rows.flat()), 3, 9, out);
    assert.deepEqual(Array.from(out), [11.5, 20, 33, 44, 55, 66, 77, 88, Math.fround(99 + Math.fround(1e-8))]);
    // 2^24 + 1 + 1 is exact in float64, not in float32 running sums.
    const big = new Float32Array(1);
    sumColumns(Float32Array.from([2 ** 24, 1, 1]), 3, 1, big);
    assert.equal(big[0], 2 ** 24 + 2);
  });

  test('bias gradient of a conv layer matches cpu', async () => {
    const x = randomValues(4 * 9 * 9 * 2, 61);
    const w = randomValues(3 * 3 * 2 * 5, 62);
    const compute = () =>
      tf.grad((bias: tf.Tensor) => tf.sum(tf.square(tf.add(tf.conv2d(tf.tensor4d(x, [4, 9, 9, 2]), tf.tensor4d(w, [3, 3, 2, 5]), 1, 'valid'), bias))))(
        tf.tensor1d([0.1, -0.2, 0.3, 0, 0.5]),
      );
    const { cpu, wasm } = await onBothBackends(compute);
    assertClose(wasm, cpu, 1e-5, 'bias gradient');
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    for (const c of CASES) {
      await assertComputeLeavesNoTensors(sumOf(c, 5));
    }
  });
});
