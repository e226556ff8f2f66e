/**
 * evaluateMethods end to end: on a tiny model (the cascade, parts merged
 * equal the whole) and on the bundled model (Grad-CAM beats the random
 * baseline; its maps change under randomisation; no tensor leaks).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import { initBackend } from '../../src/backend/init-backend.js';
import { loadMnistSplit } from '../../src/data/mnist.js';
import { cascadeLayerNames, randomisationCascade } from '../../src/evaluate/cascade.js';
import { evaluateMethods, type EvaluationOutcome } from '../../src/evaluate/evaluate-methods.js';
import { mergeOutcomes } from '../../src/evaluate/merge-outcomes.js';
import { inputSpecFor } from '../../src/model/input-spec.js';
import { bundledModelDir, loadModel } from '../../src/model/model-files.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

/** conv(3×3, 4, relu) → conv(3×3, 4, relu) → flatten → dense(3, softmax) on 8×8×1, seeded. */
function tinyModel(): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'c1', kernelInitializer: init(1) }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'c2', kernelInitializer: init(2) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out', kernelInitializer: init(3) }),
    ],
  });
}

/** Zero baseline, as for digit models (the spec of an 8×8 model would otherwise say 'resize', a blurred baseline). */
const tinySpec = { ...inputSpecFor([null, 8, 8, 1], { input: { height: 8, width: 8, channels: 1, scale: 1 / 255 }, classNames: ['a', 'b', 'c'] }), preparation: 'digit' as const };
const tinyImages = (count: number) => Float32Array.from({ length: count * 64 }, (_, i) => ((i * 2654435761) % 1000) / 1000);

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array).map((a) => a.slice());
}

describe('cascading randomisation (Adebayo et al. 2018, §3.1)', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it('randomises from the output layer down, cumulatively, on a clone; the model is untouched and the draw repeats by seed', async () => {
    const model = tinyModel();
    const trained = weightsOf(model);
    assert.deepEqual(cascadeLayerNames(model), ['out', 'c2', 'c1']);
    const cascade = await randomisationCascade(model, 7);
    const again = await randomisationCascade(model, 7);
    try {
      const layerWeights = (m: tfl.LayersModel, name: string) => m.getLayer(name).getWeights()[0]!.dataSync().slice();
      assert.deepEqual(layerWeights(cascade.model, 'out'), layerWeights(model, 'out'), 'step −1: trained weights');
      cascade.apply(0);
      again.apply(0);
      assert.notDeepEqual(layerWeights(cascade.model, 'out'), layerWeights(model, 'out'));
      assert.deepEqual(layerWeights(cascade.model, 'out'), layerWeights(again.model, 'out'), 'same seed, same weights');
      assert.deepEqual(layerWeights(cascade.model, 'c2'), layerWeights(model, 'c2'), 'layers below keep their weights');
      cascade.apply(2);
      for (const name of ['out', 'c2', 'c1']) assert.notDeepEqual(layerWeights(cascade.model, name), layerWeights(model, name), name);
      assert.deepEqual(weightsOf(model), trained, "the user's model is only read");
    } finally {
      cascade.dispose();
      again.dispose();
    }
  });

  it('parts evaluated on their own and merged equal the whole (what the worker threads do)', async () => {
    const model = tinyModel();
    const images = tinyImages(10);
    const run = { model, spec: tinySpec, methods: ['gradcam', 'random'] as const, score: 'logit' as const, seed: 3, sanity: true };
    const whole = await evaluateMethods({ ...run, images });
    const parts: EvaluationOutcome[] = [];
    for (const [from, to] of [[0, 4], [4, 10]] as const) {
      parts.push(await evaluateMethods({ ...run, images: images.slice(from * 64, to * 64), firstIndex: from }));
    }
    const merged = mergeOutcomes(parts);
    assert.equal(merged.count, 10);
    assert.deepEqual(merged.classes, whole.classes);
    const close = (a: unknown, b: unknown, at: string): void => {
      if (typeof a === 'number') assert.ok(Math.abs(a - (b as number)) < 1e-6, `${at}: ${a} vs ${b}`);
      else if (Array.isArray(a)) a.forEach((v, i) => close(v, (b as unknown[])[i], `${at}[${i}]`));
      else if (typeof a === 'object' && a !== null) for (const key of Object.keys(a)) close((a as never)[key], (b as never)[key], `${at}.${key}`);
      else assert.equal(a, b, at);
    };
    close(merged.methods, whole.methods, 'methods');
    close(merged.sanity, whole.sanity, 'sanity');
  });
});

