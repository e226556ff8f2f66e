import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp = require('sharp');
// tfjs's cpu backend is the reference for the resize kernels; overlay.ts itself never imports tfjs.
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import {
  MAX_TILE_SIDE,
  blankCanvas,
  blendHeatmap,
  drawText,
  encodePng,
  escapeXml,
  estimateTextWidth,
  imageTile,
  overlayTile,
  panelLayout,
  pasteImage,
  renderOverlay,
  renderPanel,
  resizeBilinear,
  resizeNearest,
  type OverlayOptions,
  type PanelOptions,
} from '../../src/render/overlay.js';
import { RENDER_DEFAULTS } from '../../src/render/render-style.js';
import { GradcamError } from '../../src/errors.js';
import { seededRandom } from '../../src/training/random.js';

/** Deterministic pseudo-random numbers, so failures reproduce. */
const random = seededRandom;

function randomMap(length: number, seed: number): Float32Array {
  const next = random(seed);
  return Float32Array.from({ length }, () => next());
}

async function rawPixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function pixelAt(image: { data: ArrayLike<number>; width: number }, x: number, y: number, channels = 3): number[] {
  const o = (y * image.width + x) * channels;
  return [image.data[o], image.data[o + 1], image.data[o + 2]] as number[];
}

function isGradcamError(pattern: RegExp, exitCode?: number) {
  return (error: unknown): boolean =>
    error instanceof GradcamError && pattern.test(error.message) && (exitCode === undefined || error.exitCode === exitCode);
}

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('resizeBilinear (half-pixel centres)', () => {
  const cases: Array<[srcH: number, srcW: number, dstH: number, dstW: number]> = [
    [11, 11, 28, 28], // conv2 map -> digit
    [11, 11, 280, 280], // conv2 map -> tile at scale 10
    [26, 26, 28, 28], // conv1 map -> digit
    [7, 13, 20, 9], // non-square, enlarging one axis and shrinking the other
    [28, 28, 11, 11], // shrinking
    [1, 1, 5, 4], // a single value spreads everywhere
  ];
  for (const [srcH, srcW, dstH, dstW] of cases) {
    it(`${srcH}x${srcW} -> ${dstH}x${dstW} matches tfjs cpu resizeBilinear(halfPixelCenters) within 1e-5`, () => {
      const src = randomMap(srcH * srcW, srcH * 1000 + srcW);
      const got = resizeBilinear(src, srcH, srcW, dstH, dstW);
      const expected = tf.tidy(() =>
        tf.image
          .resizeBilinear(tf.tensor4d(src, [1, srcH, srcW, 1]), [dstH, dstW], false, true)
          .dataSync(),
      );
      assert.equal(got.length, expected.length);
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (expected[i] as number)));
      assert.ok(maxDiff < 1e-5, `max |diff| ${maxDiff}`);
    });
  }

  // By hand: output pixel d of 4 samples source coordinate (d + 0.5) * 2/4 - 0.5 = -0.25, 0.25, 0.75, 1.25,
  // clamped to p = [0, 0.25, 0.75, 1] (edges replicate).
  const p = [0, 0.25, 0.75, 1];
  it('2x2 -> 4x4, a linear ramp v(r, c) = 2r + c, is reproduced exactly: 2 p[y] + p[x]', () => {
    const got = resizeBilinear(new Float32Array([0, 1, 2, 3]), 2, 2, 4, 4);
    const expected = p.flatMap((py) => p.map((px) => 2 * py + px));
    assert.deepEqual(Array.from(got), expected);
  });

  it('2x2 -> 4x4, a corner impulse, gives the product of tent weights (1 - p[y]) (1 - p[x])', () => {
    const got = resizeBilinear(new Float32Array([1, 0, 0, 0]), 2, 2, 4, 4);
    const expected = p.flatMap((py) => p.map((px) => (1 - py) * (1 - px)));
    assert.deepEqual(Array.from(got), expected); // 0.5625 in the second row, second column
  });

  it('leaves a map of the same size unchanged', () => {
    const src = randomMap(30, 5);
    assert.deepEqual(resizeBilinear(src, 5, 6, 5, 6), src);
  });

  it('rejects a source whose length does not match its size', () => {
    assert.throws(
      () => resizeBilinear(new Float32Array(120), 11, 11, 28, 28),
      isGradcamError(/has 120 values but 11x11 = 121 were expected/),
    );
    assert.throws(() => resizeBilinear(new Float32Array(4), 2, 2, 0, 4), isGradcamError(/positive integers/));
  });
});

