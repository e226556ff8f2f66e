import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { initBackend } from '../../src/backend/init-backend.js';
import { FlatAdam } from '../../src/training/flat-adam.js';
import { deserializeTensor, serializeTensor } from '../../src/training/protocol.js';

const SHAPES = [[3, 4], [5], [2, 2, 2]];
const CONFIG = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Deterministic values in [-1, 1) (mulberry32), independent of tfjs. */
function randomValues(size: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  });
}

const sizes = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));
const total = sizes.reduce((a, b) => a + b, 0);
const flatGradient = (step: number) => {
  const g = randomValues(total, 100 + step);
  g[3] = 0; // a weight without gradient must not move
  return g;
};

/** tfjs's AdamOptimizer (the reference) on the cpu backend, over the same weights. */
function referenceAdam(initial: Float32Array) {
  let offset = 0;
  const variables = SHAPES.map((shape, i) => {
    const v = tf.variable(tf.tensor(initial.slice(offset, offset + sizes[i]!), shape), true, `w${i}_${Math.random()}`);
    offset += sizes[i]!;
    return v;
  });
  const optimizer = tf.train.adam(CONFIG.learningRate, CONFIG.beta1, CONFIG.beta2, CONFIG.epsilon);
  return {
    variables,
    optimizer,
    step(flat: Float32Array) {
      let from = 0;
      const gradients: tf.NamedTensorMap = {};
      variables.forEach((v, i) => {
        gradients[v.name] = tf.tensor(flat.slice(from, from + sizes[i]!), SHAPES[i]!);
        from += sizes[i]!;
      });
      optimizer.applyGradients(gradients as tf.NamedTensorMap & Record<string, tf.Variable>);
      tf.dispose(Object.values(gradients));
    },
    weights: () => Float32Array.from(variables.flatMap((v) => Array.from(v.dataSync()))),
    dispose() {
      optimizer.dispose();
      tf.dispose(variables);
    },
  };
}

/** Equal to `relative` of the weight, or of one step's size (the learning rate) for weights near 0. */
function assertClose(actual: Float32Array, expected: Float32Array, relative: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = relative * Math.max(CONFIG.learningRate, Math.abs(expected[i]!));
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `element ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('FlatAdam', () => {
  before(async () => {
    await initBackend('cpu');
  });

  it("matches tfjs's AdamOptimizer step for step (cpu backend as reference)", () => {
    const initial = randomValues(total, 1);
    const reference = referenceAdam(initial);
    const adam = new FlatAdam(CONFIG, initial.slice(), SHAPES.map((shape, i) => ({ name: `w${i}`, shape })));
    for (let step = 0; step < 5; step++) {
      reference.step(flatGradient(step));
      adam.apply(flatGradient(step));
      assertClose(adam.weights, reference.weights(), 1e-6);
    }
    assert.equal(adam.weights[3], initial[3], 'zero gradient, no move');
    assert.notEqual(adam.weights[0], initial[0]);
    assert.equal(adam.iterations, 5);
    reference.dispose();
  });

  it("moves its state to and from a tfjs AdamOptimizer (getWeights order), so training continues the same", async () => {
    const initial = randomValues(total, 2);
    const variables = SHAPES.map((shape, i) => ({ name: `w${i}`, shape }));
    const flat = new FlatAdam(CONFIG, initial.slice(), variables);
    const reference = referenceAdam(initial);
    for (let step = 0; step < 3; step++) {
      flat.apply(flatGradient(step));
      reference.step(flatGradient(step));
    }
    // tfjs → flat: a fresh FlatAdam on tfjs's weights and state continues like tfjs.
    const tfjsState = await reference.optimizer.getWeights();
    const resumed = new FlatAdam(CONFIG, reference.weights(), variables);
    resumed.setState(tfjsState.map(({ name, tensor }) => serializeTensor(name, tensor)));
    assert.equal(resumed.iterations, 3);
    // flat → tfjs: a fresh tfjs Adam given the flat state continues like the flat one.
    const other = referenceAdam(flat.weights);
    const state = flat.getState().map((s) => ({ name: s.name, tensor: deserializeTensor(s) }));
    await other.optimizer.setWeights(state);
    tf.dispose(state.map((s) => s.tensor));
    flat.apply(flatGradient(3));
    resumed.apply(flatGradient(3));
    reference.step(flatGradient(3));
    other.step(flatGradient(3));
    assertClose(resumed.weights, reference.weights(), 1e-6);
    assertClose(other.weights(), flat.weights, 1e-6);
    tf.dispose(tfjsState[0]!.tensor);
    reference.dispose();
    other.dispose();
  });

  it("treats a fresh tfjs optimizer's state (iteration 0 only) as zero moments, and rejects a state of the wrong size", () => {
    const adam = new FlatAdam(CONFIG, new Float32Array(total), SHAPES.map((shape, i) => ({ name: `w${i}`, shape })));
    adam.setState([{ name: 'iter', shape: [], dtype: 'int32', values: Int32Array.of(0) }]);
    assert.equal(adam.iterations, 0);
    const state = adam.getState();
    assert.equal(state.length, 1 + 2 * SHAPES.length);
    assert.deepEqual(state.slice(1).map((s) => s.name), ['w0/m', 'w1/m', 'w2/m', 'w0/v', 'w1/v', 'w2/v']);
    assert.throws(() => adam.setState(state.slice(0, 3)), /expected 6/);
  });
});
