/**
 * Shared set-up for the wasm kernel tests: both backends loaded, gradients
 * registered, our kernels registered, and helpers that run the same
 * computation on 'cpu' (the reference) and on 'wasm'.
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's node bundle registers no gradients; tfjs-layers' bundle
// registers them all (it carries tfjs-core's register_all_gradients).
import '@tensorflow/tfjs-layers';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../../src/backend/kernels/register-wasm-kernels.js';
import { setRelaxedSimdEnabled } from '../../../src/backend/kernels/wasm-simd.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

export type TestBackend = 'cpu' | 'wasm';

/** Registers our wasm kernels and initialises both backends (wasm left active). */
export async function setUpBackends(): Promise<void> {
  // Silences tfjs's console warnings (the cpu backend's tfjs-node banner).
  tf.env().set('IS_TEST', true);
  registerWasmKernels();
  await tf.setBackend('cpu');
  await tf.setBackend('wasm');
}

/** The two builds of the SIMD kernels (issue 14): relaxed SIMD's fused multiply-add where available, and mul + add. */
export const SIMD_PATHS = [
  { name: 'relaxed SIMD', relaxed: true },
  { name: 'mul + add', relaxed: false },
] as const;

/**
 * `describe(name, body)` once per SIMD path, "(relaxed SIMD)" or
 * "(mul + add)" appended to the name; the default (relaxed SIMD) is restored
 * after each.
 */
export function describeOnSimdPaths(name: string, body: () => void): void {
  for (const path of SIMD_PATHS) {
    describe(`${name} (${path.name})`, () => {
      before(() => setRelaxedSimdEnabled(path.relaxed));
      after(() => setRelaxedSimdEnabled(true));
      body();
    });
  }
}

/** Makes `backend` the active tfjs backend (a no-op when it already is). */
export async function use(backend: TestBackend): Promise<void> {
  if (tf.getBackend() !== backend) await tf.setBackend(backend);
}

export function wasmBackend(): BackendWasm {
  assert.equal(tf.getBackend(), 'wasm');
  return tf.backend() as BackendWasm;
}

/** Deterministic values in [min, max) (mulberry32), independent of any tfjs RNG. */
export function randomValues(size: number, seed: number, min = -1, max = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = min + (max - min) * u;
  }
  return out;
}

/** Deterministic small integers in [0, levels): many ties, many zeros. */
export function tieValues(size: number, seed: number, levels: number, offset = 0): Float32Array {
  return randomValues(size, seed, 0, levels).map((v) => Math.floor(v) + offset);
}

export function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Runs `compute` inside tf.tidy on `backend` and returns its values; the
 * result tensor is disposed.
 */
export async function runOn(backend: TestBackend, compute: () => tf.Tensor): Promise<Float32Array> {
  await use(backend);
  const result = tf.tidy(compute);
  try {
    const values = await result.data();
    return Float32Array.from(values);
  } finally {
    result.dispose();
  }
}

/** Runs `compute` on cpu then wasm: { cpu, wasm } values. */
export async function onBothBackends(compute: () => tf.Tensor): Promise<{ cpu: Float32Array; wasm: Float32Array }> {
  const cpu = await runOn('cpu', compute);
  const wasm = await runOn('wasm', compute);
  return { cpu, wasm };
}

/**
 * |actual - expected| <= rtol * max|expected| (+ a floor for all-zero
 * references), element-wise; non-finite expected values (NaN, +-Inf) must be
 * matched exactly.
 */
export function assertClose(actual: Float32Array, expected: Float32Array, rtol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const scale = expected.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 1e-6);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const ok = Number.isFinite(e) ? Math.abs(a - e) <= rtol * scale : Object.is(a, e);
    if (!ok) {
      assert.fail(`${label}: element ${i} is ${a}, expected ${e} (rtol ${rtol} of max |expected| ${scale})`);
    }
  }
}

/**
 * Values shaped like a training gradient: rows of `rowLength` values, a
 * fraction `zeroRows` of the rows entirely zero, and a fraction `zeros` of
 * the remaining values zero (the rest uniform in [-1, 1)). Deterministic.
 */
export function sparseValues(size: number, seed: number, rowLength: number, zeroRows: number, zeros: number): Float32Array {
  const values = randomValues(size, seed);
  const draws = randomValues(size + Math.ceil(size / rowLength), seed + 7919, 0, 1);
  for (let r = 0; r * rowLength < size; r++) {
    const zeroRow = (draws[size + r] as number) < zeroRows;
    for (let i = r * rowLength; i < (r + 1) * rowLength && i < size; i++) {
      if (zeroRow || (draws[i] as number) < zeros) values[i] = 0;
    }
  }
  return values;
}

/** Bit-for-bit equality (so -0 vs +0 and NaN payloads count). */
export function assertBitsEqual(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

/**
 * Runs `compute` once on wasm inside tf.tidy as a warm-up (kernels' first-call
 * set-up may allocate for good), then asserts a second run leaves nothing
 * behind, neither in the engine nor on the wasm heap (assertNoTensorLeak).
 */
export async function assertComputeLeavesNoTensors(compute: () => tf.Tensor): Promise<void> {
  await use('wasm');
  await assertNoTensorLeak(
    () => {
      tf.tidy(() => {
        compute();
      });
    },
    { warmUp: true },
  );
}