describe('resizeNearest (half-pixel centres)', () => {
  const cases: Array<[number, number, number, number]> = [
    [28, 28, 280, 280],
    [28, 28, 28, 28],
    [5, 7, 12, 10],
    [11, 11, 4, 6],
  ];
  for (const [srcH, srcW, dstH, dstW] of cases) {
    it(`${srcH}x${srcW} -> ${dstH}x${dstW} equals tfjs cpu resizeNearestNeighbor(halfPixelCenters)`, () => {
      const src = randomMap(srcH * srcW, srcW * 31 + srcH);
      const expected = tf.tidy(() =>
        tf.image
          .resizeNearestNeighbor(tf.tensor4d(src, [1, srcH, srcW, 1]), [dstH, dstW], false, true)
          .dataSync(),
      );
      assert.deepEqual(resizeNearest(src, srcH, srcW, dstH, dstW), expected);
    });
  }

  it('turns every pixel into a crisp s x s block for a whole-number scale', () => {
    const got = resizeNearest(new Float32Array([1, 2, 3, 4]), 2, 2, 6, 6);
    const row = (a: number, b: number) => [a, a, a, b, b, b];
    assert.deepEqual(Array.from(got), [...row(1, 2), ...row(1, 2), ...row(1, 2), ...row(3, 4), ...row(3, 4), ...row(3, 4)]);
  });
});

