/**
 * projectOnFirstComponent (power iteration on whichever Gram matrix is
 * smaller) against a brute-force Jacobi eigen-decomposition of XᵀX written in
 * the test helpers, and against a rank-1 case whose answer is known.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { projectOnFirstComponent } from '../../src/cam/principal-projection.js';
import { centred, gramOfColumns, maxAbsDiff, multiply, symmetricEigen, topEigenvector, uniform } from '../helpers/cam-reference.js';

function randomValues(seed: number, length: number): Float32Array {
  const next = uniform(seed, -1, 1);
  return Float32Array.from({ length }, next);
}

/** Xᵀp for X [positions, depth]. */
function transposeTimes(x: Float64Array, positions: number, depth: number, p: ArrayLike<number>): Float64Array {
  const out = new Float64Array(depth);
  for (let r = 0; r < positions; r++) for (let d = 0; d < depth; d++) out[d] = out[d]! + x[r * depth + d]! * p[r]!;
  return out;
}

function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! ** 2;
  return Math.sqrt(sum);
}

/**
 * Checks image n of a projection: p = ±X·v₁ (X centred, v₁ the Jacobi top
 * eigenvector of XᵀX), so Xᵀp ∝ v₁ and ‖p‖ = ‖X·v₁‖, the largest ‖X·v‖
 * over unit v; and the sign makes max p ≥ |min p|.
 */
function assertFirstComponent(values: Float32Array, projected: Float32Array, n: number, positions: number, depth: number): void {
  const x = centred(values, n, positions, depth);
  const gram = gramOfColumns(x, positions, depth);
  const { values: eigenvalues, vectors } = symmetricEigen(gram, depth);
  const v = topEigenvector(gram, depth);
  // The reference itself: G·v = λv for every Jacobi pair.
  for (let j = 0; j < depth; j++) {
    const column = Float64Array.from({ length: depth }, (_, i) => vectors[i * depth + j]!);
    const residual = maxAbsDiff(multiply(gram, depth, depth, column), column.map((c) => c * eigenvalues[j]!));
    assert.ok(residual < 1e-9 * Math.max(...eigenvalues), `Jacobi eigenpair ${j} residual ${residual}`);
  }
  const p = projected.subarray(n * positions, (n + 1) * positions);
  const xv = multiply(x, positions, depth, v);
  const scale = norm(xv);
  assert.ok(scale > 0);
  // ‖p‖ = ‖X v₁‖ = √λ₁ and Xᵀp is parallel to v₁.
  assert.ok(Math.abs(norm(p) - scale) < 1e-5 * scale, `‖p‖ ${norm(p)} vs ‖Xv₁‖ ${scale}`);
  const xtp = transposeTimes(x, positions, depth, p);
  let cosine = 0;
  for (let d = 0; d < depth; d++) cosine += xtp[d]! * v[d]!;
  cosine /= norm(xtp);
  assert.ok(Math.abs(Math.abs(cosine) - 1) < 1e-6, `Xᵀp is not parallel to v₁ (cosine ${cosine})`);
  // The sign rule, and the values themselves up to it.
  assert.ok(Math.max(0, ...p) >= Math.abs(Math.min(0, ...p)), 'the strongest response is positive');
  const sign = Math.sign(cosine);
  const diff = maxAbsDiff(p, xv.map((value) => sign * value));
  assert.ok(diff < 1e-5 * Math.max(...xv.map(Math.abs)), `projection differs from ±Xv₁ by ${diff}`);
}

describe('projectOnFirstComponent', () => {
  // X_pd = a_p·b_d + m_d: centring removes m, and X − mean = (a − ā) bᵀ, whose
  // projection on b/‖b‖ is (a − ā)‖b‖ (in these cases its maximum outweighs
  // its minimum, so the sign rule keeps it).
  const rankOne: [string, number[], number[]][] = [
    ['6 positions × 3 channels (the XᵀX branch)', [3, 0, 1, 0, 1, 0], [1, -2, 2]],
    ['3 positions × 6 channels (the XXᵀ branch)', [4, 0, 1], [1, -1, 2, 0, 0.5, -3]],
  ];
  for (const [name, a, b] of rankOne) {
    it(`rank 1 plus a per-channel offset, ${name}: the centred position factor times the channel factor's length`, () => {
      const values = Float32Array.from(a.flatMap((ap) => b.map((bd, d) => ap * bd + 0.5 * d - 1)));
      const mean = a.reduce((s, v) => s + v, 0) / a.length;
      const length = Math.hypot(...b);
      const expected = a.map((ap) => (ap - mean) * length);
      const result = projectOnFirstComponent(values, 1, a.length, b.length);
      assert.ok(maxAbsDiff(result, expected) < 1e-5, `${Array.from(result)} vs ${expected}`);
    });
  }

  const cases: [string, number, number, number][] = [
    ['121 positions × 64 channels (the XᵀX branch), 2 images', 121, 64, 2],
    ['16 positions × 40 channels (the XXᵀ branch), 2 images', 16, 40, 2],
    ['9 positions × 9 channels', 9, 9, 1],
  ];
  for (const [name, positions, depth, count] of cases) {
    it(`random ${name}: the projection on the top eigenvector of a Jacobi decomposition`, () => {
      const values = randomValues(positions * 1000 + depth, count * positions * depth);
      const projected = projectOnFirstComponent(values, count, positions, depth);
      assert.equal(projected.length, count * positions);
      for (let n = 0; n < count; n++) assertFirstComponent(values, projected, n, positions, depth);
    });
  }

  it('the sign rule: negating the input leaves the map unchanged, and flips a map whose minimum dominates', () => {
    for (const [positions, depth] of [
      [25, 8],
      [8, 25],
    ] as const) {
      const values = randomValues(7 * positions + depth, positions * depth);
      const negated = values.map((v) => -v);
      assert.ok(maxAbsDiff(projectOnFirstComponent(values, 1, positions, depth), projectOnFirstComponent(negated, 1, positions, depth)) < 1e-5);
    }
    // One channel, positions (0, 0, 0, −4) centred to (1, 1, 1, −3): the
    // component is ±that; the dominant −3 is flipped to +3.
    assert.ok(maxAbsDiff(projectOnFirstComponent(Float32Array.from([0, 0, 0, -4]), 1, 4, 1), [-1, -1, -1, 3]) < 1e-6);
  });

  it('constant feature maps (every position alike) give a zero map, in both branches, not NaN', () => {
    for (const [positions, depth] of [
      [10, 3],
      [3, 10],
    ] as const) {
      const values = Float32Array.from({ length: 2 * positions * depth }, (_, i) => (i % depth) * 0.5 - 1);
      assert.deepEqual(Array.from(projectOnFirstComponent(values, 2, positions, depth)), new Array(2 * positions).fill(0));
    }
  });
});
