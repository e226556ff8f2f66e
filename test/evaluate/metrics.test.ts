/**
 * The faithfulness metrics on models and values whose answers are derived by
 * hand: a model that looks at one pixel (deletion, insertion, average drop,
 * ROAD), hand-computed confidence changes, and the trapezoid areas.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { baselineImages, blurSigma } from '../../src/evaluate/baseline.js';
import { createClassScorer } from '../../src/evaluate/class-scorer.js';
import { confidence, confidenceChange, maskedByMaps } from '../../src/evaluate/confidence.js';
import { deletion } from '../../src/evaluate/deletion.js';
import { insertion } from '../../src/evaluate/insertion.js';
import type { MetricInputs } from '../../src/evaluate/metric.js';
import { CURVE_STEPS, pixelsAtStep } from '../../src/evaluate/perturbation-curve.js';
import { importanceOrder, trapezoidArea } from '../../src/evaluate/pixel-order.js';
import { road, ROAD_FRACTIONS } from '../../src/evaluate/road.js';
import { assertNoTensorLeak } from '../helpers/leaks.js';

const SIDE = 4;
const PIXELS = SIDE * SIDE;
const WATCHED = 5;
const GAIN = 10;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * flatten → dense(2) → softmax with logit₀ = GAIN·x₅ and logit₁ = 0, so
 * p₀ = σ(GAIN·x₅): class 0's probability depends on pixel 5 alone.
 */
function onePixelModel(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [tfl.layers.flatten({ inputShape: [SIDE, SIDE, 1] }), tfl.layers.dense({ units: 2, activation: 'softmax' })],
  });
  const kernel = new Float32Array(PIXELS * 2);
  kernel[WATCHED * 2] = GAIN;
  model.layers[1]!.setWeights([tf.tensor2d(kernel, [PIXELS, 2]), tf.zeros([2])]);
  return model;
}

/** One image: pixel 5 is 1, the others 0.5 (so no step leaves the input unchanged). */
const image = Float32Array.from({ length: PIXELS }, (_, p) => (p === WATCHED ? 1 : 0.5));

function inputsFor(model: tfl.LayersModel, map: Float32Array): MetricInputs {
  const spec = { height: SIDE, width: SIDE, channels: 1 };
  const score = createClassScorer(model, spec, [0]);
  const baseline = baselineImages('zero', image, SIDE, SIDE, 1);
  return {
    count: 1,
    ...spec,
    images: image,
    maps: map,
    baseline,
    classes: [0],
    original: score(image, [0]),
    baselineScore: score(baseline, [0]),
    seed: 1,
    score,
  };
}

/** A map ranking pixel 5 first (or last), the others by index. */
function mapRanking(first: boolean): Float32Array {
  return Float32Array.from({ length: PIXELS }, (_, p) => (p === WATCHED ? (first ? 1 : 0) : 0.5 - p / 100));
}