describe('blendHeatmap', () => {
  // jet's float LUT: row 0 = (0, 0, 0.5), row 255 = (0.5, 0, 0), row 192 = (1, g, 0) with
  // g = 1 - (192/255 - 0.64) / 0.27 = 0.581699..., row 64 = (0, 0.503921..., 1).
  const g192 = 1 - (192 / 255 - 0.64) / 0.27;
  const g64 = (64 / 255 - 0.125) / 0.25;
  const cases: Array<{ grey: number; heat: number; alpha: number; rgb: number[]; why: string }> = [
    { grey: 0, heat: 0, alpha: 0.4, rgb: [0, 0, 51], why: 'black under jet(0): 0.4 * 0.5 * 255 = 51' },
    { grey: 1, heat: 1, alpha: 0.4, rgb: [204, 153, 153], why: 'white under jet(1): 0.6 * 255 + 0.4 * 127.5' },
    {
      grey: 0.2,
      heat: 0.75,
      alpha: 0.4,
      rgb: [Math.round(30.6 + 102), Math.round(30.6 + 102 * g192), 31],
      why: '0.6 * 0.2 * 255 = 30.6 plus 0.4 * 255 * jet(0.75)',
    },
    {
      grey: 0.5,
      heat: 0.25,
      alpha: 0.25,
      rgb: [Math.round(95.625), Math.round(95.625 + 63.75 * g64), Math.round(95.625 + 63.75)],
      why: '0.75 * 0.5 * 255 = 95.625 plus 0.25 * 255 * jet(0.25)',
    },
    { grey: 0.3, heat: 0.9, alpha: 0, rgb: [77, 77, 77], why: 'alpha 0 is the grey image: round(0.3 * 255 = 76.5)' },
    { grey: 0.3, heat: 1, alpha: 1, rgb: [128, 0, 0], why: 'alpha 1 is the colormap: round(127.5)' },
    { grey: -1, heat: -1, alpha: 0.4, rgb: [0, 0, 51], why: 'values below 0 clip to 0' },
    { grey: 2, heat: 2, alpha: 0.4, rgb: [204, 153, 153], why: 'values above 1 clip to 1' },
  ];
  for (const { grey, heat, alpha, rgb, why } of cases) {
    it(`grey ${grey}, heat ${heat}, alpha ${alpha} -> (${rgb.join(', ')}): ${why}`, () => {
      const out = blendHeatmap(new Float32Array([grey]), new Float32Array([heat]), { alpha, colormap: 'jet' });
      assert.deepEqual(Array.from(out), rgb);
    });
  }

  it('uses the chosen colormap: hot(1) is white, so white stays white at any alpha', () => {
    const out = blendHeatmap(new Float32Array([1]), new Float32Array([1]), { alpha: 0.7, colormap: 'hot' });
    assert.deepEqual(Array.from(out), [255, 255, 255]);
  });

  it('keeps pixel order: 3 bytes per pixel', () => {
    const out = blendHeatmap(new Float32Array([0, 1]), new Float32Array([0, 1]), { alpha: 0.4, colormap: 'jet' });
    assert.deepEqual(Array.from(out), [0, 0, 51, 204, 153, 153]);
  });

  it('rejects different lengths, NaN, a bad alpha and an unknown colormap', () => {
    const one = new Float32Array([0.5]);
    assert.throws(
      () => blendHeatmap(one, new Float32Array(2), { alpha: 0.4, colormap: 'jet' }),
      isGradcamError(/same number of pixels to blend, got 1 and 2/),
    );
    assert.throws(
      () => blendHeatmap(one, new Float32Array([Number.NaN]), { alpha: 0.4, colormap: 'jet' }),
      isGradcamError(/heatmap\[0\] is NaN/),
    );
    for (const alpha of [-0.1, 1.5, Number.NaN]) {
      assert.throws(() => blendHeatmap(one, one, { alpha, colormap: 'jet' }), isGradcamError(/alpha must be between 0 and 1/, 2));
    }
    assert.throws(
      () => blendHeatmap(one, one, { alpha: 0.4, colormap: 'parula' as 'jet' }),
      isGradcamError(/unknown colormap "parula"/, 2),
    );
  });
});

/** A 28x28 test digit: a bright bar and a soft diagonal, values spread over [0, 1]. */
function testDigit(): Float32Array {
  const image = new Float32Array(28 * 28);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const bar = r >= 6 && r <= 8 && c >= 5 && c <= 22 ? 1 : 0;
      const diagonal = Math.max(0, 1 - Math.abs(c - (22 - (r - 8) * 0.6)) / 2);
      image[r * 28 + c] = r > 8 ? diagonal : bar;
    }
  }
  return image;
}

const digit = testDigit();
const heatmap11 = randomMap(121, 11);
const baseOptions: OverlayOptions = {
  image: digit,
  imageHeight: 28,
  imageWidth: 28,
  heatmap: heatmap11,
  heatmapHeight: 11,
  heatmapWidth: 11,
};
const panelOptions: PanelOptions = {
  ...baseOptions,
  titles: { original: 'Original (label 7)', gradcam: 'Grad-CAM' },
  subtitle: 'conv2 · score: logit',
};

