import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateBackground, localMedian } from '../../../src/data/photo/background.js';
import { labelComponents } from '../../../src/data/photo/connected-components.js';
import { choosePolarity, inkMap } from '../../../src/data/photo/ink-map.js';
import { otsuThreshold } from '../../../src/data/photo/otsu.js';
import { removeStraightLines } from '../../../src/data/photo/straight-lines.js';

function plane(width: number, height: number, value: (x: number, y: number) => number): Float32Array {
  return Float32Array.from({ length: width * height }, (_, i) => value(i % width, Math.floor(i / width)));
}

describe('otsuThreshold', () => {
  it('splits two levels between them', () => {
    const values = Float32Array.from([0.1, 0.1, 0.1, 0.1, 0.8, 0.8]);
    const t = otsuThreshold(values, 1);
    assert.ok(t > 0.1 && t <= 0.8, `threshold ${t}`);
  });
  it('maximises the between-class variance (checked against a brute-force search)', () => {
    const values = Float32Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) / 500 < 0.7 ? 0.05 + ((i * 31) % 17) / 200 : 0.6 + ((i * 13) % 23) / 100);
    const t = otsuThreshold(values, 1);
    const variance = (th: number) => {
      const lo = [...values].filter((v) => v < th);
      const hi = [...values].filter((v) => v >= th);
      if (lo.length === 0 || hi.length === 0) return 0;
      const m = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      return lo.length * hi.length * (m(lo) - m(hi)) ** 2;
    };
    let best = 0;
    for (let k = 1; k < 256; k++) best = Math.max(best, variance(k / 256));
    assert.ok(variance(t) >= best - 1e-9, `${variance(t)} < ${best}`);
  });
});

describe('labelComponents', () => {
  it('joins diagonal neighbours (8-connectivity), sums ink, notes the edges touched', () => {
    // 5x4:  1 . . . .
    //       . 1 . . 1
    //       . . . . 1
    //       . . . . 1
    const mask = Uint8Array.from([1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const ink = new Float32Array(20).fill(0.5);
    const { labels, components } = labelComponents(mask, ink, 5, 4);
    assert.equal(components.length, 2);
    const [a, b] = components as [NonNullable<(typeof components)[0]>, NonNullable<(typeof components)[0]>];
    assert.deepEqual([a.area, a.minX, a.minY, a.maxX, a.maxY, a.mass], [2, 0, 0, 1, 1, 1]);
    assert.deepEqual(a.touches, { left: true, top: true, right: false, bottom: false });
    assert.deepEqual([b.area, b.minX, b.maxY], [3, 4, 3]);
    assert.deepEqual(b.touches, { left: false, top: false, right: true, bottom: true });
    assert.equal(labels[6], a.label);
    assert.equal(labels[2], 0);
  });
});

describe('background', () => {
  it('a uniform plane is its own background, both ways', () => {
    const flat = plane(90, 70, () => 0.7);
    for (const polarity of ['dark-ink', 'light-ink'] as const) {
      const b = estimateBackground(flat, 90, 70, polarity);
      assert.ok(b.every((v) => Math.abs(v - 0.7) < 1e-6), polarity);
    }
    assert.ok(localMedian(flat, 90, 70).every((v) => Math.abs(v - 0.7) < 1e-6));
  });
  it('a dark stroke on a lighting gradient: the closing sees the gradient, not the stroke', () => {
    const w = 256;
    const light = (x: number) => 0.5 + 0.4 * (x / (w - 1));
    const img = plane(w, w, (x, y) => (x >= 120 && x < 130 && y >= 60 && y < 200 ? 0.1 : light(x)));
    const b = estimateBackground(img, w, w, 'dark-ink');
    for (const [x, y] of [[125, 128], [20, 20], [240, 128]] as const) {
      assert.ok(Math.abs(b[y * w + x]! - light(x)) < 0.05, `(${x}, ${y}): ${b[y * w + x]} vs ${light(x)}`);
    }
  });
});

describe('ink map', () => {
  it('decides the polarity: dark strokes on paper, light strokes on a board', () => {
    const w = 200;
    const stroke = (x: number, y: number) => Math.abs(x - 100) < 6 && y > 40 && y < 160;
    assert.equal(choosePolarity(plane(w, w, (x, y) => (stroke(x, y) ? 0.1 : 0.9)), w, w), 'dark-ink');
    assert.equal(choosePolarity(plane(w, w, (x, y) => (stroke(x, y) ? 0.9 : 0.2)), w, w), 'light-ink');
    // A thin 0 (ring): its hole is paper, not a light stroke.
    const ring = (x: number, y: number) => Math.abs(Math.hypot(x - 100, (y - 100) / 1.4) - 50) < 3;
    assert.equal(choosePolarity(plane(w, w, (x, y) => (ring(x, y) ? 0.1 : 0.9)), w, w), 'dark-ink');
  });
  it('a stroke in a shadow keeps its ink level (the background is divided out)', () => {
    const w = 240;
    // Paper 0.9, ink 0.2 of the paper's brightness; the right half lies in a soft shadow (light x0.5).
    const lightAt = (x: number) => 1 - 0.5 / (1 + Math.exp(-(x - 120) / 8));
    const stroke = (x: number, y: number) => (Math.abs(x - 50) < 5 || Math.abs(x - 190) < 5) && y > 60 && y < 180;
    const img = plane(w, w, (x, y) => lightAt(x) * (stroke(x, y) ? 0.18 : 0.9));
    const { ink } = inkMap({ planes: [img], width: w, height: w }, 'dark-ink');
    const lit = ink[120 * w + 50]!;
    const shaded = ink[120 * w + 190]!;
    assert.ok(Math.abs(lit - 0.8) < 0.05 && Math.abs(shaded - 0.8) < 0.05, `lit ${lit}, shaded ${shaded}`);
    assert.ok(ink[120 * w + 120]! < 0.1, `paper at the shadow's edge ${ink[120 * w + 120]}`);
  });
});

describe('removeStraightLines', () => {
  it('erases ruled lines (tilted 2°) but keeps the stroke that crosses them', () => {
    const w = 400;
    const h = 300;
    const slope = Math.tan((2 * Math.PI) / 180);
    const onLine = (x: number, y: number) => [50, 110, 170, 230].some((y0) => Math.abs(y - (y0 + x * slope)) < 1.5);
    const onStroke = (x: number, y: number) => Math.abs(x - 200) < 5 && y > 40 && y < 260;
    const mask = Uint8Array.from({ length: w * h }, (_, i) => (onLine(i % w, Math.floor(i / w)) || onStroke(i % w, Math.floor(i / w)) ? 1 : 0));
    const { mask: cleaned, lines } = removeStraightLines(mask, w, h);
    assert.equal(lines.horizontal, 4);
    assert.equal(lines.vertical, 0);
    let lineLeft = 0;
    let strokeKept = 0;
    let strokeTotal = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        if (onStroke(x, y)) {
          strokeTotal++;
          strokeKept += cleaned[i]!;
        } else if (onLine(x, y)) lineLeft += cleaned[i]!;
      }
    }
    assert.equal(lineLeft, 0);
    assert.equal(strokeKept, strokeTotal);
  });
  it('a "1" as tall as 70% of the picture is not a line', () => {
    const w = 300;
    const mask = Uint8Array.from({ length: w * w }, (_, i) => (Math.abs((i % w) - 150) < 4 && Math.abs(Math.floor(i / w) - 150) < 105 ? 1 : 0));
    const { lines, removedPixels } = removeStraightLines(mask, w, w);
    assert.deepEqual(lines, { horizontal: 0, vertical: 0 });
    assert.equal(removedPixels, 0);
  });
});

