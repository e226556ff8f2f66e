import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp = require('sharp');
import {
  CONTACT_SHEET_DEFAULTS,
  MAX_SHEET_SIDE,
  SHEET_COLORS,
  CONTACT_SHEET_PNG_LEVEL,
  contactSheetOrder,
  paintContactSheets,
  planContactSheets,
  renderContactSheets,
  tileCaption,
  verdictOf,
  type ContactSheetItem,
  type ContactSheetOptions,
} from '../../src/outputs/contact-sheet.js';
import { GradcamError } from '../../src/errors.js';
import { seededRandom } from '../../src/training/random.js';
import { blendHeatmap, encodePng, resizeBilinear, resizeNearest, type RgbImage } from '../../src/render/overlay.js';

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
    heatmap,
    heatmapHeight: map.height,
    heatmapWidth: map.width,
    predicted,
    ...(label === undefined ? {} : { label }),
    probability,
  };
}

async function decode(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function pixelAt(image: { data: ArrayLike<number>; width: number; channels?: number }, x: number, y: number): number[] {
  const channels = image.channels ?? 3;
  const o = (y * image.width + x) * channels;
  return [image.data[o], image.data[o + 1], image.data[o + 2]] as number[];
}

function isGradcamError(pattern: RegExp, exitCode?: number) {
  return (error: unknown): boolean =>
    error instanceof GradcamError && pattern.test(error.message) && (exitCode === undefined || error.exitCode === exitCode);
}

const WHITE = [255, 255, 255];
const RED = [...SHEET_COLORS.misclassifiedFrame];

describe('tileCaption and verdictOf', () => {
  const cases: Array<{ predicted: number; label?: number; names?: string[]; caption: string; verdict: string }> = [
    { predicted: 7, label: 7, caption: '7', verdict: 'correct' },
    { predicted: 7, caption: '7', verdict: 'unlabelled' },
    { predicted: 7, label: 2, caption: '7 ≠ 2', verdict: 'misclassified' },
    { predicted: 0, label: 9, caption: '0 ≠ 9', verdict: 'misclassified' },
    { predicted: 1, label: 0, names: ['cat', 'dog'], caption: 'dog ≠ cat', verdict: 'misclassified' },
    { predicted: 3, label: 3, names: ['cat'], caption: '3', verdict: 'correct' }, // no name: the index
  ];
  for (const { predicted, label, names, caption, verdict } of cases) {
    it(`predicted ${predicted}, label ${label ?? 'none'} -> "${caption}" (${verdict})`, () => {
      const item = label === undefined ? { predicted } : { predicted, label };
      assert.equal(tileCaption(item, names), caption);
      assert.equal(verdictOf(item), verdict);
    });
  }
});

describe('contactSheetOrder', () => {
  it('puts misclassified items first, then the others, each group in input order', () => {
    // indices:   0       1        2       3        4        5          6
    const items = [[1, 1], [2, 3], [4, -1], [5, 5], [6, 0], [7, 7], [8, 9]].map(([predicted, label]) =>
      label === -1 ? { predicted: predicted as number } : { predicted: predicted as number, label: label as number },
    );
    assert.deepEqual(contactSheetOrder(items), [1, 4, 6, 0, 2, 3, 5]);
  });

  it('keeps input order when nothing is misclassified', () => {
    assert.deepEqual(contactSheetOrder([{ predicted: 1 }, { predicted: 2, label: 2 }, { predicted: 3 }]), [0, 1, 2]);
  });
});

describe('planContactSheets', () => {
  const cases: Array<{ count: number; perPage: number; pages: number; columns: number; lastRows: number; rows: number }> = [
    { count: 1, perPage: 400, pages: 1, columns: 1, rows: 1, lastRows: 1 },
    { count: 7, perPage: 400, pages: 1, columns: 7, rows: 1, lastRows: 1 },
    { count: 400, perPage: 400, pages: 1, columns: 20, rows: 20, lastRows: 20 },
    { count: 401, perPage: 400, pages: 2, columns: 20, rows: 20, lastRows: 1 },
    { count: 10_000, perPage: 400, pages: 25, columns: 20, rows: 20, lastRows: 20 },
    { count: 50, perPage: 12, pages: 5, columns: 4, rows: 3, lastRows: 1 }, // ceil(sqrt(12)) = 4 columns
  ];
  for (const { count, perPage, pages, columns, rows, lastRows } of cases) {
    it(`${count} items, ${perPage} per page -> ${pages} page(s) of ${columns} columns, last with ${lastRows} row(s)`, () => {
      const items = Array.from({ length: count }, (_, i) => ({ predicted: i % 10, label: i % 10 }));
      const plan = planContactSheets(items, { perPage });
      assert.equal(plan.pages.length, pages);
      assert.equal(plan.geometry.columns, columns);
      const { cellHeight, gutter, gridTop, margin, tileWidth, tileHeight } = plan.geometry;
      assert.equal(tileWidth, 56); // 28 px * default scale 2
      assert.equal(tileHeight, 56);
      // Every item exactly once, pages full but the last.
      assert.deepEqual(
        plan.pages.flatMap((p) => p.tiles.map((t) => t.item)).sort((a, b) => a - b),
        Array.from({ length: count }, (_, i) => i),
      );
      plan.pages.forEach((page, p) => assert.equal(page.tiles.length, p < pages - 1 ? perPage : count - perPage * (pages - 1)));
      // One width for all pages; the height follows the number of rows.
      const first = plan.pages[0]!;
      const last = plan.pages[pages - 1]!;
      for (const page of plan.pages) assert.equal(page.width, first.width);
      const heightFor = (r: number) => gridTop + r * cellHeight + (r - 1) * gutter + margin;
      assert.equal(first.height, heightFor(rows));
      assert.equal(last.height, heightFor(lastRows));
      // Row-major grid: tiles `columns` apart share a column, the first `columns` share a row.
      const tiles = first.tiles;
      if (tiles.length > columns) assert.equal(tiles[columns]!.left, tiles[0]!.left);
      for (let i = 1; i < Math.min(columns, tiles.length); i++) {
        assert.equal(tiles[i]!.top, tiles[0]!.top);
        assert.ok(tiles[i]!.left >= tiles[i - 1]!.left + tileWidth, 'tiles in a row do not overlap');
      }
      // Everything, frame included, lies inside the page.
      for (const page of plan.pages) {
        for (const t of page.tiles) {
          assert.ok(t.left - plan.geometry.frame >= 0 && t.left + tileWidth + plan.geometry.frame <= page.width);
          assert.ok(t.top - plan.geometry.frame >= gridTop - gutter && t.top + tileHeight <= page.height - margin);
        }
      }
    });
  }

  it('has no pages for no items', () => {
    assert.deepEqual(planContactSheets([]).pages, []);
  });

  it('puts the misclassified items on page 1 and reports them in the header', () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ predicted: i % 10, label: i % 97 === 5 ? (i + 1) % 10 : i % 10 }));
    const wrong = items.flatMap((item, i) => (item.label !== item.predicted ? [i] : []));
    const plan = planContactSheets(items);
    assert.deepEqual(
      plan.pages[0]!.tiles.slice(0, wrong.length).map((t) => t.item),
      wrong,
    );
    assert.ok(plan.pages[0]!.tiles.slice(0, wrong.length).every((t) => t.verdict === 'misclassified'));
    assert.equal(plan.pages[0]!.tiles[wrong.length]!.item, 0);
    assert.equal(plan.pages.length, 3);
    const [header, pageNumber, , ...captions] = plan.pages[0]!.labels;
    assert.equal(header!.text, `gradcam · 1,000 images · ${1000 - wrong.length} correct · ${wrong.length} misclassified`);
    assert.equal(pageNumber!.text, 'page 1/3');
    assert.equal(pageNumber!.anchor, 'end');
    assert.equal(plan.pages[2]!.labels[1]!.text, 'page 3/3');
    // Captions: "7 ≠ 2" as three red labels around the sign for a mistake, the class alone otherwise.
    assert.equal(captions.length, 3 * wrong.length + (400 - wrong.length));
    const first = items[wrong[0]!]!;
    assert.deepEqual(
      captions.slice(0, 3).map((l) => [l.text, l.anchor ?? 'middle', l.color]),
      [
        [String(first.predicted), 'end', SHEET_COLORS.misclassifiedCaption],
        ['≠', 'middle', SHEET_COLORS.misclassifiedCaption],
        [String(first.label), 'start', SHEET_COLORS.misclassifiedCaption],
      ],
    );
    const [predicted, sign, truth] = captions;
    assert.ok(predicted!.x < sign!.x && sign!.x < truth!.x);
    const firstCorrect = captions[3 * wrong.length]!;
    assert.equal(firstCorrect.text, String(items[0]!.predicted));
    assert.equal(firstCorrect.color, SHEET_COLORS.caption);
  });

  const headerCases: Array<{ why: string; items: Array<{ predicted: number; label?: number }>; options: ContactSheetOptions; header: string }> = [
    {
      why: 'no labels: just the count',
      items: [{ predicted: 1 }, { predicted: 2 }],
      options: {},
      header: 'gradcam · 2 images',
    },
    {
      why: 'some unlabelled',
      items: [{ predicted: 1, label: 1 }, { predicted: 2, label: 3 }, { predicted: 4 }],
      options: { title: 'CI run 42' },
      header: 'CI run 42 · 3 images · 1 correct · 1 misclassified · 1 unlabelled',
    },
    {
      why: 'run counts given (--only misclassified): the run, and how many are shown',
      items: [{ predicted: 2, label: 3 }],
      options: { counts: { explained: 12_345, labelled: 12_345, correct: 12_000 } },
      header: 'gradcam · 12,345 images · 12,000 correct · 345 misclassified · showing 1',
    },
    {
      why: 'one image',
      items: [{ predicted: 5, label: 5 }],
      options: {},
      header: 'gradcam · 1 image · 1 correct · 0 misclassified',
    },
  ];
  for (const { why, items, options, header } of headerCases) {
    it(`header line: ${why}`, () => {
      assert.equal(planContactSheets(items, options).pages[0]!.labels[0]!.text, header);
    });
  }

  it('widens cells for long class names so captions do not overlap', () => {
    const items = [{ predicted: 0, label: 1 }, { predicted: 1, label: 1 }];
    const short = planContactSheets(items);
    const long = planContactSheets(items, { classNames: ['a very long class name', 'another long one'] });
    assert.equal(short.geometry.cellWidth, 56 + 2 * short.geometry.frame);
    assert.ok(long.geometry.cellWidth > short.geometry.cellWidth);
  });

  it('rejects bad options and items with messages naming them', () => {
    const items = [{ predicted: 1 }];
    assert.throws(() => planContactSheets(items, { perPage: 0 }), isGradcamError(/tiles per page must be a whole number >= 1.*got 0/, 2));
    assert.throws(() => planContactSheets(items, { perPage: 2.5 }), isGradcamError(/got 2.5/, 2));
    assert.throws(() => planContactSheets(items, { scale: 0 }), isGradcamError(/scale must be a whole number >= 1.*got 0/, 2));
    const many = Array.from({ length: 10_000 }, () => ({ predicted: 1 }));
    assert.throws(
      () => planContactSheets(many, { perPage: 10_000, scale: 4 }),
      isGradcamError(new RegExp(`limit ${MAX_SHEET_SIDE} px a side.*tiles per page \\(10000\\)`), 2),
    );
    assert.throws(() => planContactSheets([{ predicted: -1 }]), isGradcamError(/item 0: predicted must be a class index.*got -1/));
    assert.throws(
      () => planContactSheets([{ predicted: 1 }, { predicted: 1, label: 2.5 }]),
      isGradcamError(/item 1: label must be a class index.*got 2.5/),
    );
    assert.throws(
      () => planContactSheets([{ predicted: 1 }, { predicted: 1, imageHeight: 32, imageWidth: 32 }]),
      isGradcamError(/item 1 is 32x32 but item 0 is 28x28/),
    );
  });
});

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
    const [header, pageNumber, , ...captions] = plan.pages[0]!.labels;
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
      renderContactSheets([good], { colormap: 'viridis' as 'jet' }),
      isGradcamError(/unknown colormap "viridis"/, 2),
    );
  });

  it('defaults: scale 2, perPage 400, the tutorial alpha and colormap', () => {
    assert.deepEqual(CONTACT_SHEET_DEFAULTS, { scale: 2, alpha: 0.4, colormap: 'jet', perPage: 400, title: 'gradcam' });
  });
});