describe('tiles', () => {
  it('overlayTile = blendHeatmap(nearest-enlarged digit, bilinear-enlarged heatmap), 280x280 by default', () => {
    const tile = overlayTile(baseOptions);
    assert.equal(tile.width, 280);
    assert.equal(tile.height, 280);
    const grey = resizeNearest(digit, 28, 28, 280, 280);
    const heat = resizeBilinear(heatmap11, 11, 11, 280, 280);
    assert.deepEqual(tile.data, blendHeatmap(grey, heat, { alpha: 0.4, colormap: 'jet' }));
    assert.deepEqual(RENDER_DEFAULTS, { scale: 10, alpha: 0.4, colormap: 'jet' });
  });

  const painterCases: [number, number, number, number, 'jet' | 'hot' | 'gray'][] = [
    [4, 11, 11, 0.4, 'jet'], // batch mode's tiles
    [1, 26, 26, 0.25, 'hot'], // conv1's map, no enlargement
    [3, 7, 5, 1, 'jet'], // non-square map, colour only
    [2, 40, 33, 0, 'gray'], // map larger than the tile, grey only
  ];
  for (const [scale, mapHeight, mapWidth, alpha, colormap] of painterCases) {
    it(`overlayTile = blend(resize) at scale ${scale}, ${mapHeight}x${mapWidth} map, alpha ${alpha}, ${colormap}`, () => {
      const map = Float32Array.from({ length: mapHeight * mapWidth }, (_, i) => ((i * 37) % 101) / 100);
      const tile = overlayTile({ ...baseOptions, heatmap: map, heatmapHeight: mapHeight, heatmapWidth: mapWidth, scale, alpha, colormap });
      const side = 28 * scale;
      const grey = resizeNearest(digit, 28, 28, side, side);
      const heat = resizeBilinear(map, mapHeight, mapWidth, side, side);
      assert.deepEqual(tile.data, blendHeatmap(grey, heat, { alpha, colormap }));
    });
  }

  it('a constant heatmap of 1 over black and white pixels gives the hand-computed colours everywhere', () => {
    const image = new Float32Array(28 * 28);
    image.fill(1, 0, 14 * 28); // top half white
    const tile = overlayTile({ ...baseOptions, image, heatmap: new Float32Array(121).fill(1), scale: 2 });
    assert.deepEqual(pixelAt(tile, 10, 5), [204, 153, 153]); // white: 0.6 * 255 + 0.4 * (127.5, 0, 0)
    assert.deepEqual(pixelAt(tile, 10, 40), [51, 0, 0]); // black: 0.4 * (127.5, 0, 0) = 51
  });

  it('imageTile shows the digit in grey, crisp blocks of round(v * 255)', () => {
    const tile = imageTile(digit, 28, 28, 10);
    assert.equal(tile.width, 280);
    const v = digit[12 * 28 + 17] as number;
    const level = Math.round(v * 255);
    for (const [x, y] of [
      [170, 120],
      [179, 129],
    ] as const) {
      assert.deepEqual(pixelAt(tile, x, y), [level, level, level]);
    }
  });

  it('rejects bad scales and sizes with messages naming them', () => {
    assert.throws(() => overlayTile({ ...baseOptions, scale: 0 }), isGradcamError(/scale must be a whole number >= 1.*got 0/, 2));
    assert.throws(() => overlayTile({ ...baseOptions, scale: 2.5 }), isGradcamError(/got 2.5/, 2));
    assert.throws(
      () => overlayTile({ ...baseOptions, scale: 1000 }),
      isGradcamError(new RegExp(`28000x28000 px tile; the limit is ${MAX_TILE_SIDE}`), 2),
    );
    assert.throws(
      () => overlayTile({ ...baseOptions, heatmapHeight: 12 }),
      isGradcamError(/heatmap has 121 values but 12x11 = 132 were expected/),
    );
    const withNaN = heatmap11.slice();
    withNaN[40] = Number.NaN;
    // The index is the heatmap's own (40), not a pixel of the enlarged tile.
    assert.throws(() => overlayTile({ ...baseOptions, heatmap: withNaN }), isGradcamError(/heatmap\[40\] is NaN/));
    const digitWithNaN = digit.slice();
    digitWithNaN[100] = Number.NaN;
    assert.throws(() => imageTile(digitWithNaN, 28, 28, 10), isGradcamError(/image\[100\] is NaN/));
  });
});

