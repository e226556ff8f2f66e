import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { GradcamError } from '../../src/errors.js';
import { imagesToTensor } from '../../src/data/to-tensor.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('imagesToTensor', () => {
  it('uint8 grey levels become x/255 in a [N, rows, cols, 1] float32 tensor', () => {
    // Two 2x3 images; expected values computed here in float64 and compared at float32 precision.
    const images = Uint8Array.from([0, 255, 51, 102, 1, 254, 10, 20, 30, 40, 50, 60]);
    const t = imagesToTensor(images, 2, 2, 3);
    try {
      assert.deepEqual(t.shape, [2, 2, 3, 1]);
      assert.equal(t.dtype, 'float32');
      const values = t.dataSync();
      images.forEach((v, i) => assert.ok(Math.abs((values[i] as number) - v / 255) < 1e-7, `value ${i}`));
      assert.equal(values[1], 1);
      assert.equal(values[0], 0);
      // Element [1, 0, 2, 0] is image 1, row 0, col 2 -> flat index 6 + 2.
      assert.ok(Math.abs((t.arraySync()[1]?.[0]?.[2]?.[0] as number) - 30 / 255) < 1e-7);
    } finally {
      t.dispose();
    }
  });

  it('float32 values in [0, 1] are used unchanged and copied', () => {
    const pixels = Float32Array.from([0, 0.25, 0.5, 1]);
    const t = imagesToTensor(pixels, 1, 2, 2);
    try {
      pixels[0] = 0.75;
      assert.deepEqual(t.shape, [1, 2, 2, 1]);
      assert.deepEqual([...t.dataSync()], [0, 0.25, 0.5, 1]);
    } finally {
      t.dispose();
    }
  });

  it('a length that does not match the shape is an error', () => {
    assert.throws(
      () => imagesToTensor(new Uint8Array(783), 1, 28, 28),
      (err: unknown) =>
        err instanceof GradcamError && err.message === 'imagesToTensor: expected 1x28x28 = 784 pixel values, got 783',
    );
  });

  it('does not leak tensors', () => {
    const before = tf.memory().numTensors;
    imagesToTensor(new Uint8Array(2 * 784), 2, 28, 28).dispose();
    imagesToTensor(new Float32Array(784), 1, 28, 28).dispose();
    assert.throws(() => imagesToTensor(new Uint8Array(5), 1, 28, 28));
    assert.equal(tf.memory().numTensors, before);
  });
});
