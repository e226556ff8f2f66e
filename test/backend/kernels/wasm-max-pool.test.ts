import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { maxPool2x2, maxPoolWasm } from '../../../src/backend/kernels/wasm-max-pool.js';
import {
  assertBitsEqual,
  assertComputeLeavesNoTensors,
  onBothBackends,
  randomValues,
  setUpBackends,
  size,
  tieValues,
  use,
  wasmBackend,
} from './wasm-test-util.js';

type Shape4 = [number, number, number, number];

interface PoolCase {
  name: string;
  x: Shape4;
  filter: number;
  strides: number;
  pad: 'valid' | 'same';
  values: (n: number, seed: number) => Float32Array;
  /** Whether maxPoolWasm takes the pool (else the stock kernel runs). */
  ours: boolean;
}

const uniform = (n: number, seed: number) => randomValues(n, seed);
const negative = (n: number, seed: number) => randomValues(n, seed, -5, -1);
const ties = (n: number, seed: number) => tieValues(n, seed, 3, -1);
/** Post-ReLU values: many windows entirely zero. */
const relu = (n: number, seed: number) => randomValues(n, seed, -1, 0.3).map((v) => Math.max(0, v));

const CASES: PoolCase[] = [
  { name: 'tutorial pool 1 [32, 26, 26, 32]', x: [32, 26, 26, 32], filter: 2, strides: 2, pad: 'valid', values: relu, ours: true },
  { name: 'tutorial pool 2 [32, 11, 11, 64] (odd: last row and column dropped)', x: [32, 11, 11, 64], filter: 2, strides: 2, pad: 'valid', values: relu, ours: true },
  { name: 'batch 1, all negative', x: [1, 6, 8, 4], filter: 2, strides: 2, pad: 'valid', values: negative, ours: true },
  { name: 'ties and zeros', x: [3, 6, 6, 8], filter: 2, strides: 2, pad: 'valid', values: ties, ours: true },
  { name: 'same padding on even sizes (pads nothing)', x: [2, 8, 6, 4], filter: 2, strides: 2, pad: 'same', values: uniform, ours: true },
  { name: 'channels not a multiple of 4 (JavaScript loop)', x: [2, 7, 9, 3], filter: 2, strides: 2, pad: 'valid', values: uniform, ours: true },
  { name: 'one channel', x: [2, 5, 5, 1], filter: 2, strides: 2, pad: 'valid', values: ties, ours: true },
  { name: 'same padding on odd sizes (stock kernel)', x: [2, 7, 7, 4], filter: 2, strides: 2, pad: 'same', values: uniform, ours: false },
  { name: 'overlapping 3x3 stride 2 (stock kernel)', x: [2, 7, 7, 4], filter: 3, strides: 2, pad: 'valid', values: uniform, ours: false },
  { name: '2x2 stride 1 (stock kernel)', x: [2, 5, 5, 4], filter: 2, strides: 1, pad: 'valid', values: uniform, ours: false },
];

function pool(c: PoolCase, seed: number, values = c.values(size(c.x), seed)): () => tf.Tensor {
  return () => tf.maxPool(tf.tensor4d(values, c.x), c.filter, c.strides, c.pad);
}

describe('wasm MaxPool', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`equals cpu bit for bit: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(pool(c, 40 + i));
      assertBitsEqual(wasm, cpu, c.name);
    });

    test(`${c.ours ? 'takes' : 'leaves to the stock kernel'}: ${c.name}`, async () => {
      await use('wasm');
      tf.tidy(() => {
        const info = maxPoolWasm(tf.zeros(c.x), { filterSize: c.filter, strides: c.strides, pad: c.pad }, wasmBackend());
        assert.equal(info !== undefined, c.ours);
        if (info !== undefined) tf.engine().makeTensorFromTensorInfo(info).dispose();
      });
    });
  }

  test('NaN cells are skipped, an all-NaN window gives -Infinity, +0/-0 ties keep the first (as cpu)', async () => {
    // One image, 2x4 cells, 4 channels: two windows per channel.
    const c: PoolCase = { name: 'special values', x: [1, 2, 4, 4], filter: 2, strides: 2, pad: 'valid', values: uniform, ours: true };
    const values = new Float32Array(2 * 4 * 4).fill(NaN);
    // Channel 1, window 0: NaN, 3, NaN, NaN -> 3. Channel 2: -0 then +0 -> -0. Channel 3, window 1: +0 then -0 -> +0.
    values[1 * 4 + 1] = 3;
    values[0 * 4 + 2] = -0;
    values[1 * 4 + 2] = 0;
    values[2 * 4 + 3] = 0;
    values[3 * 4 + 3] = -0;
    const { cpu, wasm } = await onBothBackends(pool(c, 0, values));
    assertBitsEqual(wasm, cpu, 'special values');
    assert.equal(wasm[1], 3);
    assert.equal(wasm[0], -Infinity);
    assert.ok(Object.is(wasm[2], -0));
    assert.ok(Object.is(wasm[4 + 3], 0));
  });

  test('maxPool2x2 (JavaScript) on a hand-derived 4x4 image', () => {
    const x = Float32Array.from([1, 5, -2, -3, 4, 2, -1, -4, 0, 0, 7, 7, 0, -1, 7, 6]);
    const out = new Float32Array(4);
    maxPool2x2(x, out, 1, 4, 4, 1);
    assert.deepEqual(Array.from(out), [5, -1, 0, 7]);
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    for (const c of [CASES[0], CASES[5], CASES[7]] as PoolCase[]) {
      await assertComputeLeavesNoTensors(pool(c, 3));
    }
  });
});
