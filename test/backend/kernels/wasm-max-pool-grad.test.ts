import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { stockWasmKernel } from '../../../src/backend/kernels/register-wasm-kernels.js';
import { maxPoolGradWasm } from '../../../src/backend/kernels/wasm-max-pool-grad.js';
import {
  assertBitsEqual,
  assertComputeLeavesNoTensors,
  onBothBackends,
  randomValues,
  runOn,
  setUpBackends,
  size,
  tieValues,
  use,
  wasmBackend,
} from './wasm-test-util.js';

type Pad = 'valid' | 'same' | number;
type Shape4 = [number, number, number, number];

interface PoolCase {
  name: string;
  x: Shape4;
  filter: number | [number, number];
  strides: number | [number, number];
  pad: Pad;
  /** Input values (the routing depends on them, not on dy). */
  values: (n: number) => Float32Array;
}

const relu = (v: Float32Array) => v.map((a) => Math.max(0, a));

const CASES: PoolCase[] = [
  { name: 'all-zero input (dead windows)', x: [2, 4, 6, 3], filter: 2, strides: 2, pad: 'valid', values: (n) => new Float32Array(n) },
  { name: 'all-negative input', x: [2, 4, 6, 3], filter: 2, strides: 2, pad: 'valid', values: (n) => randomValues(n, 3, -5, -0.1) },
  { name: 'ties: few integer levels', x: [2, 6, 6, 3], filter: 2, strides: 2, pad: 'valid', values: (n) => tieValues(n, 4, 2) },
  { name: 'negative and positive values', x: [2, 6, 8, 4], filter: 2, strides: 2, pad: 'valid', values: (n) => randomValues(n, 5) },
  { name: 'after ReLU (many zero windows)', x: [2, 6, 8, 4], filter: 2, strides: 2, pad: 'valid', values: (n) => relu(randomValues(n, 6, -2, 0.5)) },
  { name: 'odd 7x9 valid (last row/col dropped)', x: [2, 7, 9, 3], filter: 2, strides: 2, pad: 'valid', values: (n) => tieValues(n, 7, 3, -1) },
  { name: "odd 7x9 'same' 2x2 stride 2 (padded edge windows)", x: [2, 7, 9, 3], filter: 2, strides: 2, pad: 'same', values: (n) => tieValues(n, 8, 3, -2) },
  { name: "'same' 3x3 stride 1, negative values", x: [1, 5, 7, 2], filter: 3, strides: 1, pad: 'same', values: (n) => randomValues(n, 9, -3, -1) },
  { name: 'overlapping 3x3 stride 1 valid, ties', x: [2, 7, 9, 3], filter: 3, strides: 1, pad: 'valid', values: (n) => tieValues(n, 10, 2) },
  { name: 'overlapping 3x3 stride 2 valid, ties', x: [2, 7, 9, 3], filter: 3, strides: 2, pad: 'valid', values: (n) => tieValues(n, 11, 3) },
  { name: "overlapping 3x3 stride 2 'same', all zero", x: [2, 7, 9, 3], filter: 3, strides: 2, pad: 'same', values: (n) => new Float32Array(n) },
  { name: 'numeric pad 1, 3x3 stride 2', x: [1, 5, 5, 2], filter: 3, strides: 2, pad: 1, values: (n) => tieValues(n, 16, 3, -2) },
  { name: 'rectangular 2x3 window, strides [1, 2]', x: [1, 6, 9, 2], filter: [2, 3], strides: [1, 2], pad: 'valid', values: (n) => tieValues(n, 12, 2) },
  {
    name: 'non-finite: -Infinity and NaN cells',
    x: [1, 4, 4, 2],
    filter: 2,
    strides: 2,
    pad: 'valid',
    values: (n) => randomValues(n, 13).map((v, i) => (i % 3 === 0 ? -Infinity : i % 7 === 0 ? NaN : v)),
  },
  {
    name: 'a window of only -Infinity (gradient dropped), a window of NaN and 1',
    x: [1, 2, 4, 1],
    filter: 2,
    strides: 2,
    pad: 'valid',
    values: () => Float32Array.from([-Infinity, -Infinity, NaN, 1, -Infinity, -Infinity, NaN, NaN]),
  },
  {
    name: 'non-finite, 4 channels (SIMD path): -Infinity, NaN, all -Infinity windows',
    x: [2, 4, 6, 4],
    filter: 2,
    strides: 2,
    pad: 'valid',
    values: (n) => tieValues(n, 17, 3, -1).map((v, i) => (i % 5 === 0 ? -Infinity : i % 11 === 0 ? NaN : i < 16 ? -Infinity : v)),
  },
  { name: 'odd 7x9 valid, 8 channels (SIMD path)', x: [2, 7, 9, 8], filter: 2, strides: 2, pad: 'valid', values: (n) => tieValues(n, 18, 3, -1) },
  { name: 'tutorial pool1 [32, 26, 26, 32]', x: [32, 26, 26, 32], filter: 2, strides: 2, pad: 'valid', values: (n) => relu(randomValues(n, 14)) },
  { name: 'tutorial pool2 [32, 11, 11, 64] (odd)', x: [32, 11, 11, 64], filter: 2, strides: 2, pad: 'valid', values: (n) => relu(randomValues(n, 15)) },
];

