import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import {
  assertBitsEqual,
  assertClose,
  onBothBackends,
  randomValues,
  runOn,
  setUpBackends,
  size,
  use,
} from './wasm-test-util.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

describe('wasm UnsortedSegmentSum', () => {
  before(setUpBackends);

  const GATHER_CASES: { name: string; params: number[]; indices: number[]; axis: number }[] = [
    { name: 'axis 0, repeated indices', params: [6, 4], indices: [0, 2, 2, 5, 0, 0], axis: 0 },
    { name: 'axis 1 of a rank-3 tensor', params: [2, 5, 3], indices: [4, 1, 1], axis: 1 },
    { name: 'rank-2 indices', params: [5, 3], indices: [1, 1, 4, 0], axis: 0 },
  ];
  for (const [i, c] of GATHER_CASES.entries()) {
    test(`tf.grad of gather matches cpu: ${c.name}`, async () => {
      const paramValues = randomValues(size(c.params), 400 + i);
      const indexShape = c.name.startsWith('rank-2') ? [2, 2] : [c.indices.length];
      const compute = () => {
        const indices = tf.tensor(c.indices, indexShape, 'int32');
        const gathered = tf.gather(tf.zeros(c.params), indices, c.axis);
        const dy = tf.tensor(randomValues(size(gathered.shape), 500 + i), gathered.shape);
        const grad = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gather(p, indices, c.axis), dy)));
        return grad(tf.tensor(paramValues, c.params));
      };
      const { cpu, wasm } = await onBothBackends(compute);
      assertClose(wasm, cpu, 1e-6, c.name);
    });
  }

  test('ids outside [0, numSegments) are dropped: hand-derived and cpu', async () => {
    const compute = () =>
      tf.unsortedSegmentSum(tf.tensor2d([1, 2, 10, 20, 100, 200, 1000, 2000], [4, 2]), tf.tensor1d([2, -1, 0, 3], 'int32'), 3);
    const { cpu, wasm } = await onBothBackends(compute);
    assert.deepEqual(Array.from(wasm), [100, 200, 0, 0, 1, 2]);
    assertBitsEqual(wasm, cpu, 'out-of-range ids');
  });

  test('rejects rank-2 segment ids with a clear message', async () => {
    await use('wasm');
    assert.throws(
      () => tf.tidy(() => tf.unsortedSegmentSum(tf.zeros([2, 2]), tf.zeros<tf.Rank>([2, 2], 'int32') as tf.Tensor1D, 2)),
      /needs 1-D int32 segmentIds of length x.shape\[0\]; got int32 \[2, 2\]/,
    );
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    const compute = () => {
      const indices = tf.tensor1d([0, 2, 2], 'int32');
      return tf.grad((p: tf.Tensor) => tf.sum(tf.gather(p, indices)))(tf.ones([4, 3]));
    };
    await assertNoTensorLeak(
      () => {
        tf.tidy(() => {
          compute();
        });
      },
      { warmUp: () => runOn('wasm', compute) },
    );
  });
});
