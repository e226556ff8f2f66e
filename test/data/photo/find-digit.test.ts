import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradcamError } from '../../../src/errors.js';
import { toMnistForm } from '../../../src/data/mnist-preprocess.js';

/** A white width×height page with dark rectangles [x, y, w, h] (ink 0). */
function page(width: number, height: number, rects: readonly [number, number, number, number][], paper = 0.95): Float32Array {
  const img = new Float32Array(width * height).fill(paper);
  for (const [x0, y0, w, h] of rects) for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) img[y * width + x] = 0.05;
  return img;
}

/** The four sides of a frame, `t` px thick. */
function frame(x: number, y: number, w: number, h: number, t: number): [number, number, number, number][] {
  return [[x, y, w, t], [x, y + h - t, w, t], [x, y, t, h], [x + w - t, y, t, h]];
}

const BAR: [number, number, number, number] = [140, 70, 14, 60];

describe('finding the digit in a picture', () => {
  it('a frame around the digit is left out (the crop is the digit)', () => {
    const { steps } = toMnistForm(page(300, 200, [...frame(90, 30, 120, 140, 3), BAR]), 300, 200);
    assert.equal(steps.search?.removed.frames, 1);
    assert.deepEqual(steps.inkBox, { x: 140, y: 70, width: 14, height: 60 });
  });
  it('a dark page edge along the picture\'s side is left out', () => {
    const { steps } = toMnistForm(page(300, 200, [[0, 0, 12, 200], BAR]), 300, 200);
    assert.equal(steps.search!.removed.border + steps.search!.lines.vertical > 0, true);
    assert.deepEqual(steps.inkBox, { x: 140, y: 70, width: 14, height: 60 });
  });
  it('ruled lines across the digit are erased, the digit kept whole', () => {
    const lines: [number, number, number, number][] = [40, 80, 120, 160].map((y) => [0, y, 300, 2]);
    const { steps } = toMnistForm(page(300, 200, [...lines, BAR]), 300, 200);
    assert.equal(steps.search?.lines.horizontal, 4);
    assert.deepEqual(steps.inkBox, { x: 140, y: 70, width: 14, height: 60 });
  });
  it('a digit in two strokes is one digit; a second digit far away is noted', () => {
    const four = toMnistForm(page(300, 200, [BAR, [120, 70, 12, 30]]), 300, 200);
    assert.equal(four.steps.search?.digitParts, 2);
    assert.equal(four.steps.search?.otherDigits, 0);
    const two = toMnistForm(page(400, 200, [[60, 70, 14, 60], [320, 70, 14, 60]]), 400, 200);
    assert.equal(two.steps.search?.digitParts, 1);
    assert.equal(two.steps.search?.otherDigits, 1);
  });

  it('a dark wedge lying along the picture\'s edge (the desk beside a photographed sheet) is not the digit, though larger', () => {
    const w = 300;
    const h = 200;
    const grey = page(w, h, [BAR]);
    for (let y = 0; y < 45; y++) for (let x = 0; x < 160 - (160 * y) / 45; x++) grey[y * w + x] = 0.1; // a triangle along the top, larger than the bar
    const { steps } = toMnistForm(grey, w, h);
    assert.deepEqual(steps.inkBox, { x: 140, y: 70, width: 14, height: 60 });
    assert.ok(steps.search!.removed.border >= 1);
  });
  it('a faint band (a soft shadow\'s edge) and a thin diagonal line beside the digit are left out', () => {
    const w = 300;
    const h = 200;
    const grey = page(w, h, [BAR]);
    for (let y = 30; y < 150; y++) for (let x = 30; x < 40; x++) grey[y * w + x] = 0.95 * 0.7; // ink 0.3: above the seed threshold, too faint for writing
    for (let t = 0; t < 120; t++) for (let k = 0; k < 2; k++) grey[(40 + t) * w + 200 + Math.round(t * 0.6) + k] = 0.05; // 30° off vertical
    const { steps } = toMnistForm(grey, w, h);
    assert.deepEqual(steps.inkBox, { x: 140, y: 70, width: 14, height: 60 });
    assert.equal(steps.search!.removed.faint, 1);
    assert.equal(steps.search!.removed.lineFragments, 1);
  });

  it('a digit cropped tightly (touching the top edge, filling the height) is still the digit', () => {
    const { steps } = toMnistForm(page(60, 80, [[20, 0, 14, 64]]), 60, 80);
    assert.deepEqual(steps.inkBox, { x: 20, y: 0, width: 14, height: 64 });
  });
  it('a small dark patch in a corner (a vignette\'s corner) is not the digit beside one', () => {
    const { steps } = toMnistForm(page(300, 200, [BAR, [0, 180, 25, 20]]), 300, 200);
    assert.deepEqual(steps.inkBox, { x: 140, y: 70, width: 14, height: 60 });
    assert.equal(steps.search!.removed.border, 1);
  });

  const refusals: { name: string; grey: () => Float32Array; width: number; height: number; message: RegExp }[] = [
    { name: 'a 1-pixel speck on white', grey: () => page(300, 200, [[150, 100, 1, 1]]), width: 300, height: 200, message: /no digit found: only a speck$/ },
    { name: 'a few specks', grey: () => page(300, 200, [[50, 50, 2, 2], [200, 120, 3, 2], [90, 160, 1, 3]]), width: 300, height: 200, message: /no digit found: only 3 specks$/ },
    {
      name: 'ruled paper without writing',
      grey: () => page(300, 200, [30, 70, 110, 150, 190].map((y) => [0, y, 300, 2] as [number, number, number, number])),
      width: 300,
      height: 200,
      message: /no digit found: no ink besides straight lines$/,
    },
    { name: 'an empty frame', grey: () => page(300, 200, frame(60, 30, 180, 140, 3)), width: 300, height: 200, message: /no digit found: (only a frame|no ink besides straight lines)$/ },
    {
      name: 'a mark barely darker than the paper',
      grey: () => page(300, 200, [[100, 50, 20, 80]], 0.95).map((v) => (v < 0.5 ? 0.95 * 0.89 : v)),
      width: 300,
      height: 200,
      message: /no digit found: only faint marks$/,
    },
    // Issue 11 corpus: a vignette's dark corner and a soft shadow's inner edge were read as a 1 and a 4.
    { name: 'a small dark patch in a corner', grey: () => page(300, 200, [[0, 180, 25, 20]]), width: 300, height: 200, message: /no digit found: only ink along the picture's edge$/ },
    {
      name: 'a band curving into the bottom-right corner (a soft shadow\'s inner edge), far narrower than the picture',
      grey: () => {
        const grey = page(300, 200, []);
        // 6 px wide, from (280, 60) into the corner (299, 199): elongated, so set aside as border ink.
        for (let t = 0; t < 140; t++) for (let k = 0; k < 6; k++) grey[(60 + t) * 300 + 280 + Math.round(t * 0.1) + k] = 0.05;
        return grey;
      },
      width: 300,
      height: 200,
      message: /no digit found: only ink along the picture's edge$/,
    },
    // Issue 11: a 20000×20 picture with a clear line was called "blank" (it was shrunk before the ink check).
    { name: 'a 20000×20 strip with one line', grey: () => page(20000, 20, [[0, 9, 20000, 2]]), width: 20000, height: 20, message: /no digit found: no ink besides straight lines$/ },
  ];
  for (const { name, grey, width, height, message } of refusals) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => toMnistForm(grey(), width, height, { source: 'p.png' }),
        (err: unknown) => err instanceof GradcamError && message.test(err.message) && err.message.startsWith('p.png: '),
      );
    });
  }
});