function pooledShape(c: PoolCase): Shape4 {
  return tf.backend_util.computePool2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape;
}

/** tf.grad of sum(maxPool(x) * dy) w.r.t. x, i.e. MaxPoolGrad(dy, x). */
function poolGrad(c: PoolCase, seed: number): () => tf.Tensor {
  const xValues = c.values(size(c.x));
  const dyShape = pooledShape(c);
  // dy values in (0.5, 1.5): non-zero, so a misrouted or dropped gradient shows.
  const dyValues = randomValues(size(dyShape), seed, 0.5, 1.5);
  return () => {
    const dy = tf.tensor4d(dyValues, dyShape);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, c.filter, c.strides, c.pad), dy)));
    return grad(tf.tensor4d(xValues, c.x));
  };
}

/** Calls a MaxPoolGrad kernelFunc directly on wasm for a 2x2 stride-2 pool. */
async function wasmKernel(
  kernelFunc: (args: { inputs: tf.NamedTensorInfoMap; backend: object; attrs: tf.NamedAttrMap }) => unknown,
  xValues: number[],
  xShape: Shape4,
  dyValues: number[],
): Promise<Float32Array> {
  return runOn('wasm', () => {
    const input = tf.tensor4d(xValues, xShape);
    const output = tf.maxPool(input, 2, 2, 'valid');
    const dy = tf.tensor4d(dyValues, output.shape);
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    const info = kernelFunc({ inputs: { dy, input, output }, backend: wasmBackend(), attrs }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info);
  });
}

describe('wasm MaxPoolGrad', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`matches cpu bit for bit: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(poolGrad(c, 200 + i));
      assertBitsEqual(wasm, cpu, c.name);
    });
  }

  // Hand-derived routing, independent of any backend: 2x2 stride-2 windows,
  // the gradient of each goes to its first maximal cell (row-major).
  const HAND: { name: string; x: number[]; shape: Shape4; dy: number[]; expected: number[] }[] = [
    {
      name: 'two all-zero windows -> first cell of each',
      x: [0, 0, 0, 0, 0, 0, 0, 0],
      shape: [1, 2, 4, 1],
      dy: [5, 7],
      expected: [5, 0, 7, 0, 0, 0, 0, 0],
    },
    { name: 'all equal positive -> first cell', x: [1, 1, 1, 1], shape: [1, 2, 2, 1], dy: [5], expected: [5, 0, 0, 0] },
    { name: 'all negative -> the maximum', x: [-3, -1, -2, -1], shape: [1, 2, 2, 1], dy: [5], expected: [0, 5, 0, 0] },
    { name: 'tie between second and last', x: [0, 2, 1, 2], shape: [1, 2, 2, 1], dy: [5], expected: [0, 5, 0, 0] },
  ];
  const ours = (args: { inputs: tf.NamedTensorInfoMap; backend: object }) =>
    maxPoolGradWasm(args.inputs.dy!, args.inputs.input!, { filterSize: 2, strides: 2, pad: 'valid' }, args.backend as never);
  for (const h of HAND) {
    test(`hand-derived: ${h.name}`, async () => {
      assert.deepEqual(Array.from(await wasmKernel(ours, h.x, h.shape, h.dy)), h.expected);
    });
  }

  test('the stock wasm kernel gets every hand-derived case wrong (what this kernel fixes)', async () => {
    const stock = stockWasmKernel('MaxPoolGrad');
    assert.ok(stock, 'registerWasmKernels replaced the stock MaxPoolGrad');
    await use('wasm');
    // It was unregistered before the backend initialised, so run its setup (cwrap) now.
    stock.setupFunc?.(wasmBackend());
    const right: string[] = [];
    for (const h of HAND) {
      const result = await wasmKernel(stock.kernelFunc as never, h.x, h.shape, h.dy);
      if (Array.from(result).join() === h.expected.join()) right.push(h.name);
    }
    assert.deepEqual(right, []);
  });

  test('with the stock kernel registered, the cpu comparison fails (the comparison can fail)', async () => {
    const stock = stockWasmKernel('MaxPoolGrad');
    const current = tf.getKernel('MaxPoolGrad', 'wasm');
    assert.ok(stock && current);
    await use('wasm');
    stock.setupFunc?.(wasmBackend());
    const c = CASES[4] as PoolCase; // after ReLU
    tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel(stock);
    try {
      const { cpu, wasm } = await onBothBackends(poolGrad(c, 204));
      assert.throws(() => assertBitsEqual(wasm, cpu, c.name), /element \d+ is/);
    } finally {
      tf.unregisterKernel('MaxPoolGrad', 'wasm');
      tf.registerKernel(current);
    }
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    await use('wasm');
    for (const c of [CASES[3], CASES[9]] as PoolCase[]) {
      await assertComputeLeavesNoTensors(poolGrad(c, 1));
    }
  });
});
