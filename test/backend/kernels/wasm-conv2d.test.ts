import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { convPath, type ConvPath } from '../../../src/backend/kernels/wasm-conv2d.js';
import {
  assertClose,
  assertComputeLeavesNoTensors,
  describeOnSimdPaths,
  onBothBackends,
  randomValues,
  setUpBackends,
  size,
  use,
} from './wasm-test-util.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface ForwardCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides?: number | [number, number];
  dilations?: number | [number, number];
  pad: Pad;
  /** 'relu' or 'linear' through tf.fused.conv2d with a bias; 'none' is plain tf.conv2d (no bias). */
  activation: 'relu' | 'linear' | 'none' | 'elu';
  /** The path our kernel takes. */
  path: ConvPath;
}

const CASES: ForwardCase[] = [
  // Direct convolution by taps (KH*KW*ci <= 27).
  { name: 'tutorial conv1, batch 32', x: [32, 28, 28, 1], filter: [3, 3, 1, 32], pad: 'valid', activation: 'relu', path: 'taps' },
  { name: 'conv1 shape, batch 1', x: [1, 28, 28, 1], filter: [3, 3, 1, 32], pad: 'valid', activation: 'relu', path: 'taps' },
  { name: 'odd 7x9, 2 channels, same, linear', x: [2, 7, 9, 2], filter: [3, 3, 2, 8], pad: 'same', activation: 'linear', path: 'taps' },
  { name: '3 channels (27 values), stride 2, same', x: [3, 8, 9, 3], filter: [3, 3, 3, 4], strides: 2, pad: 'same', activation: 'relu', path: 'taps' },
  { name: 'stride 2 valid, plain conv2d', x: [2, 9, 7, 1], filter: [3, 3, 1, 12], strides: 2, pad: 'valid', activation: 'none', path: 'taps' },
  { name: 'strides [1, 2], 2x2 filter, same (asymmetric pad)', x: [2, 6, 7, 2], filter: [2, 2, 2, 4], strides: [1, 2], pad: 'same', activation: 'relu', path: 'taps' },
  { name: 'dilation 2', x: [2, 9, 9, 1], filter: [3, 3, 1, 8], dilations: 2, pad: 'valid', activation: 'linear', path: 'taps' },
  { name: 'explicit pads', x: [2, 7, 9, 1], filter: [3, 3, 1, 4], pad: [[0, 0], [1, 2], [0, 1], [0, 0]], activation: 'relu', path: 'taps' },
  { name: '1x1 filter', x: [2, 5, 6, 3], filter: [1, 1, 3, 4], pad: 'valid', activation: 'none', path: 'taps' },
  // Winograd F(2x2, 3x3) (3x3, stride 1, ci a multiple of 4 and >= 8, co a multiple of 16).
  { name: 'tutorial conv2, batch 32 (odd 11x11 output)', x: [32, 13, 13, 32], filter: [3, 3, 32, 64], pad: 'valid', activation: 'relu', path: 'winograd' },
  { name: 'conv2 shape, batch 1', x: [1, 13, 13, 32], filter: [3, 3, 32, 64], pad: 'valid', activation: 'relu', path: 'winograd' },
  { name: 'even output, same padding, linear', x: [3, 8, 10, 8], filter: [3, 3, 8, 16], pad: 'same', activation: 'linear', path: 'winograd' },
  { name: 'odd width and height, same, plain conv2d', x: [2, 7, 9, 12], filter: [3, 3, 12, 32], pad: 'same', activation: 'none', path: 'winograd' },
  { name: 'explicit pads, one output row', x: [2, 3, 6, 8], filter: [3, 3, 8, 16], pad: [[0, 0], [0, 0], [1, 0], [0, 0]], activation: 'relu', path: 'winograd' },
  { name: 'tiles span several chunks (batch 5, 20x20)', x: [5, 22, 22, 8], filter: [3, 3, 8, 16], pad: 'valid', activation: 'relu', path: 'winograd' },
  // Stock kernel.
  { name: 'co not a multiple of 4', x: [2, 7, 7, 1], filter: [3, 3, 1, 6], pad: 'valid', activation: 'relu', path: 'stock' },
  { name: 'too many values for taps, not Winograd (5x5x4)', x: [2, 9, 9, 4], filter: [5, 5, 4, 8], pad: 'valid', activation: 'relu', path: 'stock' },
  { name: '3x3 stride 2 with 32 channels', x: [2, 9, 9, 32], filter: [3, 3, 32, 16], strides: 2, pad: 'valid', activation: 'relu', path: 'stock' },
  { name: 'elu activation', x: [2, 7, 7, 1], filter: [3, 3, 1, 8], pad: 'valid', activation: 'elu', path: 'stock' },
];

function forward(c: ForwardCase, seed: number): () => tf.Tensor {
  // Inputs like a post-ReLU activation map: non-negative with zeros.
  const x = randomValues(size(c.x), seed, -0.5, 1).map((v) => Math.max(0, v));
  const w = randomValues(size(c.filter), seed + 1, -0.3, 0.3);
  const bias = randomValues(c.filter[3], seed + 2, -0.2, 0.2);
  const strides = c.strides ?? 1;
  const dilations = c.dilations ?? 1;
  return () => {
    const input = tf.tensor4d(x, c.x);
    const filter = tf.tensor4d(w, c.filter);
    if (c.activation === 'none') return tf.conv2d(input, filter, strides, c.pad, 'NHWC', dilations);
    return tf.fused.conv2d({
      x: input,
      filter,
      strides,
      pad: c.pad,
      dilations,
      bias: tf.tensor1d(bias),
      activation: c.activation,
    });
  };
}