describe('canvas helpers', () => {
  it('pasteImage copies rows to the right place and refuses what does not fit', () => {
    const canvas = blankCanvas(4, 3);
    pasteImage(canvas, { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1 }, 1, 2);
    assert.deepEqual(pixelAt(canvas, 1, 2), [1, 2, 3]);
    assert.deepEqual(pixelAt(canvas, 2, 2), [4, 5, 6]);
    assert.deepEqual(pixelAt(canvas, 0, 2), [255, 255, 255]);
    assert.throws(
      () => pasteImage(canvas, { data: new Uint8Array(6), width: 2, height: 1 }, 3, 0),
      isGradcamError(/a 2x1 image does not fit at \(3, 0\) on a 4x3 canvas/),
    );
  });

  const escapes: Array<[string, string]> = [
    ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
    [`"double" 'single'`, '&quot;double&quot; &apos;single&apos;'],
    ['&amp;', '&amp;amp;'],
    ['bell\u0007 and nul\u0000 dropped, tab\tkept', 'bell and nul dropped, tab\tkept'],
    ['conv2 · 7 → 1 ✓', 'conv2 · 7 → 1 ✓'],
  ];
  for (const [text, escaped] of escapes) {
    it(`escapeXml(${JSON.stringify(text)})`, () => assert.equal(escapeXml(text), escaped));
  }

  it('drawText draws dark anti-aliased text and leaves the rest of the canvas white', async () => {
    const canvas = blankCanvas(200, 40);
    await drawText(canvas, [{ text: 'Grad-CAM', x: 100, y: 28, fontSize: 18, color: '#000' }]);
    let darkest = 255;
    let inkLeft = Infinity;
    let inkRight = -1;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 200; x++) {
        const [r] = pixelAt(canvas, x, y) as [number];
        darkest = Math.min(darkest, r);
        if (r < 255) {
          inkLeft = Math.min(inkLeft, x);
          inkRight = Math.max(inkRight, x);
        }
      }
    }
    assert.ok(darkest < 60, `text should be dark, darkest pixel ${darkest}`);
    // Centred on x = 100 (within a pixel or two of glyph side bearings).
    assert.ok(Math.abs((inkLeft + inkRight) / 2 - 100) <= 3, `ink spans ${inkLeft}..${inkRight}`);
    assert.deepEqual(pixelAt(canvas, 5, 5), [255, 255, 255]);
  });

  it('drawText rejects a colour it cannot parse', async () => {
    await assert.rejects(
      drawText(blankCanvas(10, 10), [{ text: 'x', x: 5, y: 8, fontSize: 8, color: 'red' }]),
      isGradcamError(/text colour must be "#rgb" or "#rrggbb", got "red"/),
    );
  });

  // Layout sizes columns from estimateTextWidth; it must not be narrower than what librsvg draws.
  const samples = [
    'Original (label 7)',
    'Grad-CAM',
    'conv2 · score: logit',
    'WWWWMMMM',
    '0123456789',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    'abcdefghijklmnopqrstuvwxyz',
    '<&"\'> ~~## == ++',
    '—…%@',
    'ÄÖÜ éèê ß',
  ];
  it('estimateTextWidth is never narrower than the rendered ink', async () => {
    const fontSize = 18;
    for (const text of samples) {
      const width = 40 * fontSize;
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${3 * fontSize}">` +
        `<text x="${fontSize}" y="${2 * fontSize}" font-family="DejaVu Sans" font-size="${fontSize}">${escapeXml(text)}</text></svg>`;
      const { data, info } = await sharp(Buffer.from(svg))
        .ensureAlpha()
        .extractChannel(3)
        .raw()
        .toBuffer({ resolveWithObject: true });
      let right = -1;
      for (let y = 0; y < info.height; y++) {
        for (let x = 0; x < info.width; x++) if ((data[y * info.width + x] as number) > 0) right = Math.max(right, x);
      }
      const ink = right + 1 - fontSize;
      assert.ok(ink > 0, `nothing rendered for ${JSON.stringify(text)}`);
      assert.ok(estimateTextWidth(text, fontSize) >= ink, `${JSON.stringify(text)}: estimate ${estimateTextWidth(text, fontSize)} < ink ${ink}`);
    }
  });
});

