/**
 * Contact sheets for batch explain (issue 4): pages of small Grad-CAM overlay
 * tiles, each captioned with its predicted class (and the true one when the
 * model got it wrong), misclassified tiles first and framed in red, so that
 * the mistakes of a CI run are what page 1 shows. A bar under each tile shows
 * the model's confidence; a header line per page gives the run's counts.
 *
 * No TensorFlow.js. The layout is a pure function ({@link planContactSheets})
 * so its ordering and geometry are testable without decoding pixels;
 * {@link paintContactSheets} paints the plan one page canvas at a time, with
 * overlay.ts's tile painter and text rendering; {@link renderContactSheets}
 * also encodes each page with png.ts.
 */
import { GradcamError, usageError } from '../errors.js';
import type { ColormapName } from '../render/colormaps.js';
import { thousands } from './number-format.js';
import { RENDER_DEFAULTS } from '../render/render-style.js';
import {
  blankCanvas,
  drawText,
  encodePng,
  tilePainter,
  type TilePainter,
  estimateTextWidth,
  type RgbImage,
  type TextLabel,
} from '../render/overlay.js';

/** One explained input as a contact sheet shows it. */
export interface ContactSheetItem {
  /** imageHeight*imageWidth greyscale in [0, 1], white ink on black (MNIST). */
  image: Float32Array;
  /** Default 28 (MNIST); every item of one call must have the same size. */
  imageHeight?: number;
  imageWidth?: number;
  /** heatmapHeight*heatmapWidth Grad-CAM map in [0, 1] (e.g. 11x11 at conv2). */
  heatmap: Float32Array;
  heatmapHeight: number;
  heatmapWidth: number;
  /** Predicted class index. */
  predicted: number;
  /** True class index, when known. */
  label?: number;
  /** Probability of the predicted class, 0..1 (drawn as a bar under the tile). */
  probability: number;
}

export interface ContactSheetOptions {
  /** Screen pixels per image pixel; default 2 (28 px -> 56 px tiles). */
  scale?: number;
  /** Heatmap opacity in [0, 1]; default 0.4 (the tutorial's). */
  alpha?: number;
  /** Default 'jet'. */
  colormap?: ColormapName;
  /** Most tiles on one page; default 400 (a 20x20 grid). */
  perPage?: number;
  /** First words of each page's header line; default 'gradcam'. */
  title?: string;
  /** Display names of the classes (index -> name); default the index itself. */
  classNames?: readonly string[];
  /**
   * Counts of the whole run for the header line, when the sheet shows only
   * part of it (e.g. `--only misclassified`); default: counted from the items.
   */
  counts?: { explained: number; labelled: number; correct: number };
}

export const CONTACT_SHEET_DEFAULTS = {
  scale: 2,
  alpha: RENDER_DEFAULTS.alpha,
  colormap: RENDER_DEFAULTS.colormap,
  perPage: 400,
  title: 'gradcam',
} as const satisfies Required<Omit<ContactSheetOptions, 'classNames' | 'counts'>>;

/** Largest page side in pixels: beyond it a typo in `perPage` or `scale` would allocate gigabytes. */
export const MAX_SHEET_SIDE = 16384;

/** Colours of the sheet: matplotlib's tab:red marks mistakes, as red marks them in the HTML report. */
export const SHEET_COLORS = {
  misclassifiedFrame: [214, 39, 40],
  barTrack: [228, 228, 228],
  barCorrect: [96, 96, 96],
  misclassifiedCaption: '#d62728',
  caption: '#222222',
  header: '#000000',
  legend: '#555555',
} as const;

const MNIST_SIDE = 28;

// ---------------------------------------------------------------------------
// Captions and order

/** How an item's prediction relates to its label. */
export type Verdict = 'correct' | 'misclassified' | 'unlabelled';