describeOnSimdPaths('wasm FusedConv2D and Conv2D', () => {
  before(setUpBackends);

  for (const [i, c] of CASES.entries()) {
    test(`matches cpu: ${c.name} (${c.path})`, async () => {
      const { cpu, wasm } = await onBothBackends(forward(c, 100 + 10 * i));
      assert.ok(cpu.some((v) => v !== 0), 'the reference is not all zero');
      // Winograd's transforms add a few float32 roundings.
      assertClose(wasm, cpu, c.path === 'winograd' ? 1e-5 : 1e-6, c.name);
    });

    test(`takes the ${c.path} path: ${c.name}`, async () => {
      await use('wasm');
      tf.tidy(() => {
        const x = tf.zeros(c.x);
        const filter = tf.zeros(c.filter);
        const bias = c.activation === 'none' ? undefined : tf.zeros([c.filter[3]]);
        const attrs = {
          strides: c.strides ?? 1,
          pad: c.pad,
          dataFormat: 'NHWC' as const,
          dilations: c.dilations ?? 1,
          activation: c.activation === 'none' ? undefined : c.activation,
        };
        assert.equal(convPath({ x, filter, bias, attrs }), c.path);
        assert.equal(convPath({ x, filter, bias, attrs }, false), 'stock', 'no SIMD: stock');
      });
    });
  }

  test('ReLU clamps negatives to zero exactly as cpu (sign of zero included)', async () => {
    const c = CASES[0] as ForwardCase;
    const { cpu, wasm } = await onBothBackends(forward(c, 7));
    assert.ok(cpu.some((v) => v === 0) && cpu.some((v) => v > 0), 'the reference has clamped and positive values');
    for (let i = 0; i < cpu.length; i++) {
      if (cpu[i] === 0) assert.ok(Object.is(wasm[i], cpu[i]), `element ${i}: ${wasm[i]} vs ${cpu[i]}`);
    }
  });

  test('hand-derived 3x3 convolution of a 4x4 image (Winograd path)', async () => {
    // 8 channels of x: channel c of cell (r, k) is (r * 4 + k) when c = 0, else 0;
    // filter: every tap weighs 1 for (in 0 -> out o), so each output is the
    // 3x3 window's sum of r * 4 + k, plus o as bias.
    await use('wasm');
    const x = new Float32Array(4 * 4 * 8);
    for (let p = 0; p < 16; p++) x[p * 8] = p;
    const w = new Float32Array(9 * 8 * 16);
    for (let t = 0; t < 9; t++) for (let o = 0; o < 16; o++) w[t * 8 * 16 + o] = 1;
    const bias = Float32Array.from({ length: 16 }, (_, o) => o);
    const out = tf.tidy(() =>
      tf.fused.conv2d({ x: tf.tensor4d(x, [1, 4, 4, 8]), filter: tf.tensor4d(w, [3, 3, 8, 16]), strides: 1, pad: 'valid', bias: tf.tensor1d(bias) }),
    );
    try {
      assert.deepEqual(out.shape, [1, 2, 2, 16]);
      const values = out.dataSync();
      // Window sums: top-left 0+1+2+4+5+6+8+9+10 = 45, then +9 per column, +36 per row.
      const windows = [45, 54, 81, 90];
      for (let p = 0; p < 4; p++) {
        for (let o = 0; o < 16; o++) assert.equal(values[p * 16 + o], (windows[p] as number) + o, `pixel ${p}, channel ${o}`);
      }
    } finally {
      out.dispose();
    }
  });

  test('a new filter gets a new Winograd transform (no stale cache)', async () => {
    const c = CASES[11] as ForwardCase;
    for (const seed of [1, 2, 3]) {
      const { cpu, wasm } = await onBothBackends(forward(c, 900 + seed));
      assertClose(wasm, cpu, 1e-5, `filter seed ${seed}`);
    }
  });

  test('training through the fused convolution matches cpu (gradients of x, filter and bias)', async () => {
    const x = randomValues(4 * 9 * 9 * 8, 31);
    const w = randomValues(3 * 3 * 8 * 16, 32, -0.3, 0.3);
    const b = randomValues(16, 33);
    for (const wrt of [0, 1, 2]) {
      const compute = () => {
        const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.square(tf.fused.conv2d({ x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, strides: 1, pad: 'same', bias: bi, activation: 'relu' }))),
        )([tf.tensor4d(x, [4, 9, 9, 8]), tf.tensor4d(w, [3, 3, 8, 16]), tf.tensor1d(b)]);
        return grads[wrt] as tf.Tensor;
      };
      const { cpu, wasm } = await onBothBackends(compute);
      assertClose(wasm, cpu, 1e-4, `gradient ${wrt}`);
    }
  });

  test('leaves no tensors behind (engine or wasm heap)', async () => {
    for (const c of [CASES[0], CASES[2], CASES[9], CASES[12], CASES[15]] as ForwardCase[]) {
      await assertComputeLeavesNoTensors(forward(c, 1));
    }
  });
});
