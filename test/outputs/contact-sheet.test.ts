import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp = require('sharp');
import { CONTACT_SHEET_PNG_LEVEL, paintContactSheets, renderContactSheets } from '../../src/outputs/contact-sheet.js';
import {
  CONTACT_SHEET_DEFAULTS,
  SHEET_COLORS,
  planContactSheets,
  type ContactSheetItem,
} from '../../src/outputs/contact-sheet-layout.js';
import { blendHeatmap } from '../../src/render/blend.js';
import { encodePng } from '../../src/render/png.js';
import { resizeBilinear, resizeNearest } from '../../src/render/resize.js';
import type { RgbImage } from '../../src/render/rgb-image.js';
import { seededRandom } from '../../src/training/random.js';
import { isGradcamError, pixelAt, rawPixels as decode } from '../helpers/render-fixtures.js';

/** Deterministic pseudo-random numbers, so failures reproduce. */
const random = seededRandom;

/**
 * A digit-like image: mostly black (as MNIST is), some ink, and a few values
 * outside [0, 1] that blending must clip; a smooth heatmap with its own
 * random texture.
 */
function makeItem(
  seed: number,
  predicted: number,
  label: number | undefined,
  probability = 0.9,
  map = { height: 11, width: 11 },
): ContactSheetItem {
  const next = random(seed);
  const image = Float32Array.from({ length: 28 * 28 }, () => {
    const r = next();
    if (r < 0.7) return 0;
    if (r < 0.72) return -0.5 + next() * 0.4;
    if (r < 0.74) return 1 + next();
    return next();
  });
  const heatmap = Float32Array.from({ length: map.height * map.width }, () => next());
  return {
    image,
    imageHeight: 28,
    imageWidth: 28,
    heatmap,
    heatmapHeight: map.height,
    heatmapWidth: map.width,
    predicted,
    ...(label === undefined ? {} : { label }),
    probability,
  };
}

const WHITE = [255, 255, 255];
const RED = [...SHEET_COLORS.misclassifiedFrame];