/** `unlabelled` without a label, else whether the prediction matches it. */
export function verdictOf(item: Pick<ContactSheetItem, 'predicted' | 'label'>): Verdict {
  if (item.label === undefined) return 'unlabelled';
  return item.label === item.predicted ? 'correct' : 'misclassified';
}

/**
 * The caption under a tile: the predicted class alone (`"7"`) when it is right
 * or when there is no label; `"7 ≠ 2"` (predicted ≠ true) when it is wrong.
 * Short on purpose: at scale 2 a tile is 56 px wide and "pred 7 · true 2"
 * would not fit in 11 px type; the page legend spells out the convention.
 */
export function tileCaption(
  item: Pick<ContactSheetItem, 'predicted' | 'label'>,
  classNames?: readonly string[],
): string {
  const name = (c: number) => classNames?.[c] ?? String(c);
  return verdictOf(item) === 'misclassified'
    ? `${name(item.predicted)} ≠ ${name(item.label as number)}`
    : name(item.predicted);
}

/**
 * The order in which tiles are laid out: indices of misclassified items in
 * input order, then all others (correct and unlabelled) in input order.
 */
export function contactSheetOrder(items: readonly Pick<ContactSheetItem, 'predicted' | 'label'>[]): number[] {
  const wrong: number[] = [];
  const rest: number[] = [];
  items.forEach((item, index) => (verdictOf(item) === 'misclassified' ? wrong : rest).push(index));
  return wrong.concat(rest);
}

/**
 * The counts of a page header: `10,000 images`, then `9,894 correct`,
 * `106 misclassified` when there are labels, `12 unlabelled` when only some
 * inputs have one, and `showing 106` when the sheet holds fewer tiles than the
 * run explained.
 */
function headerStatus(
  shown: ContactSheetPlan['counts'],
  run: ContactSheetOptions['counts'],
): string[] {
  const explained = run?.explained ?? shown.items;
  const labelled = run?.labelled ?? shown.items - shown.unlabelled;
  const correct = run?.correct ?? shown.correct;
  const status = [`${thousands(explained)} image${explained === 1 ? '' : 's'}`];
  if (labelled > 0) status.push(`${thousands(correct)} correct`, `${thousands(labelled - correct)} misclassified`);
  if (labelled > 0 && labelled < explained) status.push(`${thousands(explained - labelled)} unlabelled`);
  if (shown.items < explained) status.push(`showing ${thousands(shown.items)}`);
  return status;
}

/**
 * The caption as drawText labels, centred on `centre`. A misclassified
 * caption is three labels, `7` `≠` `2`, placed around the centred sign: text
 * renderings are cached per string, so 10 classes need ~30 renderings instead
 * of one per (predicted, true) pair, ~4 ms each on first use.
 */
function captionLabels(
  item: Pick<ContactSheetItem, 'predicted' | 'label'>,
  verdict: Verdict,
  centre: number,
  baseline: number,
  fontSize: number,
  classNames: readonly string[] | undefined,
): TextLabel[] {
  const name = (c: number) => classNames?.[c] ?? String(c);
  if (verdict !== 'misclassified') {
    return [{ text: name(item.predicted), x: centre, y: baseline, fontSize, color: SHEET_COLORS.caption }];
  }
  // Half the sign (DejaVu Sans '≠' is 0.84 em) plus a space (0.32 em) on each side.
  const offset = Math.round(0.74 * fontSize);
  const color = SHEET_COLORS.misclassifiedCaption;
  return [
    { text: name(item.predicted), x: centre - offset, y: baseline, fontSize, anchor: 'end', color },
    { text: '≠', x: centre, y: baseline, fontSize, color },
    { text: name(item.label as number), x: centre + offset, y: baseline, fontSize, anchor: 'start', color },
  ];
}

// ---------------------------------------------------------------------------
// Layout (pure)

