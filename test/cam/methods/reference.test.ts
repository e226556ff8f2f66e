/**
 * Every method of the table on a conv → flatten → dense model whose
 * activations and gradients are computed here in plain JS (A = ReLU(conv(x)),
 * ∂y^c/∂A = the dense kernel's column c), against the plain-JS definitions.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { CAM_METHOD_NAMES, type CamMethodName } from '../../../src/cam/cam-methods.js';
import { createCam } from '../../../src/cam/pipeline.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';
import { maxAbsDiff, REFERENCE_METHODS, referenceMaps, uniform } from '../../helpers/cam-reference.js';

const random = uniform(42, -1, 1);
const kernel = Array.from({ length: 12 }, random); // [2, 2, 1, 3]
const bias = [0.1, -0.1, 0.2];
const dense = Array.from({ length: 54 }, random); // [27, 2]
const images = Array.from({ length: 32 }, () => (random() + 1) / 2); // [2, 4, 4, 1]
const classes = [0, 1];

function model(): tfl.LayersModel {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 3, kernelSize: 2, activation: 'relu', name: 'conv' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  m.layers[0]!.setWeights([tf.tensor4d(kernel, [2, 2, 1, 3]), tf.tensor1d(bias)]);
  m.layers[2]!.setWeights([tf.tensor2d(dense, [27, 2]), tf.zeros([2])]);
  return m;
}

function layerData() {
  const activations = new Float64Array(2 * 27);
  const gradients = new Float64Array(2 * 27);
  for (let n = 0; n < 2; n++)
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        for (let k = 0; k < 3; k++) {
          let sum = bias[k]!;
          for (let di = 0; di < 2; di++) for (let dj = 0; dj < 2; dj++) sum += images[n * 16 + (i + di) * 4 + j + dj]! * kernel[(di * 2 + dj) * 3 + k]!;
          const at = n * 27 + (i * 3 + j) * 3 + k;
          activations[at] = Math.max(0, sum);
          gradients[at] = dense[((i * 3 + j) * 3 + k) * 2 + classes[n]!]!;
        }
  return { count: 2, height: 3, width: 3, channels: 3, activations, gradients };
}

describe('CAM methods against plain-JS definitions', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  for (const method of REFERENCE_METHODS) {
    it(`${method}: normalised maps within 1e-5`, () => {
      const x = tf.tensor4d(images, [2, 4, 4, 1]);
      const result = createCam(model(), { method, layerName: 'conv' }).explain(x, classes);
      x.dispose();
      const expected = referenceMaps(method, layerData());
      assert.ok(Math.max(...expected.heatmaps) > 0.5, 'the reference map is not all zero');
      const diff = maxAbsDiff(result.heatmaps, expected.heatmaps);
      assert.ok(diff < 1e-5, `${method}: maps differ by ${diff}`);
    });
  }

  it('eigenSmooth: Grad-CAM projected on the first component of α ⊙ A, within 1e-5', () => {
    const x = tf.tensor4d(images, [2, 4, 4, 1]);
    const result = createCam(model(), { method: 'gradcam', layerName: 'conv', eigenSmooth: true }).explain(x, classes);
    x.dispose();
    const expected = referenceMaps('gradcam', layerData(), true);
    const plain = referenceMaps('gradcam', layerData());
    assert.ok(maxAbsDiff(expected.heatmaps, plain.heatmaps) > 1e-2, 'smoothing changes the map here');
    const diff = maxAbsDiff(result.heatmaps, expected.heatmaps);
    assert.ok(diff < 1e-5, `eigen-smoothed maps differ by ${diff}`);
  });

  for (const method of CAM_METHOD_NAMES) {
    it(`${method}: same maps on a functional copy of the model, and no tensor left behind`, async () => {
      const sequential = model();
      const input = tfl.input({ shape: [4, 4, 1] });
      const conv = tfl.layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu', name: 'conv' });
      const out = tfl.layers.dense({ units: 2 });
      const functional = tfl.model({
        inputs: input,
        outputs: out.apply(tfl.layers.flatten().apply(conv.apply(input))) as tfl.SymbolicTensor,
      });
      conv.setWeights(sequential.layers[0]!.getWeights());
      out.setWeights(sequential.layers[2]!.getWeights());
      const x = tf.tensor4d(images, [2, 4, 4, 1]);
      const a = createCam(sequential, { method });
      const b = createCam(functional, { method });
      const fromSequential = a.explain(x, classes);
      const fromFunctional = await assertNoTensorLeak(() => b.explain(x, classes), { warmUp: true });
      x.dispose();
      assert.ok(maxAbsDiff(fromSequential.heatmaps, fromFunctional.heatmaps) < 1e-6);
    });
  }
});

describe('identities between methods', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });
  // conv → global average pooling → dense: ∂y/∂A is the same at every position.
  function pooledModel(): tfl.LayersModel {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 3, kernelSize: 2, activation: 'relu', name: 'conv' }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    m.layers[0]!.setWeights([tf.tensor4d(kernel, [2, 2, 1, 3]), tf.tensor1d(bias)]);
    m.layers[2]!.setWeights([tf.tensor2d(dense.slice(0, 6), [3, 2]), tf.zeros([2])]);
    return m;
  }
  const maps = (m: tfl.LayersModel, method: CamMethodName) => {
    const x = tf.tensor4d(images, [2, 4, 4, 1]);
    const result = createCam(m, { method }).explain(x, classes);
    x.dispose();
    return result.heatmaps;
  };

  it('Grad-CAM equals HiResCAM when the gradient is spatially constant', () => {
    const m = pooledModel();
    assert.ok(maxAbsDiff(maps(m, 'gradcam'), maps(m, 'hirescam')) < 1e-6);
    // ...and not in general (the flatten → dense model has position-dependent gradients).
    assert.ok(maxAbsDiff(maps(model(), 'gradcam'), maps(model(), 'hirescam')) > 1e-2);
  });

  it('LayerCAM equals HiResCAM when the gradients are non-negative, and element-wise Grad-CAM too when A ≥ 0', () => {
    const m = model();
    m.layers[2]!.setWeights([tf.tensor2d(dense.map(Math.abs), [27, 2]), tf.zeros([2])]);
    const hires = maps(m, 'hirescam');
    assert.ok(maxAbsDiff(maps(m, 'layercam'), hires) < 1e-6);
    assert.ok(maxAbsDiff(maps(m, 'gradcam-elementwise'), hires) < 1e-6);
    // With signed gradients they part.
    assert.ok(maxAbsDiff(maps(model(), 'layercam'), maps(model(), 'hirescam')) > 1e-2);
  });
});
