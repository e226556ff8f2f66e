import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { batchMatMulWasm } from '../../../src/backend/kernels/wasm-batch-mat-mul.js';
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

interface MatMulCase {
  name: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** Whether batchMatMulWasm takes the product (else the stock kernel runs). */
  fast: boolean;
}

const CASES: MatMulCase[] = [
  { name: 'a @ b^T (Dense input gradient, 32x64 . 1600x64)', a: [32, 64], b: [1600, 64], transposeA: false, transposeB: true, fast: true },
  { name: 'a^T @ b (Dense kernel gradient, 32x1600 . 32x64)', a: [32, 1600], b: [32, 64], transposeA: true, transposeB: false, fast: true },
  { name: 'a^T @ b^T, odd sizes', a: [7, 5], b: [3, 7], transposeA: true, transposeB: true, fast: true },
  { name: 'rank 3 with a leading 1 (fused matMul gradient)', a: [1, 32, 10], b: [1, 64, 10], transposeA: false, transposeB: true, fast: true },
  { name: 'rank 3 by rank 2, leading 1', a: [1, 9, 4], b: [9, 6], transposeA: true, transposeB: false, fast: true },
  { name: 'single row (M = 1)', a: [1, 13], b: [5, 13], transposeA: false, transposeB: true, fast: true },
  { name: 'inner dimension 1', a: [1, 6], b: [1, 4], transposeA: true, transposeB: false, fast: true },
  { name: 'nothing transposed (stock kernel)', a: [9, 5], b: [5, 7], transposeA: false, transposeB: false, fast: false },
  { name: 'batched, transposed (stock kernel)', a: [3, 4, 5], b: [3, 6, 5], transposeA: false, transposeB: true, fast: false },
];

function product(c: MatMulCase, seed: number): () => tf.Tensor {
  const aValues = randomValues(size(c.a), seed);
  const bValues = randomValues(size(c.b), seed + 1);
  return () => tf.matMul(tf.tensor(aValues, c.a), tf.tensor(bValues, c.b), c.transposeA, c.transposeB);
}

describe('wasm BatchMatMul', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`tf.matMul matches cpu: ${c.name}`, async () => {
      const { cpu, wasm } = await onBothBackends(product(c, 10 * i + 1));
      assertClose(wasm, cpu, 1e-5, c.name);
    });

    test(`result shape and path: ${c.name}`, async () => {
      await use('wasm');
      tf.tidy(() => {
        const expected = tf.matMul(tf.zeros(c.a), tf.zeros(c.b), c.transposeA, c.transposeB).shape;
        const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
        const info = batchMatMulWasm(tf.zeros(c.a), tf.zeros(c.b), attrs, wasmBackend());
        assert.equal(info !== undefined, c.fast);
        if (info !== undefined) assert.deepEqual(tf.engine().makeTensorFromTensorInfo(info).shape, expected);
      });
    });
  }

  test('Dense layer gradients (x^T dy, dy W^T) match cpu', async () => {
    const x = randomValues(16 * 40, 71);
    const w = randomValues(40 * 12, 72);
    const dy = randomValues(16 * 12, 73);
    const grads = (which: 0 | 1) => () => {
      const f = (xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xs, ws), tf.tensor2d(dy, [16, 12])));
      return tf.grads(f)([tf.tensor2d(x, [16, 40]), tf.tensor2d(w, [40, 12])])[which] as tf.Tensor;
    };
    for (const which of [0, 1] as const) {
      const { cpu, wasm } = await onBothBackends(grads(which));
      assertClose(wasm, cpu, 1e-5, which === 0 ? 'dx' : 'dW');
    }
  });

  test('a right-hand operand reused under another shape gives the right product', async () => {
    // XNNPACK caches its packed right-hand operand by tensor id only; a
    // reshape shares the id. Using the caller's buffer directly would return
    // the first product's operator for the second product.
    const values = randomValues(24, 81);
    const left = randomValues(6 * 5, 82);
    const compute = () => {
      const b = tf.tensor2d(values, [4, 6]);
      const first = tf.matMul(tf.tensor2d(left.subarray(0, 20), [4, 5]), tf.reshape(b, [4, 6]), true, false);
      const second = tf.matMul(tf.tensor2d(left, [6, 5]), tf.reshape(b, [6, 4]), true, false);
      return tf.concat([tf.reshape(first, [-1]), tf.reshape(second, [-1])]);
    };
    const { cpu, wasm } = await onBothBackends(compute);
    assertClose(wasm, cpu, 1e-5, 'reused operand');
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    for (const c of CASES) {
      await assertComputeLeavesNoTensors(product(c, 3));
    }
  });
});