describe('renderOverlay', () => {
  it('is a PNG of the bare tile whose pixels are overlayTile', async () => {
    const png = await renderOverlay(baseOptions);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 280);
    assert.equal(meta.height, 280);
    const raw = await rawPixels(png);
    assert.equal(raw.channels, 3);
    assert.deepEqual(new Uint8Array(raw.data), overlayTile(baseOptions).data);
  });

  it('works at scale 1 (28x28) and with another colormap and alpha', async () => {
    const options = { ...baseOptions, scale: 1, alpha: 0.7, colormap: 'hot' as const };
    const raw = await rawPixels(await renderOverlay(options));
    assert.equal(raw.width, 28);
    assert.equal(raw.height, 28);
    const heat = resizeBilinear(heatmap11, 11, 11, 28, 28);
    const expected = blendHeatmap(digit, heat, { alpha: 0.7, colormap: 'hot' });
    assert.deepEqual(pixelAt(raw, 13, 20), pixelAt({ data: expected, width: 28 }, 13, 20));
  });
});

describe('renderPanel', () => {
  let png: Buffer;
  let raw: Awaited<ReturnType<typeof rawPixels>>;
  const layout = panelLayout(280, 280, panelOptions.titles, panelOptions.subtitle);

  before(async () => {
    png = await renderPanel(panelOptions);
    raw = await rawPixels(png);
  });

  it('is a PNG of the laid-out size, two 280 px tiles plus margins', async () => {
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, layout.width);
    assert.equal(meta.height, layout.height);
    // Independent bounds: two tiles side by side with some, but not much, room around them.
    assert.ok(layout.width >= 2 * 280 + 20 && layout.width <= 2 * 280 + 150, `width ${layout.width}`);
    assert.ok(layout.height >= 280 + 40 && layout.height <= 280 + 150, `height ${layout.height}`);
    assert.ok(layout.gradcamTile.left >= layout.originalTile.left + 280, 'tiles do not overlap');
  });

  it('holds the overlay tile pixel for pixel (no text or margin bleeds onto it)', () => {
    const tile = overlayTile(panelOptions);
    const { left, top } = layout.gradcamTile;
    for (let y = 0; y < 280; y++) {
      for (let x = 0; x < 280; x++) {
        const o = ((top + y) * raw.width + left + x) * 3;
        const t = (y * 280 + x) * 3;
        if (raw.data[o] !== tile.data[t] || raw.data[o + 1] !== tile.data[t + 1] || raw.data[o + 2] !== tile.data[t + 2]) {
          assert.fail(`overlay pixel (${x}, ${y}) differs: ${pixelAt(raw, left + x, top + y)} vs ${pixelAt(tile, x, y)}`);
        }
      }
    }
  });

  it('has at a known position the blendHeatmap colour of that pixel', () => {
    // Tile pixel (x 203, y 121) shows digit pixel (12, 20) and heatmap sample 121 * 280 + 203.
    const grey = resizeNearest(digit, 28, 28, 280, 280);
    const heat = resizeBilinear(heatmap11, 11, 11, 280, 280);
    const i = 121 * 280 + 203;
    assert.equal(grey[i], digit[12 * 28 + 20]);
    const expected = blendHeatmap(grey.subarray(i, i + 1), heat.subarray(i, i + 1), { alpha: 0.4, colormap: 'jet' });
    assert.deepEqual(pixelAt(raw, layout.gradcamTile.left + 203, layout.gradcamTile.top + 121), Array.from(expected));
  });

  it('shows the digit in the left tile and white around the tiles', () => {
    const v = Math.round((digit[7 * 28 + 10] as number) * 255);
    assert.deepEqual(pixelAt(raw, layout.originalTile.left + 105, layout.originalTile.top + 75), [v, v, v]);
    assert.deepEqual(pixelAt(raw, layout.originalTile.left - 1, layout.originalTile.top + 100), [255, 255, 255]);
    assert.deepEqual(pixelAt(raw, layout.gradcamTile.left + 280, layout.gradcamTile.top + 100), [255, 255, 255]);
    assert.deepEqual(pixelAt(raw, layout.gradcamTile.left + 100, layout.gradcamTile.top + 280), [255, 255, 255]);
  });

  it('draws the titles above the tiles and the subtitle below', () => {
    const darkPixels = (x0: number, x1: number, y0: number, y1: number): number => {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if ((pixelAt(raw, x, y)[0] as number) < 128) count++;
      return count;
    };
    const top = layout.originalTile.top;
    assert.ok(darkPixels(layout.originalTile.left, layout.originalTile.left + 280, 0, top) > 50, 'left title');
    assert.ok(darkPixels(layout.gradcamTile.left, layout.gradcamTile.left + 280, 0, top) > 50, 'right title');
    assert.ok(darkPixels(0, raw.width, top + 281, raw.height) > 30, 'subtitle');
  });

  it('without a subtitle is shorter and has nothing under the tiles', async () => {
    const plain = await rawPixels(await renderPanel({ ...panelOptions, subtitle: undefined }));
    assert.equal(plain.width, raw.width);
    assert.ok(plain.height < raw.height);
    const bottom = panelLayout(280, 280, panelOptions.titles).originalTile.top + 280;
    for (let y = bottom; y < plain.height; y++) {
      for (let x = 0; x < plain.width; x++) assert.deepEqual(pixelAt(plain, x, y), [255, 255, 255]);
    }
  });

  const awkwardTitles: Array<[string, string]> = [
    ['<script>&amp;', `"quoted" 'single' & <tag>`],
    ['control \u0000\u0007\u001b chars', 'emoji 🔥 and ünïcödé'],
    ['', '   '],
    ['a very long title that is much wider than the 28 pixel tile it sits on', 'x'],
  ];
  for (const [original, gradcam] of awkwardTitles) {
    it(`survives titles ${JSON.stringify(original)} / ${JSON.stringify(gradcam)} at scales 1 and 10`, async () => {
      for (const scale of [1, 10]) {
        const out = await renderPanel({ ...baseOptions, scale, titles: { original, gradcam }, subtitle: '<&>' });
        const meta = await sharp(out).metadata();
        const expected = panelLayout(28 * scale, 28 * scale, { original, gradcam }, '<&>');
        assert.equal(meta.width, expected.width);
        assert.equal(meta.height, expected.height);
      }
    });
  }

  it('widens a column for a title wider than its tile (scale 1)', () => {
    const small = panelLayout(28, 28, { original: 'Original (label 7)', gradcam: 'Grad-CAM' });
    const titleWidth = estimateTextWidth('Original (label 7)', small.labels[0]?.fontSize ?? 0);
    assert.ok(small.width >= titleWidth + 28, `width ${small.width} for a ${titleWidth} px title`);
    assert.ok(small.originalTile.left + 28 <= small.gradcamTile.left);
  });

  it('renders scale 1 with the digit in place', async () => {
    const out = await rawPixels(await renderPanel({ ...panelOptions, scale: 1 }));
    const small = panelLayout(28, 28, panelOptions.titles, panelOptions.subtitle);
    assert.equal(out.width, small.width);
    assert.equal(out.height, small.height);
    const v = Math.round((digit[7 * 28 + 10] as number) * 255);
    assert.deepEqual(pixelAt(out, small.originalTile.left + 10, small.originalTile.top + 7), [v, v, v]);
  });

  it('encodePng rejects data of the wrong length', () => {
    assert.throws(
      () => encodePng({ data: new Uint8Array(5), width: 2, height: 1 }),
      isGradcamError(/RGB data has 5 bytes but 2x1x3 = 6 were expected/),
    );
  });
});
