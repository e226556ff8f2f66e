/**
 * A Keras model from a public repository, read with no Python: the MNIST CNN
 * `mnist_cnn.h5` (Keras 2.10, Sequential: Conv2D 32 → MaxPool 3 → Conv2D 16 →
 * MaxPool 2 → Flatten → Dense 784 sigmoid → 16 → 16 → 10 softmax; 1.6 MB) of
 * github.com/Purinat33/Streamlit-MNIST (MIT licence), commit 960cce0. It is not
 * kept in this repository; to run this test, put it at
 * test/fixtures/keras/external/mnist_cnn.h5 (git-ignored) or name it in
 * GRADCAM_KERAS_MNIST_H5:
 *   curl -L -o test/fixtures/keras/external/mnist_cnn.h5 \
 *     https://github.com/Purinat33/Streamlit-MNIST/raw/960cce0/mnist_cnn.h5
 * Its notebook trains on raw pixels (0..255, no division by 255), so the test
 * feeds it those.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { initBackend } from '../../../src/backend/init-backend.js';
import { createCam } from '../../../src/cam/pipeline.js';
import { readMnistRecords } from '../../../src/data/mnist.js';
import { loadModel } from '../../../src/model/model-files.js';
import { packageRoot } from '../../../src/package-root.js';

const MODEL = process.env.GRADCAM_KERAS_MNIST_H5 ?? path.join(packageRoot(), 'test', 'fixtures', 'keras', 'external', 'mnist_cnn.h5');
const absent = existsSync(MODEL) ? false : `${MODEL} is absent (see this file's header for where to get it)`;
const COUNT = 100;

describe('a public Keras 2 MNIST model (.h5)', { skip: absent }, () => {
  before(async () => {
    await initBackend('cpu'); // quietly: tf.setBackend prints tfjs's tfjs-node banner, which the warning check would catch
  });

  it('loads without console warnings, predicts MNIST test 0..99 at ≥ 95% and explains', async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    const loaded = await loadModel(MODEL).finally(() => {
      console.warn = warn;
    });
    const records = await readMnistRecords('test', Array.from({ length: COUNT }, (_, i) => i));
    const x = tf.tensor4d(Float32Array.from(records.images), [COUNT, 28, 28, 1]);
    try {
      const predicted = tf.tidy(() => Array.from(tf.argMax(loaded.model.predict(x) as tf.Tensor, 1).dataSync()));
      assert.deepEqual(warnings, []);
      const correct = predicted.filter((p, i) => p === records.labels[i]).length;
      assert.ok(correct >= 95, `${correct} of ${COUNT} correct`);
      const firstFour = tf.slice(x, [0, 0, 0, 0], [4, 28, 28, 1]);
      const result = createCam(loaded.model).explain(firstFour);
      firstFour.dispose();
      assert.equal(createCam(loaded.model).layerName, 'conv2d_1');
      assert.deepEqual(result.classes, predicted.slice(0, 4));
      assert.ok(result.heatmaps.every((v) => Number.isFinite(v)));
    } finally {
      x.dispose();
      loaded.model.dispose();
    }
  });
});
