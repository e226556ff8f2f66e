import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { distanceToUnset } from '../../../src/data/photo/distance-transform.js';
import { HEAVY_STROKE_WIDTH, MNIST_STROKE_WIDTH, medianStrokeWidth, normaliseStrokes, STROKE_WORK_SIDE } from '../../../src/data/photo/stroke-width.js';

/** A deterministic generator, so a failure reproduces. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Distance to the nearest unset pixel by trying every pixel, the outside counting as unset (the definition). */
function bruteDistance(mask: Uint8Array, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] !== 1) continue;
      // The outside: one step past the nearest edge.
      let best = Math.min(x + 1, y + 1, width - x, height - y) ** 2;
      for (let v = 0; v < height; v++) for (let u = 0; u < width; u++) if (mask[v * width + u] !== 1) best = Math.min(best, (u - x) ** 2 + (v - y) ** 2);
      out[y * width + x] = Math.sqrt(best);
    }
  }
  return out;
}

/** A mask with a straight bar `thickness` pixels wide, of `length`, horizontal, centred. */
function bar(width: number, height: number, thickness: number, length: number): Uint8Array {
  const y0 = Math.floor((height - thickness) / 2);
  const x0 = Math.floor((width - length) / 2);
  return Uint8Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    return y >= y0 && y < y0 + thickness && x >= x0 && x < x0 + length ? 1 : 0;
  });
}

describe('distanceToUnset (exact Euclidean distance transform)', () => {
  it('equals the brute-force distance on random masks, blobs and a full mask', () => {
    const random = lcg(11);
    for (const [w, h, density] of [[17, 13, 0.5], [23, 9, 0.85], [8, 31, 0.97], [12, 12, 1]] as const) {
      const mask = Uint8Array.from({ length: w * h }, () => (random() < density ? 1 : 0));
      const fast = distanceToUnset(mask, w, h);
      const slow = bruteDistance(mask, w, h);
      for (let i = 0; i < mask.length; i++) assert.ok(Math.abs(fast[i]! - slow[i]!) < 1e-5, `${w}x${h} pixel ${i}: ${fast[i]} vs ${slow[i]}`);
    }
  });
  it('is 0 on unset pixels and 1 on a lone pixel', () => {
    const mask = new Uint8Array(25);
    mask[12] = 1;
    const d = distanceToUnset(mask, 5, 5);
    assert.equal(d[12], 1);
    assert.equal(d.reduce((s, v) => s + v, 0), 1);
  });
});

describe('medianStrokeWidth', () => {
  it('reads an odd-width bar exactly and an even one within a pixel', () => {
    for (const t of [1, 3, 5, 7, 9]) assert.equal(medianStrokeWidth(bar(80, 40, t, 60), 80, 40), t, `width ${t}`);
    for (const t of [4, 8]) {
      const got = medianStrokeWidth(bar(80, 40, t, 60), 80, 40);
      assert.ok(Math.abs(got - t) <= 1, `width ${t}: ${got}`);
    }
  });
  it('is 0 for an empty mask', () => assert.equal(medianStrokeWidth(new Uint8Array(100), 10, 10), 0));
});

describe('normaliseStrokes', () => {
  /** An "L" of strokes `t` pixels wide in a side×side crop, ink 1. */
  function letterL(side: number, t: number): Float32Array {
    return Float32Array.from({ length: side * side }, (_, i) => {
      const x = i % side;
      const y = Math.floor(i / side);
      return x < t || y >= side - t ? 1 : 0;
    });
  }
  it('redraws heavy strokes at about MNIST\'s median width and keeps the shape', () => {
    const side = STROKE_WORK_SIDE;
    const heavy = Math.round(0.2 * side);
    const { ink, width, height, report } = normaliseStrokes(letterL(side, heavy), side, side);
    assert.equal(report.thinned, true);
    assert.ok(Math.abs(report.width - heavy / side) < 1.5 / side, `measured ${report.width}`);
    const mask = Uint8Array.from(ink, (v) => (v >= 0.5 ? 1 : 0));
    const after = medianStrokeWidth(mask, width, height) / Math.max(width, height);
    assert.ok(Math.abs(after - MNIST_STROKE_WIDTH) < 2 / side, `after ${after}, target ${MNIST_STROKE_WIDTH}`);
    // Still an L: the corner and both arms' ends are ink, the opposite corner is paper.
    const at = (x: number, y: number) => mask[y * width + x]!;
    let left = 0;
    let bottom = 0;
    for (let y = 0; y < height; y++) left += at(Math.floor(width * 0.1), y);
    for (let x = 0; x < width; x++) bottom += at(x, height - 1 - Math.floor(height * 0.1));
    assert.ok(left > 0.8 * height && bottom > 0.8 * width, `arms ${left}/${height}, ${bottom}/${width}`);
    assert.equal(at(width - 1, 0), 0);
  });
  it('leaves strokes no heavier than HEAVY_STROKE_WIDTH alone (the same array)', () => {
    const side = 120;
    const thin = Math.floor(HEAVY_STROKE_WIDTH * side * 0.8);
    const input = letterL(side, thin);
    const out = normaliseStrokes(input, side, side);
    assert.equal(out.report.thinned, false);
    assert.equal(out.ink, input);
    assert.deepEqual([out.width, out.height], [side, side]);
  });
  it('reports width 0 and changes nothing on a blank crop', () => {
    const input = new Float32Array(400);
    const out = normaliseStrokes(input, 20, 20);
    assert.deepEqual(out.report, { width: 0, thinned: false });
    assert.equal(out.ink, input);
  });
});
