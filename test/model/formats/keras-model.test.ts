import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { GradcamError } from '../../../src/errors.js';
import type { StoredWeight } from '../../../src/model/formats/hdf5.js';
import { buildKerasModel, type KerasWeightSource } from '../../../src/model/formats/keras-model.js';

/** Input 6×6×2 → Conv2D → BatchNormalization → DepthwiseConv2D → SeparableConv2D → Flatten → Dense, in Keras 2 JSON. */
const CONFIG = {
  class_name: 'Sequential',
  config: {
    name: 's',
    layers: [
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 6, 6, 2], name: 'in' } },
      { class_name: 'Conv2D', config: { name: 'conv', filters: 3, kernel_size: [1, 1] } },
      { class_name: 'BatchNormalization', config: { name: 'bn' } },
      { class_name: 'DepthwiseConv2D', config: { name: 'dw', kernel_size: [3, 3] } },
      { class_name: 'SeparableConv2D', config: { name: 'sep', filters: 2, kernel_size: [3, 3] } },
      { class_name: 'Flatten', config: { name: 'flat' } },
      { class_name: 'Dense', config: { name: 'out', units: 2 } },
    ],
  },
};

/** Keras' names and shapes per layer, in Keras' order (trainable, then non-trainable). */
const KERAS_WEIGHTS: Record<string, [string, number[]][]> = {
  conv: [['kernel', [1, 1, 2, 3]], ['bias', [3]]],
  bn: [['gamma', [3]], ['beta', [3]], ['moving_mean', [3]], ['moving_variance', [3]]],
  dw: [['depthwise_kernel', [3, 3, 3, 1]], ['bias', [3]]],
  sep: [['depthwise_kernel', [3, 3, 3, 1]], ['pointwise_kernel', [1, 1, 3, 2]], ['bias', [2]]],
  out: [['kernel', [8, 2]], ['bias', [2]]],
};

/** Every value of weight k of layer `layer` is a number naming both (so a misplaced weight shows). */
function stored(layer: string, named: (name: string) => string, reorder = (w: StoredWeight[]) => w): StoredWeight[] {
  const layerIndex = Object.keys(KERAS_WEIGHTS).indexOf(layer);
  return reorder(
    KERAS_WEIGHTS[layer]!.map(([name, shape], k) => ({
      name: named(name),
      shape,
      values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(10 * layerIndex + k + 1),
    })),
  );
}

describe('buildKerasModel', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  const sources: [string, KerasWeightSource][] = [
    ['in order, named as Keras 2 does ("bn/gamma:0")', ([layer]) => stored(layer!, (n) => `${layer}/${n}:0`)],
    ['in order, by index only (Keras 3 .keras vars/0, 1, ...)', ([layer]) => stored(layer!, () => '', (w) => w.map((x, i) => ({ ...x, name: String(i) })))],
    ['shuffled but named (matched by name)', ([layer]) => stored(layer!, (n) => `s/${layer}/${n}`, (w) => [...w].reverse())],
  ];
  for (const [what, source] of sources) {
    it(`sets every weight where tfjs expects it: ${what}`, async () => {
      const model = await buildKerasModel(CONFIG, 'm.h5', source);
      try {
        for (const [layer, weights] of Object.entries(KERAS_WEIGHTS)) {
          const tfjsWeights = model.getLayer(layer).weights;
          assert.deepEqual(tfjsWeights.map((w) => w.originalName.split('/').at(-1)), weights.map(([name]) => name), `${layer}: tfjs order is Keras order`);
          const layerIndex = Object.keys(KERAS_WEIGHTS).indexOf(layer);
          tfjsWeights.forEach((w, k) => assert.equal(w.read().dataSync()[0], 10 * layerIndex + k + 1, `${layer}/${weights[k]![0]}`));
        }
      } finally {
        model.dispose();
      }
    });
  }

  const failures: [string, KerasWeightSource, RegExp][] = [
    ['a layer without stored weights', ([layer]) => (layer === 'bn' ? undefined : stored(layer!, (n) => n)), /^m\.h5: no weights stored for layer "bn"; is the file a whole model/],
    ['a weight too few', ([layer]) => stored(layer!, (n) => n, (w) => (layer === 'sep' ? w.slice(0, 2) : w)), /^m\.h5: layer "sep" expected 3 weights, received 2$/],
    ['a wrong shape', ([layer]) => stored(layer!, (n) => n, (w) => (layer === 'out' ? [{ ...w[0]!, shape: [2, 8] }, w[1]!] : w)), /^m\.h5: weight "out\/kernel" expected shape \[8, 2\], received \[2, 8\]$/],
  ];
  for (const [what, source, message] of failures) {
    it(`refuses ${what}, leaving no tensor behind`, async () => {
      const before = tf.memory().numTensors;
      await assert.rejects(buildKerasModel(CONFIG, 'm.h5', source), (error: unknown) => error instanceof GradcamError && message.test(error.message));
      assert.equal(tf.memory().numTensors, before);
    });
  }
});