describe('renderContactSheets', () => {
  it('returns one PNG per page with the planned sizes, and [] for no items', async () => {
    const items = Array.from({ length: 13 }, (_, i) => makeItem(i, i % 10, i % 10));
    const options = { perPage: 6 };
    const plan = planContactSheets(items, options);
    const pngs = await renderContactSheets(items, options);
    assert.equal(pngs.length, 3);
    for (const [p, png] of pngs.entries()) {
      const meta = await sharp(png).metadata();
      assert.equal(meta.format, 'png');
      assert.equal(meta.width, plan.pages[p]!.width);
      assert.equal(meta.height, plan.pages[p]!.height);
      assert.equal(meta.channels, 3);
    }
    assert.deepEqual(await renderContactSheets([]), []);
  });

  it('paintContactSheets hands over the pages in order, each on its own canvas, the pixels renderContactSheets encodes', async () => {
    const items = Array.from({ length: 13 }, (_, i) => makeItem(i, i % 10, i === 4 ? 3 : i % 10));
    const options = { perPage: 6 };
    const pages: { page: RgbImage; index: number; count: number }[] = [];
    await paintContactSheets(items, options, async (page, index, count) => {
      pages.push({ page, index, count });
    });
    assert.deepEqual(pages.map(({ index, count }) => [index, count]), [[0, 3], [1, 3], [2, 3]]);
    assert.notEqual(pages[0]!.page.data, pages[1]!.page.data, 'a new canvas per page by default');
    const pngs = await renderContactSheets(items, options);
    for (const { page, index } of pages) {
      assert.deepEqual(encodePng(page, CONTACT_SHEET_PNG_LEVEL), pngs[index]);
    }
  });

  // The independent reference for the tile pixels: the resize and blend functions composed directly
  // (the painter computes the same thing without their intermediate arrays).
  const referenceTile = (item: ContactSheetItem, scale: number, alpha = 0.4, colormap: 'jet' | 'hot' | 'gray' = 'jet'): RgbImage => {
    const side = 28 * scale;
    const grey = resizeNearest(item.image, 28, 28, side, side);
    const heat = resizeBilinear(item.heatmap, item.heatmapHeight, item.heatmapWidth, side, side);
    return { data: blendHeatmap(grey, heat, { alpha, colormap }), width: side, height: side };
  };
  const tileCases: Array<{ scale: number; alpha: number; colormap: 'jet' | 'hot' | 'gray'; map: { height: number; width: number } }> = [
    { scale: 2, alpha: 0.4, colormap: 'jet', map: { height: 11, width: 11 } }, // the defaults, conv2
    { scale: 1, alpha: 0.25, colormap: 'hot', map: { height: 26, width: 26 } }, // conv1's map
    { scale: 3, alpha: 1, colormap: 'jet', map: { height: 7, width: 5 } }, // non-square map, colormap only
    { scale: 1, alpha: 0, colormap: 'gray', map: { height: 40, width: 33 } }, // map larger than the tile; grey only
  ];
  for (const { scale, alpha, colormap, map } of tileCases) {
    it(`tiles are the resized-and-blended pixels (scale ${scale}, alpha ${alpha}, ${colormap}, ${map.height}x${map.width} map)`, async () => {
      const items = Array.from({ length: 5 }, (_, i) => makeItem(100 + i, i, i === 3 ? 4 : i, 0.5, map));
      const options = { scale, alpha, colormap };
      const plan = planContactSheets(items, options);
      const [png] = await renderContactSheets(items, options);
      const page = await decode(png!);
      for (const placed of plan.pages[0]!.tiles) {
        const item = items[placed.item]!;
        const expected = referenceTile(item, scale, alpha, colormap);
        let mismatches = 0;
        for (let y = 0; y < expected.height; y++) {
          for (let x = 0; x < expected.width; x++) {
            const got = pixelAt(page, placed.left + x, placed.top + y);
            const want = pixelAt(expected, x, y);
            if (got.some((v, c) => v !== want[c])) mismatches++;
          }
        }
        assert.equal(mismatches, 0, `item ${placed.item}: ${mismatches} pixels differ from resize + blend`);
      }
    });
  }

  it('rounds the interpolated heat to float32 before the colour lookup, as resizeBilinear does', async () => {
    // Rows ramp i/6 (float32): at scale 2 the float64 interpolation lands just below LUT row boundaries
    // (x = 41: 0.78124999... < 200/256 = 0.78125 = its float32 rounding), so the rounding picks the row.
    const ramp = Float32Array.from({ length: 49 }, (_, i) => (i % 7) / 6);
    const item: ContactSheetItem = { ...makeItem(9, 1, 1), heatmap: ramp, heatmapHeight: 7, heatmapWidth: 7 };
    const plan = planContactSheets([item]);
    const [png] = await renderContactSheets([item]);
    const page = await decode(png!);
    const expected = referenceTile(item, 2);
    const t = plan.pages[0]!.tiles[0]!;
    for (let y = 0; y < 56; y++) {
      for (const x of [41, 44, 47, 50]) assert.deepEqual(pixelAt(page, t.left + x, t.top + y), pixelAt(expected, x, y), `(${x}, ${y})`);
    }
  });

  it('frames misclassified tiles in red, first on page 1; correct tiles have no frame', async () => {
    // Item 3 is the only mistake: it must come first.
    const items = [0, 1, 2, 3, 4, 5].map((i) => makeItem(i, i, i === 3 ? 8 : i));
    const plan = planContactSheets(items);
    const [png] = await renderContactSheets(items);
    const page = await decode(png!);
    const [first, second] = plan.pages[0]!.tiles;
    assert.equal(first!.item, 3);
    const f = plan.geometry.frame;
    const { tileWidth, tileHeight } = plan.geometry;
    // All four sides of the frame, just outside the tile.
    for (const [x, y] of [
      [first!.left - 1, first!.top - 1],
      [first!.left - f, first!.top + tileHeight / 2],
      [first!.left + tileWidth, first!.top + tileHeight + f - 1],
      [first!.left + tileWidth / 2, first!.top - f],
    ] as const) {
      assert.deepEqual(pixelAt(page, x, y), RED, `frame pixel (${x}, ${y})`);
    }
    assert.deepEqual(pixelAt(page, first!.left - f - 1, first!.top + 5), WHITE, 'the frame is only `frame` px wide');
    assert.deepEqual(pixelAt(page, second!.left - 1, second!.top - 1), WHITE);
    assert.deepEqual(pixelAt(page, second!.left - f, second!.top + tileHeight / 2), WHITE);
  });

  it('draws a confidence bar under each tile: probability * tile width filled', async () => {
    const items = [makeItem(1, 2, 2, 0.25), makeItem(2, 3, 5, 0.75)];
    const plan = planContactSheets(items);
    const [png] = await renderContactSheets(items);
    const page = await decode(png!);
    const g = plan.geometry;
    const byItem = new Map(plan.pages[0]!.tiles.map((t) => [t.item, t]));
    const cases: Array<[item: number, filled: number, color: number[]]> = [
      [0, 14, [...SHEET_COLORS.barCorrect]], // 0.25 * 56
      [1, 42, RED], // 0.75 * 56, red for a mistake
    ];
    for (const [item, filled, color] of cases) {
      const t = byItem.get(item)!;
      const y = t.top + g.tileHeight + g.frame + g.barGap;
      assert.deepEqual(pixelAt(page, t.left, y), color);
      assert.deepEqual(pixelAt(page, t.left + filled - 1, y + g.barHeight - 1), color);
      assert.deepEqual(pixelAt(page, t.left + filled, y), [...SHEET_COLORS.barTrack]);
      assert.deepEqual(pixelAt(page, t.left + g.tileWidth - 1, y), [...SHEET_COLORS.barTrack]);
      assert.deepEqual(pixelAt(page, t.left, y + g.barHeight), WHITE, 'bar height');
    }
  });

  it('draws the captions (red for a mistake) and the header in the places planned', async () => {
    const items = [makeItem(1, 4, 4), makeItem(2, 7, 1)];
    const plan = planContactSheets(items);
    const [png] = await renderContactSheets(items);
    const page = await decode(png!);
    const [header, pageNumber, , ...rest] = plan.pages[0]!.labels;
    // The class captions; the grey detail lines ("90%") are checked in contact-sheet-captions.test.ts.
    const captions = rest.filter((label) => label.color !== SHEET_COLORS.detail);
    /** Pixels in a box that are clearly not white, and how many of them are reddish. */
    const inkIn = (x0: number, y0: number, x1: number, y1: number) => {
      let ink = 0;
      let red = 0;
      for (let y = Math.max(0, y0); y < Math.min(page.height, y1); y++) {
        for (let x = Math.max(0, x0); x < Math.min(page.width, x1); x++) {
          const [r, gr, b] = pixelAt(page, x, y) as [number, number, number];
          if (r + gr + b < 600) {
            ink++;
            if (r > gr + 60 && r > b + 60) red++;
          }
        }
      }
      return { ink, red };
    };
    const h = header!;
    assert.ok(inkIn(h.x, h.y - h.fontSize, h.x + 200, h.y + 2).ink > 50, 'header text');
    const n = pageNumber!;
    assert.ok(inkIn(n.x - 80, n.y - n.fontSize, n.x, n.y + 2).ink > 20, 'page number, left of its anchor');
    assert.equal(captions.length, 1 + 3);
    for (const caption of captions) {
      // Ink on the anchor's side: left of an 'end' anchor, right of a 'start' one, around a 'middle' one.
      const [x0, x1] = caption.anchor === 'end' ? [caption.x - 12, caption.x] : caption.anchor === 'start' ? [caption.x, caption.x + 12] : [caption.x - 8, caption.x + 8];
      const box = inkIn(x0, caption.y - caption.fontSize, x1, caption.y + 3);
      assert.ok(box.ink > 5, `caption "${caption.text}" is drawn`);
      if (caption.color === SHEET_COLORS.misclassifiedCaption) assert.ok(box.red > box.ink / 2, `"${caption.text}" is red`);
      else assert.equal(box.red, 0, `"${caption.text}" is not red`);
    }
  });

  it('rejects bad items with the item index, and bad alpha or colormap as usage errors', async () => {
    const good = makeItem(1, 1, 1);
    const nan = makeItem(2, 1, 1);
    nan.heatmap[17] = Number.NaN;
    await assert.rejects(renderContactSheets([good, nan]), isGradcamError(/contact sheet item 1: heatmap\[17\] is NaN/));
    const nanImage = makeItem(3, 1, 1);
    nanImage.image[5] = Number.NaN;
    await assert.rejects(renderContactSheets([nanImage]), isGradcamError(/item 0: image\[5\] is NaN/));
    await assert.rejects(
      renderContactSheets([good, { ...good, heatmap: new Float32Array(26 * 26), heatmapHeight: 26, heatmapWidth: 26 }]),
      isGradcamError(/item 1 has a 26x26 heatmap but item 0 has 11x11/),
    );
    await assert.rejects(
      renderContactSheets([{ ...good, heatmap: new Float32Array(10) }]),
      isGradcamError(/item 0: heatmap has 10 values but 11x11 = 121 were expected/),
    );
    await assert.rejects(renderContactSheets([good], { alpha: 1.5 }), isGradcamError(/alpha must be between 0 and 1.*got 1.5/, 2));
    await assert.rejects(
      renderContactSheets([good], { colormap: 'plasma' as 'jet' }),
      isGradcamError(/unknown colormap "plasma"/, 2),
    );
  });

  it('defaults: scale 2, perPage 400, the tutorial alpha and colormap', () => {
    assert.deepEqual(CONTACT_SHEET_DEFAULTS, { scale: 2, alpha: 0.4, colormap: 'jet', perPage: 400, title: 'gradcam' });
  });
});
