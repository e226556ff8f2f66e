import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradcamError } from '../../src/errors.js';
import { toMnistForm } from '../../src/data/mnist-preprocess.js';

/** A width x height image filled with `value`. */
function canvas(width: number, height: number, value: number): Float32Array {
  return new Float32Array(width * height).fill(value);
}

function fillRect(img: Float32Array, width: number, x: number, y: number, w: number, h: number, value: number): Float32Array {
  for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) img[yy * width + xx] = value;
  return img;
}

/** Centre of mass in pixel-index coordinates, computed here independently of the code under test. */
function com(pixels: Float32Array, width = 28): { x: number; y: number } {
  let m = 0;
  let sx = 0;
  let sy = 0;
  pixels.forEach((v, i) => {
    m += v;
    sx += v * (i % width);
    sy += v * Math.floor(i / width);
  });
  return { x: sx / m, y: sy / m };
}

/** Bounding box of the non-zero pixels of a 28x28 image. */
function nonZeroBox(pixels: Float32Array): { x: number; y: number; width: number; height: number } {
  let [x0, y0, x1, y1] = [28, 28, -1, -1];
  pixels.forEach((v, i) => {
    if (v > 1e-6) {
      const [x, y] = [i % 28, Math.floor(i / 28)];
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  });
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function sum(a: Float32Array): number {
  return a.reduce((s, v) => s + v, 0);
}

/**
 * The expected output for a solid 10x40 bar (any size multiple works): the bar scales to 5x20 and
 * every output pixel averages a 2x2 block of full ink, so it is exactly 1. The scaled bar's centre
 * of mass is (2, 9.5) in its own frame, so it is placed at x = round(14 - 2) = 12,
 * y = round(14 - 9.5) = round(4.5) = 5: ones in rows 5..24, columns 12..16.
 */
/**
 * The 4×40 bar at 28×28: 2×20, its centre of mass (0.5, 9.5) in the box
 * shifted to (14, 14) rounds to offset (14, 5). Bars in these tests are at
 * most a tenth as wide as they are long, so stroke normalisation (heavier
 * strokes are thinned, see stroke-width.ts) leaves them as they are.
 */
function expectedBar(): Float32Array {
  return fillRect(canvas(28, 28, 0), 28, 14, 5, 2, 20, 1);
}

function assertPixelsClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  actual.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (expected[i] as number)))));
  assert.ok(worst <= tolerance, `max abs difference ${worst} > ${tolerance}`);
}

