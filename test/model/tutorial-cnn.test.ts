import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { buildTutorialCnn, countParameters, defaultMetadataFor } from '../../src/model/tutorial-cnn.js';

describe('buildTutorialCnn', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('has the tutorial layers, shapes and parameter count', () => {
    const model = buildTutorialCnn({ seed: 1 });
    const layers = model.layers.map((l) => [l.name, l.getClassName(), JSON.stringify(l.outputShape)]);
    assert.deepEqual(layers, [
      ['image', 'InputLayer', '[null,28,28,1]'],
      ['conv1', 'Conv2D', '[null,26,26,32]'],
      ['pool1', 'MaxPooling2D', '[null,13,13,32]'],
      ['conv2', 'Conv2D', '[null,11,11,64]'],
      ['pool2', 'MaxPooling2D', '[null,5,5,64]'],
      ['flatten', 'Flatten', '[null,1600]'],
      ['dense', 'Dense', '[null,64]'],
      ['predictions', 'Dense', '[null,10]'],
    ]);
    // conv1 3·3·1·32+32, conv2 3·3·32·64+64, dense 1600·64+64, predictions 64·10+10
    assert.equal(countParameters(model), 320 + 18_496 + 102_464 + 650);
    assert.equal(model.optimizer.getClassName(), 'Adam');
    model.dispose();
  });

  it('is reproducible with a seed and differs across seeds', () => {
    const weights = (seed: number) => {
      const model = buildTutorialCnn({ seed });
      const values = model.getLayer('conv2').getWeights()[0]!.dataSync().slice(0, 16);
      model.dispose();
      return Array.from(values);
    };
    assert.deepEqual(weights(7), weights(7));
    assert.notDeepEqual(weights(7), weights(8));
  });

  it('outputs probabilities for 28×28×1 inputs', () => {
    const model = buildTutorialCnn({ seed: 3 });
    const sums = tf.tidy(() => tf.sum(model.predict(tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 5)) as tf.Tensor, -1).dataSync());
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-5);
    assert.deepEqual(defaultMetadataFor(model).input, { height: 28, width: 28, channels: 1, scale: 1 / 255 });
    model.dispose();
  });
});