/** Sizes shared by every page of one call, in pixels. */
export interface SheetGeometry {
  tileWidth: number;
  tileHeight: number;
  /** Width of the red frame drawn around a misclassified tile, outside the tile. */
  frame: number;
  /** Confidence bar under the tile: its height and the gap above it. */
  barHeight: number;
  barGap: number;
  captionSize: number;
  /** A cell is frame + tile + frame wide; frame + tile + frame + bar + caption band high. */
  cellWidth: number;
  cellHeight: number;
  /** Space between cells. */
  gutter: number;
  margin: number;
  columns: number;
  headerSize: number;
  legendSize: number;
  /** Top of the first row of cells. */
  gridTop: number;
}

/** One tile's place on a page. */
export interface PlacedTile {
  /** Index into the caller's items. */
  item: number;
  verdict: Verdict;
  caption: string;
  /** Top-left corner of the tile pixels (the frame, if any, lies outside). */
  left: number;
  top: number;
}

export interface SheetPage {
  width: number;
  height: number;
  tiles: PlacedTile[];
  /** Header, page number, legend, then the captions (one label per tile, three for a misclassified one), ready for drawText. */
  labels: TextLabel[];
}

export interface ContactSheetPlan {
  geometry: SheetGeometry;
  pages: SheetPage[];
  counts: { items: number; correct: number; misclassified: number; unlabelled: number };
}

function assertClass(what: string, value: number | undefined, index: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new GradcamError(`contact sheet item ${index}: ${what} must be a class index (integer >= 0), got ${value}`);
  }
}

/**
 * Lays out the pages: which item goes where, the captions, header and legend.
 * Pages hold at most `perPage` tiles in a grid of `ceil(sqrt(perPage))`
 * columns (fewer when there are fewer items); every page has the same width,
 * the last one may be shorter. Misclassified items come first
 * ({@link contactSheetOrder}).
 *
 * @param items only `predicted`, `label` and the image size are read.
 * @returns the plan; no pages for no items.
 * @throws usage error (exit 2) for a bad perPage or scale or a page over
 *   {@link MAX_SHEET_SIDE} px; GradcamError for a bad class index or mixed image sizes.
 */