describe('toMnistForm', () => {
  it('dark bar on a light background: inverted, cropped, fitted to 20 px, centred', () => {
    const grey = fillRect(canvas(100, 100, 1), 100, 30, 20, 4, 40, 0);
    const { pixels, steps } = toMnistForm(grey, 100, 100);
    assert.equal(steps.inverted, true);
    assert.equal(steps.usedAsIs, false);
    assert.equal(steps.background, 1);
    assert.deepEqual(steps.inkBox, { x: 30, y: 20, width: 4, height: 40 });
    assert.deepEqual(steps.scaledSize, { width: 2, height: 20 });
    assert.deepEqual(steps.offset, { x: 14, y: 5 });
    assert.deepEqual(steps.strokes, { width: 0.0875, thinned: false });
    assertPixelsClose(pixels, expectedBar());
    const c = com(pixels);
    assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `centre of mass ${c.x}, ${c.y}`);
    assert.deepEqual(steps.centreOfMass, c);
  });

  it('mid-grey ink on a grey background is stretched to [0, 1]', () => {
    const grey = fillRect(canvas(100, 100, 0.8), 100, 30, 20, 4, 40, 0.3);
    const { pixels, steps } = toMnistForm(grey, 100, 100);
    assert.equal(steps.inverted, true);
    assert.ok(Math.abs(steps.background - 0.8) < 1e-6);
    assertPixelsClose(pixels, expectedBar(), 1e-5);
  });

  it('faint noise below the ink threshold does not widen the crop', () => {
    const grey = fillRect(canvas(100, 100, 1), 100, 30, 20, 4, 40, 0);
    grey[90 * 100 + 80] = 0.9; // ink level 0.1 after inversion and stretching
    const { steps } = toMnistForm(grey, 100, 100);
    assert.deepEqual(steps.inkBox, { x: 30, y: 20, width: 4, height: 40 });
  });

  it('off-centre L shape: centre of mass ends at (14, 14) within 0.5 px, ink mass kept', () => {
    // White L in the top-left corner of a black 60x60 image: a 4x40 bar plus a 16x4 foot.
    const grey = canvas(60, 60, 0);
    fillRect(grey, 60, 2, 2, 4, 40, 1);
    fillRect(grey, 60, 6, 38, 16, 4, 1);
    const { pixels, steps } = toMnistForm(grey, 60, 60);
    assert.equal(steps.inverted, false);
    assert.deepEqual(steps.inkBox, { x: 2, y: 2, width: 20, height: 40 });
    assert.deepEqual(steps.scaledSize, { width: 10, height: 20 });
    const c = com(pixels);
    assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `centre of mass ${c.x}, ${c.y}`);
    // Scale 1/2 per axis: the ink area (4*40 + 16*4 = 224 px) shrinks by 4.
    assert.ok(Math.abs(sum(pixels) - 224 / 4) < 1e-3);
  });

  it('large canvas with a small stroke: the ink box is scaled to 20 px on its long side', () => {
    const grey = fillRect(canvas(1000, 600, 1), 1000, 900, 500, 30, 3, 0);
    const { pixels, steps } = toMnistForm(grey, 1000, 600);
    assert.deepEqual(steps.inkBox, { x: 900, y: 500, width: 30, height: 3 });
    assert.deepEqual(steps.scaledSize, { width: 20, height: 2 });
    const box = nonZeroBox(pixels);
    assert.equal(box.width, 20);
    assert.equal(box.height, 2);
    // 30 -> 20 averages 1.5 px of full ink per output pixel: all ones.
    assert.ok(Math.abs(sum(pixels) - 40) < 1e-3);
  });

  it('a tiny digit is scaled up to 20 px', () => {
    const grey = fillRect(canvas(60, 60, 0), 60, 10, 10, 10, 1, 1);
    const { pixels, steps } = toMnistForm(grey, 60, 60);
    assert.deepEqual(steps.scaledSize, { width: 20, height: 2 });
    assert.deepEqual(nonZeroBox(pixels), { x: steps.offset.x, y: steps.offset.y, width: 20, height: 2 });
    assert.ok(Math.abs(sum(pixels) - 40) < 1e-3);
  });

  it('clamps the shift so nothing is cut off when the mass is lopsided', () => {
    // A 20x20 U: faint (0.25) left column and bottom, full 2-px right column. In the box's frame the
    // centre of mass is x = (0·5 + 9·17·0.25 + 18.5·40) / (5 + 4.25 + 40) = 15.8, so the ideal
    // shift round(14 - 15.8) = -2 would cut the left column; it is clamped to 0.
    const grey = canvas(40, 40, 0);
    fillRect(grey, 40, 10, 10, 1, 20, 0.25);
    fillRect(grey, 40, 11, 29, 17, 1, 0.25);
    fillRect(grey, 40, 28, 10, 2, 20, 1);
    const { pixels, steps } = toMnistForm(grey, 40, 40);
    assert.deepEqual(steps.scaledSize, { width: 20, height: 20 });
    assert.equal(steps.offset.x, 0);
    assert.ok(Math.abs(sum(pixels) - (37 * 0.25 + 40)) < 1e-4);
  });

  it('a heavy bar (a third as wide as it is long) is thinned to about MNIST\'s stroke width', () => {
    const { pixels, steps } = toMnistForm(fillRect(canvas(100, 100, 1), 100, 30, 20, 14, 42, 0), 100, 100);
    assert.equal(steps.strokes?.thinned, true);
    assert.ok(steps.strokes!.width > 0.1, `measured ${steps.strokes!.width}`);
    // Thinned to 0.087 of its 20-px height: about 1.7 px instead of the 6.7 px a 14×42 bar scales to.
    // The square ends keep the medial axis's corner branches (stroke-width.ts), so look at the middle rows.
    const box = nonZeroBox(pixels);
    assert.equal(box.height, 20);
    for (let y = box.y + 6; y < box.y + 14; y++) {
      const row = [...pixels.subarray(y * 28, (y + 1) * 28)];
      const ink = row.reduce((s, v) => s + v, 0);
      assert.ok(ink > 1 && ink < 2.5, `row ${y}: ink ${ink}`);
    }
    assert.ok(sum(pixels) < 0.5 * 6.7 * 20, `mass ${sum(pixels)}`);
  });

  describe('transparency', () => {
    const W = 100;
    const alphaBar = (x = 30) => fillRect(canvas(W, W, 0), W, x, 20, 4, 40, 1);
    const opaqueResult = toMnistForm(fillRect(canvas(W, W, 1), W, 30, 20, 4, 40, 0), W, W).pixels;

    const cases: { name: string; grey: () => Float32Array; expectInverted: boolean }[] = [
      { name: 'black ink, transparent pixels black too', grey: () => canvas(W, W, 0), expectInverted: true },
      {
        name: 'black ink, transparent pixels of arbitrary colour',
        grey: () => fillRect(Float32Array.from({ length: W * W }, (_, i) => ((i * 7919) % 97) / 96), W, 30, 20, 4, 40, 0),
        expectInverted: true,
      },
      { name: 'white ink on a transparent canvas', grey: () => canvas(W, W, 1), expectInverted: false },
    ];
    for (const { name, grey, expectInverted } of cases) {
      it(`${name}: same result as the opaque drawing`, () => {
        const { pixels, steps } = toMnistForm(grey(), W, W, { alpha: alphaBar() });
        assert.equal(steps.transparentCanvas, true);
        assert.equal(steps.inverted, expectInverted);
        assertPixelsClose(pixels, opaqueResult);
      });
    }

    it('ink touching the edge of a transparent canvas', () => {
      const { steps } = toMnistForm(canvas(W, W, 0), W, W, { alpha: alphaBar(0) });
      assert.equal(steps.transparentCanvas, true);
      assert.deepEqual(steps.inkBox, { x: 0, y: 20, width: 4, height: 40 });
    });

    it('an opaque white canvas with transparent holes uses the border median', () => {
      const alpha = canvas(W, W, 1);
      fillRect(alpha, W, 60, 60, 5, 5, 0); // a transparent hole away from the bar
      const grey = fillRect(canvas(W, W, 1), W, 30, 20, 4, 40, 0);
      const { pixels, steps } = toMnistForm(grey, W, W, { alpha });
      assert.equal(steps.transparentCanvas, false);
      assertPixelsClose(pixels, opaqueResult);
    });
  });

  it('an opaque 28x28 image on a dark background is used as is', () => {
    const grey = Float32Array.from({ length: 784 }, (_, i) => {
      const [x, y] = [i % 28, Math.floor(i / 28)];
      return x > 3 && x < 24 && y > 3 && y < 24 ? ((i * 31) % 256) / 255 : 0;
    });
    const { pixels, steps } = toMnistForm(grey, 28, 28);
    assert.equal(steps.usedAsIs, true);
    assert.deepEqual(pixels, grey);
    assert.notEqual(pixels, grey); // a copy
  });

  it('a 28x28 image on a light background is processed', () => {
    const grey = fillRect(canvas(28, 28, 1), 28, 2, 2, 10, 4, 0);
    const { steps } = toMnistForm(grey, 28, 28);
    assert.equal(steps.usedAsIs, false);
    assert.equal(steps.inverted, true);
    assert.deepEqual(steps.scaledSize, { width: 20, height: 8 });
  });

  const blanks: { name: string; run: () => unknown; message: string }[] = [
    {
      name: 'uniform grey',
      run: () => toMnistForm(canvas(50, 40, 0.5), 50, 40, { source: 'blank.png' }),
      message: 'blank.png: no digit found: the image is blank (no pixel differs from the background level 0.50 by 0.1 or more)',
    },
    {
      name: 'faint marks only',
      run: () => toMnistForm(fillRect(canvas(50, 40, 1), 50, 10, 10, 5, 5, 0.95), 50, 40, { source: 'faint.png' }),
      message: 'faint.png: no digit found: the image is blank (no pixel differs from the background level 1.00 by 0.1 or more)',
    },
    {
      name: 'black 28x28',
      run: () => toMnistForm(canvas(28, 28, 0), 28, 28),
      message: 'image: no digit found: the image is blank (no pixel differs from the background level 0.00 by 0.1 or more)',
    },
    {
      name: 'fully transparent',
      run: () => toMnistForm(canvas(20, 20, 0), 20, 20, { alpha: canvas(20, 20, 0), source: 't.png' }),
      message: 't.png: no digit found: the image is fully transparent',
    },
    {
      name: 'wrong grey length',
      run: () => toMnistForm(canvas(20, 20, 0), 20, 21, { source: 'x' }),
      message: 'x: expected 20x21 grey values, got 400',
    },
    {
      name: 'wrong alpha length',
      run: () => toMnistForm(canvas(20, 20, 0), 20, 20, { alpha: new Float32Array(3), source: 'x' }),
      message: 'x: expected 400 alpha values, got 3',
    },
  ];
  for (const { name, run, message } of blanks) {
    it(`error: ${name}`, () => {
      assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof GradcamError);
        assert.equal(err.message, message);
        return true;
      });
    });
  }
});