describe('evaluation metrics on a model that looks at one pixel', () => {
  let model: tfl.LayersModel;
  before(async () => {
    await tf.setBackend('cpu');
    model = onePixelModel();
  });

  it('deletion: removing the watched pixel first drops the score to σ(0) at the first step', async () => {
    const result = await assertNoTensorLeak(() => deletion.run(inputsFor(model, mapRanking(true))), { warmUp: true });
    assert.equal(pixelsAtStep(1, CURVE_STEPS, PIXELS), 1, '16 pixels: one pixel in the first of 20 steps');
    assert.ok(Math.abs(result.deletionCurve[0]! - sigmoid(GAIN)) < 1e-6);
    for (let k = 1; k <= CURVE_STEPS; k++) assert.ok(Math.abs(result.deletionCurve[k]! - 0.5) < 1e-6, `step ${k}: ${result.deletionCurve[k]}`);
    // Trapezoids: the first step spans round(16/20)/16 = 1/16 of the pixels.
    const expected = ((sigmoid(GAIN) + 0.5) / 2) * (1 / 16) + 0.5 * (15 / 16);
    assert.ok(Math.abs(result.deletionAuc - expected) < 1e-6, `${result.deletionAuc} vs ${expected}`);
  });

  it('deletion: removing it last keeps the score until the end, a larger area', () => {
    const good = deletion.run(inputsFor(model, mapRanking(true))).deletionAuc;
    const bad = deletion.run(inputsFor(model, mapRanking(false)));
    assert.ok(Math.abs(bad.deletionCurve[CURVE_STEPS - 1]! - sigmoid(GAIN)) < 1e-6, 'the watched pixel is still there one step before the end');
    assert.ok(Math.abs(bad.deletionCurve[CURVE_STEPS]! - 0.5) < 1e-6);
    assert.ok(bad.deletionAuc > good + 0.4, `${bad.deletionAuc} vs ${good}`);
  });

  it('insertion: putting the watched pixel back first restores the score at the first step', () => {
    const result = insertion.run(inputsFor(model, mapRanking(true)));
    assert.ok(Math.abs(result.insertionCurve[0]! - 0.5) < 1e-6);
    for (let k = 1; k <= CURVE_STEPS; k++) assert.ok(Math.abs(result.insertionCurve[k]! - sigmoid(GAIN)) < 1e-6);
    const late = insertion.run(inputsFor(model, mapRanking(false)));
    assert.ok(result.insertionAuc > late.insertionAuc + 0.4);
  });

  it('a step that changes no value repeats the step before without a forward pass', () => {
    // Every pixel but the watched one already equals the baseline (0): after the first step nothing changes.
    const sparse = Float32Array.from({ length: PIXELS }, (_, p) => (p === WATCHED ? 1 : 0));
    const spec = { height: SIDE, width: SIDE, channels: 1 };
    const inner = createClassScorer(model, spec, [0]);
    let rows = 0;
    const inputs: MetricInputs = {
      ...inputsFor(model, mapRanking(true)),
      images: sparse,
      original: inner(sparse, [0]),
      score: (x, of) => {
        rows += of.length;
        return inner(x, of);
      },
    };
    const result = deletion.run(inputs);
    assert.equal(rows, 1, 'only step 1 changes the input');
    assert.ok(Math.abs(result.deletionCurve[10]! - 0.5) < 1e-6);
  });

  it('average drop and increase in confidence: the image masked by a map that keeps only the watched pixel', () => {
    const map = Float32Array.from({ length: PIXELS }, (_, p) => (p === WATCHED ? 1 : 0));
    const masked = maskedByMaps({ count: 1, height: SIDE, width: SIDE, channels: 1, images: image, maps: map });
    assert.deepEqual([...masked].map((v, p) => (p === WATCHED ? v : 0)), [...masked]);
    const result = confidence.run(inputsFor(model, map));
    // O = σ(10·1) = Y: no drop, no increase.
    assert.ok(Math.abs(result.averageDrop) < 1e-4);
    assert.equal(result.increaseInConfidence, 0);
    const half = confidence.run(inputsFor(model, Float32Array.from({ length: PIXELS }, () => 0.5)));
    const y = sigmoid(GAIN);
    const o = sigmoid(GAIN * 0.5);
    assert.ok(Math.abs(half.averageDrop - ((y - o) / y) * 100) < 1e-4, `${half.averageDrop}`);
  });

  it('average drop and increase in confidence by hand (eq. 22-23 of arXiv:1710.11063)', () => {
    const result = confidenceChange([0.8, 0.5, 0.2], [0.4, 0.6, 0.2]);
    assert.ok(Math.abs(result.averageDrop - ((0.4 / 0.8 + 0 + 0) / 3) * 100) < 1e-9);
    assert.ok(Math.abs(result.increaseInConfidence - 100 / 3) < 1e-9);
  });

  it('ROAD: most relevant first removes the watched pixel at every fraction; least relevant first keeps it', () => {
    const result = road.run(inputsFor(model, mapRanking(true))).road;
    assert.equal(result.morf.length, ROAD_FRACTIONS.length);
    // MoRF: pixel 5 is imputed from its neighbours (all 0.5 or imputed ≈ 0.5) plus N(0, 0.01²).
    for (const p of result.morf) assert.ok(Math.abs(p - sigmoid(GAIN * 0.5)) < 0.02, `MoRF ${p}`);
    // LeRF up to 90% of 16 pixels: 14 removed, pixel 5 (ranked first) stays.
    for (const p of result.lerf) assert.ok(Math.abs(p - sigmoid(GAIN)) < 1e-6, `LeRF ${p}`);
    assert.ok(Math.abs(result.morfMean - result.morf.reduce((a, b) => a + b) / result.morf.length) < 1e-12);
  });

  it('ROAD repeats exactly with the same seed', () => {
    const a = road.run(inputsFor(model, mapRanking(false))).road;
    const b = road.run(inputsFor(model, mapRanking(false))).road;
    assert.deepEqual(a, b);
  });
});

describe('pixel order, areas and baselines', () => {
  it('orders by importance, ties by index', () => {
    assert.deepEqual([...importanceOrder(Float32Array.from([0.2, 0.9, 0.2, 0.5]))], [1, 3, 0, 2]);
  });

  it('trapezoid rule', () => {
    assert.equal(trapezoidArea([0, 0.5, 1], [1, 0, 1]), 0.5);
    assert.equal(trapezoidArea([0, 1], [0.25, 0.25]), 0.25);
  });

  it('blur baseline: a constant image stays constant, an impulse spreads as a normalised Gaussian', () => {
    const flat = baselineImages('blur', new Float32Array(64).fill(0.3), 8, 8, 1);
    for (const v of flat) assert.ok(Math.abs(v - 0.3) < 1e-6);
    const size = 33;
    const impulse = new Float32Array(size * size);
    impulse[16 * size + 16] = 1;
    const blurred = baselineImages('blur', impulse, size, size, 1);
    const total = blurred.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `mass ${total}`);
    const sigma = blurSigma(size, size);
    // Ratio of the centre to its neighbour: exp(1 / (2σ²)) for a separable Gaussian.
    const ratio = blurred[16 * size + 16]! / blurred[16 * size + 17]!;
    assert.ok(Math.abs(ratio - Math.exp(1 / (2 * sigma * sigma))) < 1e-3, `${ratio}`);
  });
});
