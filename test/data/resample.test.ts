import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradcamError } from '../../src/errors.js';
import { resizeGrey } from '../../src/data/resample.js';

function assertClose(actual: Float32Array, expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs((actual[i] as number) - e) <= tolerance, `[${i}] ${actual[i]} != ${e}`));
}

describe('resizeGrey', () => {
  it('4x4 -> 2x2 is the mean of each 2x2 block', () => {
    // prettier-ignore
    const src = Float32Array.from([
      1, 2, 3, 4,
      5, 6, 7, 8,
      9, 10, 11, 12,
      13, 14, 15, 16,
    ]);
    assertClose(resizeGrey(src, 4, 4, 2, 2), [(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4, (9 + 10 + 13 + 14) / 4, (11 + 12 + 15 + 16) / 4]);
  });

  it('3 -> 2 weights partial pixels by coverage', () => {
    // Output 0 covers [0, 1.5): all of a, half of b; output 1 covers [1.5, 3): half of b, all of c.
    const [a, b, c] = [0.2, 0.6, 1];
    assertClose(resizeGrey(Float32Array.from([a, b, c]), 3, 1, 2, 1), [(a + b / 2) / 1.5, (b / 2 + c) / 1.5]);
    assertClose(resizeGrey(Float32Array.from([a, b, c]), 1, 3, 1, 2), [(a + b / 2) / 1.5, (b / 2 + c) / 1.5]);
  });

  it('2 -> 4 interpolates linearly between pixel centres, clamped at the edges', () => {
    // Sample positions (i + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamp to [0, 1].
    const [a, b] = [0.2, 1];
    assertClose(resizeGrey(Float32Array.from([a, b]), 2, 1, 4, 1), [a, 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b, b]);
  });

  it('same size is the identity', () => {
    const src = Float32Array.from({ length: 35 }, (_, i) => (i * 37) % 11 / 10);
    assertClose(resizeGrey(src, 7, 5, 7, 5), [...src]);
  });

  const sizes: [number, number, number, number][] = [
    [7, 5, 20, 3],
    [1000, 600, 20, 12],
    [3, 3, 20, 20],
    [1, 1, 4, 9],
    [13, 29, 20, 20],
  ];
  for (const [sw, sh, dw, dh] of sizes) {
    it(`a constant image stays constant: ${sw}x${sh} -> ${dw}x${dh}`, () => {
      const out = resizeGrey(new Float32Array(sw * sh).fill(0.7), sw, sh, dw, dh);
      assertClose(out, new Array<number>(dw * dh).fill(0.7), 1e-5);
    });
  }

  it('area averaging preserves the total ink (scaled by the area ratio)', () => {
    const [sw, sh, dw, dh] = [37, 23, 20, 11];
    const src = Float32Array.from({ length: sw * sh }, (_, i) => ((i * 7919) % 101) / 100);
    const out = resizeGrey(src, sw, sh, dw, dh);
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs((sum(out) * (sw * sh)) / (dw * dh) - sum(src)) < 1e-2);
  });

  const bad: [string, () => unknown, string][] = [
    ['zero width', () => resizeGrey(new Float32Array(0), 0, 1, 1, 1), 'resizeGrey: srcWidth must be a positive integer, got 0'],
    ['fractional target', () => resizeGrey(new Float32Array(1), 1, 1, 1.5, 1), 'resizeGrey: dstWidth must be a positive integer, got 1.5'],
    ['wrong length', () => resizeGrey(new Float32Array(5), 2, 2, 1, 1), 'resizeGrey: expected 2x2 = 4 values, got 5'],
  ];
  for (const [name, call, message] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(call, (err: unknown) => err instanceof GradcamError && err.message === message);
    });
  }
});
