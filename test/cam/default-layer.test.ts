/** The default layer (issue 9): the rectified map after a linear conv, never a 1×1 map when a larger one exists. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { findExplainableLayer } from '../../src/cam/layer-graph.js';
import { createCam } from '../../src/cam/pipeline.js';

const input = () => tfl.input({ shape: [8, 8, 1] });

describe('default layer', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('a linear conv followed by BatchNormalization and ReLU: the ReLU output', () => {
    const x = input();
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(x) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ name: 'bn' }).apply(conv) as tfl.SymbolicTensor;
    const relu = tfl.layers.activation({ activation: 'relu', name: 'relu' }).apply(bn) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(tfl.layers.flatten().apply(relu)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: x, outputs: out });
    assert.equal(findExplainableLayer(model).name, 'relu');
    assert.equal(findExplainableLayer(model, 'conv').name, 'conv', 'asking by name still gets that layer');
    const images = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const batch = createCam(model).explain(images);
    images.dispose();
    assert.equal(batch.mapHeight, 6);
  });

  it('a Sequential linear conv with a ReLU layer: the ReLU; a conv with its own ReLU: the conv', () => {
    const linear = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, name: 'c' }),
        tfl.layers.reLU({ name: 'r' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    assert.equal(findExplainableLayer(linear).name, 'r');
    const own = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'c' }),
        tfl.layers.batchNormalization({ name: 'bn' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    assert.equal(findExplainableLayer(own).name, 'c');
  });

  it('skips a last conv with a 1×1 map for the last one with a larger map', () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'big' }),
        tfl.layers.conv2d({ filters: 2, kernelSize: 6, activation: 'relu', name: 'one-by-one' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    assert.equal(findExplainableLayer(model).name, 'big');
  });
});