export function planContactSheets(
  items: readonly Pick<ContactSheetItem, 'predicted' | 'label' | 'imageHeight' | 'imageWidth'>[],
  options: ContactSheetOptions = {},
): ContactSheetPlan {
  const scale = options.scale ?? CONTACT_SHEET_DEFAULTS.scale;
  const perPage = options.perPage ?? CONTACT_SHEET_DEFAULTS.perPage;
  const title = options.title ?? CONTACT_SHEET_DEFAULTS.title;
  if (!Number.isInteger(perPage) || perPage < 1) {
    throw usageError(`contact sheet tiles per page must be a whole number >= 1 (default 400 = 20x20), got ${perPage}`);
  }
  if (!Number.isInteger(scale) || scale < 1) {
    throw usageError(`contact sheet scale must be a whole number >= 1 (default 2: 56 px tiles), got ${scale}`);
  }
  const imageHeight = items[0]?.imageHeight ?? MNIST_SIDE;
  const imageWidth = items[0]?.imageWidth ?? MNIST_SIDE;
  const counts = { items: items.length, correct: 0, misclassified: 0, unlabelled: 0 };
  items.forEach((item, index) => {
    assertClass('predicted', item.predicted, index);
    assertClass('label', item.label, index);
    const h = item.imageHeight ?? MNIST_SIDE;
    const w = item.imageWidth ?? MNIST_SIDE;
    if (h !== imageHeight || w !== imageWidth) {
      throw new GradcamError(
        `contact sheet item ${index} is ${h}x${w} but item 0 is ${imageHeight}x${imageWidth}; all tiles of a sheet must have one size`,
      );
    }
    counts[verdictOf(item)]++;
  });

  const tileWidth = imageWidth * scale;
  const tileHeight = imageHeight * scale;
  const unit = Math.max(1, Math.round(tileHeight / MNIST_SIDE)); // = scale for MNIST
  const frame = Math.max(2, unit);
  const barHeight = Math.max(2, unit);
  const barGap = Math.max(1, Math.round(unit / 2));
  // 11 px captions under 56 px tiles: the smallest size whose digits stay legible in DejaVu Sans.
  const captionSize = Math.min(24, Math.max(10, Math.round(tileHeight * 0.2)));
  const gutter = Math.max(4, Math.round(tileWidth * 0.1));
  const margin = Math.max(10, 2 * gutter);
  const headerSize = Math.min(22, Math.max(13, Math.round(tileHeight * 0.25)));
  const legendSize = Math.max(10, Math.round(headerSize * 0.8));

  const order = contactSheetOrder(items);
  const captions = items.map((item) => tileCaption(item, options.classNames));
  const widestCaption = captions.reduce((widest, c) => Math.max(widest, estimateTextWidth(c, captionSize)), 0);
  const cellWidth = Math.max(tileWidth + 2 * frame, Math.ceil(widestCaption));
  const captionBand = Math.round(captionSize * 1.3);
  const cellHeight = frame + tileHeight + frame + barGap + barHeight + captionBand;
  const columns = Math.max(1, Math.min(Math.ceil(Math.sqrt(perPage)), items.length));

  const pageCount = Math.ceil(items.length / perPage);
  // The page number is its own label, right-aligned: the rest of the header is then one text for all pages.
  const headerText = [title, ...headerStatus(counts, options.counts)].join(' · ');
  const pageText = (page: number) => `page ${page + 1}/${pageCount}`;
  const legend =
    counts.misclassified > 0
      ? 'red frame: misclassified, caption "predicted ≠ true"; misclassified first, then input order · bar: confidence'
      : 'caption: predicted class · bar: confidence · input order';

  const headerBaseline = margin + Math.round(headerSize * 0.93);
  const legendBaseline = headerBaseline + Math.round(headerSize * 0.3) + Math.round(legendSize * 0.93) + 2;
  const gridTop = legendBaseline + Math.round(legendSize * 0.24) + gutter + 2;
  const gridWidth = columns * cellWidth + (columns - 1) * gutter;
  const textWidth = Math.max(
    estimateTextWidth(`${headerText} · ${pageText(pageCount - 1)}`, headerSize),
    estimateTextWidth(legend, legendSize),
  );
  const width = 2 * margin + Math.max(gridWidth, Math.ceil(textWidth));

  const geometry: SheetGeometry = {
    tileWidth,
    tileHeight,
    frame,
    barHeight,
    barGap,
    captionSize,
    cellWidth,
    cellHeight,
    gutter,
    margin,
    columns,
    headerSize,
    legendSize,
    gridTop,
  };

  const pages: SheetPage[] = [];
  for (let page = 0; page < pageCount; page++) {
    const onPage = order.slice(page * perPage, (page + 1) * perPage);
    const rows = Math.ceil(onPage.length / columns);
    const height = gridTop + rows * cellHeight + (rows - 1) * gutter + margin;
    if (width > MAX_SHEET_SIDE || height > MAX_SHEET_SIDE) {
      throw usageError(
        `a contact sheet page would be ${width}x${height} px (limit ${MAX_SHEET_SIDE} px a side); lower the tiles per page (${perPage}) or the scale (${scale})`,
      );
    }
    const labels: TextLabel[] = [
      { text: headerText, x: margin, y: headerBaseline, fontSize: headerSize, anchor: 'start', color: SHEET_COLORS.header },
      { text: pageText(page), x: width - margin, y: headerBaseline, fontSize: headerSize, anchor: 'end', color: SHEET_COLORS.header },
      { text: legend, x: margin, y: legendBaseline, fontSize: legendSize, anchor: 'start', color: SHEET_COLORS.legend },
    ];
    const tiles = onPage.map((item, slot): PlacedTile => {
      const cellLeft = margin + (slot % columns) * (cellWidth + gutter);
      const cellTop = gridTop + Math.floor(slot / columns) * (cellHeight + gutter);
      const verdict = verdictOf(items[item] as ContactSheetItem);
      const caption = captions[item] as string;
      const centre = cellLeft + cellWidth / 2;
      // Baseline one ascent (0.93 em) below the bar, a little air above.
      const baseline = cellTop + frame + tileHeight + frame + barGap + barHeight + Math.round(captionSize * 1.05);
      labels.push(...captionLabels(items[item] as ContactSheetItem, verdict, centre, baseline, captionSize, options.classNames));
      return {
        item,
        verdict,
        caption,
        left: cellLeft + Math.floor((cellWidth - tileWidth) / 2),
        top: cellTop + frame,
      };
    });
    pages.push({ width, height, tiles, labels });
  }
  return { geometry, pages, counts };
}