describe('removeStraightLines: strokes that look like lines', () => {
  const paint = (w: number, h: number, on: (x: number, y: number) => boolean) => Uint8Array.from({ length: w * h }, (_, i) => (on(i % w, Math.floor(i / w)) ? 1 : 0));
  it('keeps a thick stroke filling a tightly cropped picture (MNIST framing), erases a thin ruled line', () => {
    // A "1" 10% of the side thick, running 86% of the height but stopping short of both edges.
    const w = 280;
    const stroke = (x: number, y: number) => Math.abs(x - 140) < 14 && y >= 20 && y < 260;
    const { removedPixels, lines } = removeStraightLines(paint(w, w, stroke), w, w);
    assert.equal(removedPixels, 0);
    assert.deepEqual(lines, { horizontal: 0, vertical: 0 });
    // The same picture with a 2-px line across it, edge to edge: the line goes, the stroke stays.
    const ruled = (_x: number, y: number) => Math.abs(y - 200) < 1;
    const mask = paint(w, w, (x, y) => stroke(x, y) || ruled(x, y));
    const { mask: cleaned, lines: found } = removeStraightLines(mask, w, w);
    assert.equal(found.horizontal, 1);
    let strokeLost = 0;
    let lineLeft = 0;
    for (let i = 0; i < mask.length; i++) {
      const x = i % w;
      const y = Math.floor(i / w);
      if (stroke(x, y)) strokeLost += 1 - cleaned[i]!;
      else if (ruled(x, y)) lineLeft += cleaned[i]!;
    }
    assert.equal(strokeLost, 0);
    assert.equal(lineLeft, 0);
  });
  it('a 1\'s stem lying along a graph-paper line survives the line', () => {
    const w = 300;
    const gridX = [30, 90, 150, 210, 270];
    const grid = (x: number, y: number) => gridX.some((g) => Math.abs(x - g) < 1) || gridX.some((g) => Math.abs(y - g) < 1);
    // A stem 8 px thick, centred on the grid line x = 150, 60% of the height.
    const stem = (x: number, y: number) => Math.abs(x - 150) < 4 && y >= 60 && y < 240;
    const mask = paint(w, w, (x, y) => grid(x, y) || stem(x, y));
    const { mask: cleaned, lines } = removeStraightLines(mask, w, w);
    assert.deepEqual(lines, { horizontal: 5, vertical: 5 });
    let stemKept = 0;
    let stemTotal = 0;
    for (let i = 0; i < mask.length; i++) {
      if (!stem(i % w, Math.floor(i / w))) continue;
      stemTotal++;
      stemKept += cleaned[i]!;
    }
    assert.ok(stemKept > 0.9 * stemTotal, `stem kept ${stemKept}/${stemTotal}`);
  });
});
