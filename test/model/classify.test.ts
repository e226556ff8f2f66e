import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { GradcamError } from '../../src/errors.js';
import { stackImages } from '../../src/model/classify.js';

describe('stackImages', () => {
  it('stacks [H, W, C] images in order', async () => {
    await tf.setBackend('cpu');
    const x = stackImages([Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(7, 8, 9, 10, 11, 12)], { height: 1, width: 2, channels: 3 });
    try {
      assert.deepEqual(x.shape, [2, 1, 2, 3]);
      assert.deepEqual(Array.from(x.dataSync()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    } finally {
      x.dispose();
    }
  });

  it('refuses a 784-value digit for a 224×224×3 model instead of padding it with 149,744 zeros', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    assert.throws(
      () => stackImages([new Float32Array(784)], { height: 224, width: 224, channels: 3 }),
      (error: unknown) =>
        error instanceof GradcamError && error.message === 'expected [224, 224, 3] (150528 values) per image, received 784 values',
    );
    assert.throws(
      () => stackImages([new Float32Array(32 * 32 * 3), new Float32Array(784)], { height: 32, width: 32, channels: 3 }),
      /expected \[32, 32, 3\] \(3072 values\) per image, received 784 values \(image 2 of 2\)/,
    );
    assert.throws(() => stackImages([new Float32Array(785)], { height: 28, width: 28, channels: 1 }), /received 785 values/);
    assert.equal(tf.memory().numTensors, before);
  });
});