describe('evaluateMethods on an RGB model', () => {
  it('removes pixels into a blurred copy and scores every channel; all numbers finite', async () => {
    await initBackend('cpu');
    const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(5) }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: init(6) }),
      ],
    });
    const spec = inputSpecFor([null, 8, 8, 3], { input: { height: 8, width: 8, channels: 3, scale: 1 / 255 }, classNames: ['a', 'b'] });
    assert.equal(spec.preparation, 'resize');
    const images = Float32Array.from({ length: 3 * 8 * 8 * 3 }, (_, i) => ((i * 40503) % 997) / 997);
    const outcome = await assertNoTensorLeak(() =>
      evaluateMethods({ model, spec, images, methods: ['gradcam', 'scorecam', 'center'], score: 'logit', seed: 1, sanity: true }),
    );
    assert.equal(outcome.baseline, 'blur');
    const numbers = JSON.stringify(outcome.methods).match(/-?\d[\d.e+-]*|null/g)!;
    assert.ok(!numbers.includes('null'), 'no NaN');
    assert.equal(outcome.sanity!.gradcam!.cascade.length, 2);
  });
});

describe('evaluateMethods on the bundled model', () => {
  let outcome: EvaluationOutcome;
  before(async () => {
    await initBackend('wasm');
    const { model, inputSpec } = await loadModel(bundledModelDir());
    const test = await loadMnistSplit('test', { limit: 48 });
    const images = Float32Array.from(test.images, (v) => v / 255);
    outcome = await assertNoTensorLeak(
      () => evaluateMethods({ model, spec: inputSpec, images, methods: ['gradcam', 'random'], score: 'logit', seed: 0, sanity: true }),
      { warmUp: () => evaluateMethods({ model, spec: inputSpec, images: images.slice(0, 784), methods: ['gradcam'], score: 'logit', seed: 0, sanity: false }) },
    );
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('Grad-CAM beats the random baseline on deletion and insertion AUC', () => {
    const { gradcam, random } = outcome.methods;
    assert.ok(gradcam!.deletionAuc < random!.deletionAuc, `deletion ${gradcam!.deletionAuc} vs random ${random!.deletionAuc}`);
    assert.ok(gradcam!.insertionAuc > random!.insertionAuc, `insertion ${gradcam!.insertionAuc} vs random ${random!.insertionAuc}`);
    assert.ok(gradcam!.road.morfMean < random!.road.morfMean, 'ROAD MoRF');
  });

  it("sanity: Grad-CAM's maps decorrelate once every layer is randomised; the random baseline's do not change", () => {
    const steps = outcome.sanity!.gradcam!.cascade;
    assert.deepEqual(steps.map((s) => s.layer), ['predictions', 'dense', 'conv2', 'conv1']);
    assert.ok(steps.at(-1)!.spearman < 0.5 && steps.at(-1)!.ssim < 0.2, JSON.stringify(steps.at(-1)));
    for (const step of outcome.sanity!.random!.cascade) assert.ok(Math.abs(step.spearman - 1) < 1e-9 && Math.abs(step.ssim - 1) < 1e-9);
  });

  it('reports curves of 21 points from the image (its probability) to the baseline, and example maps at the layer resolution', () => {
    const curve = outcome.methods.gradcam!.deletionCurve;
    assert.equal(curve.length, 21);
    assert.ok(curve[0]! > 0.9, 'the bundled model is confident on MNIST test digits');
    assert.equal(outcome.exampleMaps.gradcam!.heatmap.length, 11 * 11);
    assert.equal(outcome.layer, 'conv2');
  });
});
