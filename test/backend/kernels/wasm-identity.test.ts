import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import {
  assertBitsEqual,
  assertClose,
  onBothBackends,
  randomValues,
  setUpBackends,
  use,
  wasmBackend,
} from './wasm-test-util.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

describe('wasm Identity and Cast', () => {
  before(setUpBackends);

  test('clone shares the buffer: no new heap data, values equal, survives the original', async () => {
    await use('wasm');
    const backend = wasmBackend();
    const values = randomValues(30, 1);
    const x = tf.tensor2d(values, [5, 6]);
    const before = backend.numDataIds();
    const y = tf.clone(x);
    try {
      assert.equal(backend.numDataIds(), before, 'no new heap buffer');
      assert.equal(backend.refCount(x.dataId), 2);
      x.dispose();
      assert.deepEqual(y.shape, [5, 6]);
      assertBitsEqual(Float32Array.from(y.dataSync()), values, 'clone after the original was disposed');
    } finally {
      tf.dispose([x, y]);
    }
    assert.equal(backend.numDataIds(), before - 1, 'the buffer is freed with its last user');
  });

  const CAST_CASES: { name: string; from: 'float32' | 'int32' | 'bool'; to: 'float32' | 'int32' | 'bool'; shares: boolean }[] = [
    { name: 'float32 -> float32', from: 'float32', to: 'float32', shares: true },
    { name: 'int32 -> int32', from: 'int32', to: 'int32', shares: true },
    { name: 'float32 -> int32 (stock kernel, truncates)', from: 'float32', to: 'int32', shares: false },
    { name: 'bool -> float32 (stock kernel)', from: 'bool', to: 'float32', shares: false },
    { name: 'int32 -> float32 (stock kernel)', from: 'int32', to: 'float32', shares: false },
  ];
  for (const [i, c] of CAST_CASES.entries()) {
    test(`cast ${c.name} matches cpu and ${c.shares ? 'shares' : 'copies'} the buffer`, async () => {
      const values = randomValues(24, 40 + i, -5, 5);
      const input = () => {
        const x = tf.tensor(values, [4, 6]);
        if (c.from === 'float32') return x;
        return c.from === 'int32' ? tf.cast(x, 'int32') : tf.greater(x, 0);
      };
      const { cpu, wasm } = await onBothBackends(() => tf.cast(input(), c.to));
      assertBitsEqual(wasm, cpu, c.name);
      await use('wasm');
      const backend = wasmBackend();
      tf.tidy(() => {
        const x = input();
        const before = backend.numDataIds();
        const y = tf.cast(x, c.to);
        assert.equal(y.dtype, c.to);
        assert.equal(backend.numDataIds() - before, c.shares ? 0 : 1);
      });
    });
  }

  test('string tensors are cloned by the stock kernel', async () => {
    await use('wasm');
    const y = tf.tidy(() => tf.clone(tf.tensor(['a', 'bc'])));
    try {
      assert.deepEqual(y.dataSync(), ['a', 'bc']);
    } finally {
      y.dispose();
    }
  });

  test('gradients through relu (saved tensors are clones) match cpu', async () => {
    const x = randomValues(64, 9);
    const compute = () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.relu(tf.mul(t, 2)))))(tf.tensor(x, [8, 8]));
    const { cpu, wasm } = await onBothBackends(compute);
    assertClose(wasm, cpu, 1e-6, 'relu gradient');
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    await use('wasm');
    await assertNoTensorLeak(() => {
      tf.tidy(() => {
        const x = tf.ones([3, 4]);
        tf.clone(x);
        tf.cast(x, 'float32');
        tf.cast(x, 'int32');
        tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(x);
      });
    });
  });
});