// ---------------------------------------------------------------------------
// Painting

/**
 * zlib level of the pages, without adaptive filtering. Measured on a
 * 1338x1718 page of 400 MNIST tiles (busy 2-core machine): level 1 27 ms,
 * 1.41 MB; level 3 41 ms, 1.17 MB; level 6 (overlay.ts's encodePng) 88 ms,
 * 1.09 MB; adaptive filtering 110-150 ms. Encoding is the largest cost of a
 * sheet (profiled on the 25 pages of 10,000 items: ~100 ms a page with the
 * row filter, against ~40 ms to paint it), so batch mode encodes pages on its
 * picture threads while this thread paints the next one (commands/explain/batch.ts).
 */
export const CONTACT_SHEET_PNG_LEVEL = 1;



function fillRect(
  canvas: RgbImage,
  left: number,
  top: number,
  width: number,
  height: number,
  [red, green, blue]: readonly [number, number, number],
): void {
  const x0 = Math.max(0, left);
  const x1 = Math.min(canvas.width, left + width);
  const data = canvas.data;
  for (let y = Math.max(0, top); y < Math.min(canvas.height, top + height); y++) {
    for (let o = (y * canvas.width + x0) * 3, end = (y * canvas.width + x1) * 3; o < end; o += 3) {
      data[o] = red;
      data[o + 1] = green;
      data[o + 2] = blue;
    }
  }
}

/**
 * Renders contact sheets: one PNG per page of the plan of
 * {@link planContactSheets}, painted by {@link paintContactSheets} and
 * encoded here, one page after the other on a single canvas, so only one
 * page's pixels are alive at a time (~6.9 MB at the defaults).
 *
 * @returns PNG bytes (8-bit RGB), one buffer per page, in page order; `[]`
 *   for no items. The caller writes them.
 * @throws as {@link paintContactSheets}.
 */
export async function renderContactSheets(
  items: readonly ContactSheetItem[],
  options: ContactSheetOptions = {},
): Promise<Buffer[]> {
  const pngs: Buffer[] = [];
  let canvas: RgbImage | undefined;
  await paintContactSheets(
    items,
    options,
    async (page) => {
      pngs.push(await encodePng(page, CONTACT_SHEET_PNG_LEVEL));
    },
    // Reuse the previous page's buffer when the size matches (all pages but a shorter last one).
    (width, height) => {
      if (canvas === undefined || canvas.width !== width || canvas.height !== height) {
        canvas = blankCanvas(width, height);
      } else {
        canvas.data.fill(255);
      }
      return canvas;
    },
  );
  return pngs;
}

/**
 * Paints the contact sheet pages of the plan of {@link planContactSheets}
 * and hands each to `consume`, in page order, awaiting it before painting the
 * next. Each tile is the overlay of overlay.ts's `overlayTile` (digit
 * nearest-enlarged, heatmap bilinear-enlarged from its own resolution,
 * blended; same pixels); a misclassified tile gets a red frame and a red
 * caption; a bar under each tile shows the predicted class's probability
 * (0..1 of the tile width). Batch mode encodes and writes pages on its
 * picture threads while this paints the next one (commands/explain/batch.ts).
 *
 * @param consume receives each painted page (8-bit RGB) with its index and
 *   the page count; it may keep the canvas when `canvasFor` gives a new one per page.
 * @param canvasFor a white canvas of the given size for the next page
 *   (default: a new one per page).
 * @throws as {@link planContactSheets}; GradcamError naming the item for a
 *   wrong array length, a NaN or a heatmap size unlike the first item's;
 *   usage error for a bad alpha or colormap.
 */
export async function paintContactSheets(
  items: readonly ContactSheetItem[],
  options: ContactSheetOptions,
  consume: (page: RgbImage, index: number, count: number) => Promise<void>,
  canvasFor: (width: number, height: number) => RgbImage = blankCanvas,
): Promise<void> {
  const plan = planContactSheets(items, options);
  const first = items[0];
  if (first === undefined) return;
  const { geometry: g } = plan;
  const painter = tilePainter({
    imageHeight: first.imageHeight ?? MNIST_SIDE,
    imageWidth: first.imageWidth ?? MNIST_SIDE,
    heatmapHeight: first.heatmapHeight,
    heatmapWidth: first.heatmapWidth,
    tileHeight: g.tileHeight,
    tileWidth: g.tileWidth,
    alpha: options.alpha ?? CONTACT_SHEET_DEFAULTS.alpha,
    colormap: options.colormap ?? CONTACT_SHEET_DEFAULTS.colormap,
  });
  items.forEach((item, index) => {
    if (item.heatmapHeight !== painter.heatmapHeight || item.heatmapWidth !== painter.heatmapWidth) {
      throw new GradcamError(
        `contact sheet item ${index} has a ${item.heatmapHeight}x${item.heatmapWidth} heatmap but item 0 has ${first.heatmapHeight}x${first.heatmapWidth}; all maps of a sheet must come from one layer`,
      );
    }
  });
  for (const [index, page] of plan.pages.entries()) {
    const canvas = canvasFor(page.width, page.height);
    // Captions not yet cached are rasterised on sharp's threads while the tiles are painted on this one.
    const text = drawText(canvas, page.labels);
    try {
      for (const placed of page.tiles) paintCell(canvas, g, painter, placed, items[placed.item] as ContactSheetItem);
    } catch (error) {
      await text.catch(() => undefined); // settle it: a rejected caption must not go unhandled
      throw error;
    }
    await text;
    await consume(canvas, index, plan.pages.length);
  }
}

/** One cell: the tile, its red frame when misclassified, and the confidence bar. */
function paintCell(canvas: RgbImage, g: SheetGeometry, painter: TilePainter, placed: PlacedTile, item: ContactSheetItem): void {
  painter.paintTile(canvas, placed.left, placed.top, item.image, item.heatmap, `contact sheet item ${placed.item}`);
  const red = SHEET_COLORS.misclassifiedFrame;
  if (placed.verdict === 'misclassified') {
    const f = g.frame;
    fillRect(canvas, placed.left - f, placed.top - f, g.tileWidth + 2 * f, f, red);
    fillRect(canvas, placed.left - f, placed.top + g.tileHeight, g.tileWidth + 2 * f, f, red);
    fillRect(canvas, placed.left - f, placed.top, f, g.tileHeight, red);
    fillRect(canvas, placed.left + g.tileWidth, placed.top, f, g.tileHeight, red);
  }
  const barTop = placed.top + g.tileHeight + g.frame + g.barGap;
  const probability = Number.isFinite(item.probability) ? Math.min(1, Math.max(0, item.probability)) : 0;
  const filled = Math.round(probability * g.tileWidth);
  fillRect(canvas, placed.left, barTop, filled, g.barHeight, placed.verdict === 'misclassified' ? red : SHEET_COLORS.barCorrect);
  fillRect(canvas, placed.left + filled, barTop, g.tileWidth - filled, g.barHeight, SHEET_COLORS.barTrack);
}
