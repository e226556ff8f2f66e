/**
 * Page planning of the contact sheets (issue 4), pure: which tile goes where,
 * in what order (misclassified first), with what caption, on how many pages,
 * and the geometry of the grid. contact-sheet.ts paints and encodes the plan;
 * keeping this apart makes the ordering and geometry testable without pixels.
 */
import { GradcamError, usageError } from '../errors.js';
import type { ColormapName } from '../render/colormaps.js';
import { RENDER_DEFAULTS } from '../render/render-style.js';
import type { TextLabel } from '../render/text.js';
import { colourBarLayout, type ColourBarLayout } from '../render/colour-bar.js';
import { glyphRun } from '../render/glyph-run.js';
import { estimateTextWidth } from '../render/text-width.js';
import type { ImageAndHeatmap } from '../render/tiles.js';
import { percent, thousands } from './number-format.js';

/**
 * One explained input as a contact sheet shows it. Every item of one call
 * must have the same image size and the same heatmap size.
 */
export interface ContactSheetItem extends ImageAndHeatmap {
  /** Predicted class index. */
  predicted: number;
  /** True class index, when known. */
  label?: number;
  /** Probability of the predicted class, 0..1 (drawn as a bar under the tile, and as a percentage in its detail line). */
  probability: number;
  /** What the tile shows, for its detail line: `#42` for MNIST, a file name (see {@link tileName}); none: the probability alone. */
  name?: string;
  /**
   * The tile already painted, 8-bit RGB, tileHeight·tileWidth·3 bytes
   * (imageHeight·imageWidth times the sheet's scale, squared): drawn as it
   * is instead of blending `image` and `heatmap` (`gradcam merge` builds
   * sheets from the shards' overlay pictures).
   */
  painted?: Uint8Array;
}

export interface ContactSheetOptions {
  /** Screen pixels per image pixel; default 2 (MNIST's 28 px -> 56 px tiles). */
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
  /** A 0 → 1 colour bar in the sheet's colormap under the legend, with a caption saying what 1 is. */
  colourBar?: { caption?: string };
}

export const CONTACT_SHEET_DEFAULTS = {
  scale: 2,
  alpha: RENDER_DEFAULTS.alpha,
  colormap: RENDER_DEFAULTS.colormap,
  perPage: 400,
  title: 'gradcam',
} as const satisfies Required<Omit<ContactSheetOptions, 'classNames' | 'counts' | 'colourBar'>>;

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
  detail: '#555555',
} as const;

/**
 * A tile's name for its detail line: `#42` for an MNIST source
 * (`mnist:test/42`), else the file's name without its directories and
 * extension (`digits/7_a.png` → `7_a`): a 56 px tile has room for about nine
 * characters, and the report lists the full paths.
 */
export function tileName(source: string): string {
  const mnist = /^mnist:\w+\/(\d+)$/.exec(source);
  if (mnist) return `#${mnist[1]}`;
  const file = source.split(/[\\/]/).pop() || source;
  return file.replace(/(?<=.)\.[^.]*$/, '');
}

/**
 * The detail line under a tile's caption: its name and the predicted class's
 * probability, `#42 97%`, with the name shortened in the middle (`my_d…7.png`)
 * so the line fits `width` px at `fontSize`. The probability has no decimals
 * (`<1%`, `>99%` at the ends, number-format.ts's rule) because a 56 px tile
 * has room for about nine characters.
 */
export function tileDetail(name: string | undefined, probability: number | undefined, width: number, fontSize: number): string {
  const p = probability === undefined ? '' : Number.isFinite(probability) ? percent(probability, 0) : '?';
  const line = (shown: string) => [shown, p].filter((part) => part !== '').join(' ');
  if (name === undefined || name === '') return p;
  const fits = (text: string) => estimateTextWidth(text, fontSize) <= width;
  if (fits(line(name))) return line(name);
  const chars = Array.from(name);
  // Keep the end (extension, the last digits) a little longer than the start.
  for (let keep = chars.length - 1; keep >= 1; keep--) {
    const head = Math.floor(keep / 2);
    const text = line(`${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`);
    if (fits(text)) return text;
  }
  return p;
}

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
  /** The colour bar under the legend, on every page, when asked for (its labels are in each page's `labels`). */
  colourBar?: ColourBarLayout;
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
  /**
   * Detail lines (name and probability) that are not glyph runs (file names), all different:
   * for render/text-block.ts's drawTextBlock, in SHEET_COLORS.detail. MNIST tiles' lines are glyph runs in `labels`.
   */
  details: TextLabel[];
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
 * @returns the plan; for no items, no pages (and the geometry of 0x0 tiles).
 * @throws usage error (exit 2) for a bad perPage or scale or a page over
 *   {@link MAX_SHEET_SIDE} px; GradcamError for a bad class index or mixed image sizes.
 */
export function planContactSheets(
  items: readonly (Pick<ContactSheetItem, 'predicted' | 'label' | 'imageHeight' | 'imageWidth'> & Partial<Pick<ContactSheetItem, 'probability' | 'name'>>)[],
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
  // No items: no pages, and the geometry of 0x0 tiles.
  const imageHeight = items[0]?.imageHeight ?? 0;
  const imageWidth = items[0]?.imageWidth ?? 0;
  const counts = { items: items.length, correct: 0, misclassified: 0, unlabelled: 0 };
  items.forEach((item, index) => {
    assertClass('predicted', item.predicted, index);
    assertClass('label', item.label, index);
    const h = item.imageHeight;
    const w = item.imageWidth;
    if (h !== imageHeight || w !== imageWidth) {
      throw new GradcamError(
        `contact sheet item ${index} is ${h}x${w} but item 0 is ${imageHeight}x${imageWidth}; all tiles of a sheet must have one size`,
      );
    }
    counts[verdictOf(item)]++;
  });

  const tileWidth = imageWidth * scale;
  const tileHeight = imageHeight * scale;
  // Frame and bar are about one image pixel thick: tileHeight / imageHeight, which is `scale`
  // (written so, because a sheet without items has no image height to divide by).
  const unit = scale;
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
  // The detail line ("#42 97%") a little smaller than the caption, 9 px at least.
  const detailSize = Math.max(9, Math.round(captionSize * 0.85));
  const captionBand = Math.round(captionSize * 1.3) + Math.round(detailSize * 1.25);
  const cellHeight = frame + tileHeight + frame + barGap + barHeight + captionBand;
  const columns = Math.max(1, Math.min(Math.ceil(Math.sqrt(perPage)), items.length));

  const pageCount = Math.ceil(items.length / perPage);
  // The page number is its own label, right-aligned: the rest of the header is then one text for all pages.
  const headerText = [title, ...headerStatus(counts, options.counts)].join(' · ');
  const pageText = (page: number) => `page ${page + 1}/${pageCount}`;
  const legend =
    counts.misclassified > 0
      ? 'red frame: misclassified, caption "predicted ≠ true"; misclassified first, then input order · bar and %: confidence'
      : 'caption: predicted class · bar and %: confidence · input order';

  const headerBaseline = margin + Math.round(headerSize * 0.93);
  const legendBaseline = headerBaseline + Math.round(headerSize * 0.3) + Math.round(legendSize * 0.93) + 2;
  const legendBottom = legendBaseline + Math.round(legendSize * 0.24);
  const gridWidth = columns * cellWidth + (columns - 1) * gutter;
  // The bar is about three tiles long, never under 16 label heights, so its ticks stay apart.
  const barLength = Math.max(3 * tileWidth, 16 * legendSize);
  const textWidth = Math.max(
    estimateTextWidth(`${headerText} · ${pageText(pageCount - 1)}`, headerSize),
    estimateTextWidth(legend, legendSize),
    options.colourBar === undefined ? 0 : Math.max(barLength, estimateTextWidth(options.colourBar.caption ?? '', legendSize)),
  );
  const width = 2 * margin + Math.max(gridWidth, Math.ceil(textWidth));
  const colourBar =
    options.colourBar === undefined || items.length === 0
      ? undefined
      : colourBarLayout(margin, legendBottom + Math.round(legendSize * 0.6), barLength, legendSize, options.colourBar.caption, 'start');
  const gridTop = (colourBar === undefined ? legendBottom : colourBar.bar.top + colourBar.height) + gutter + 2;

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
    ...(colourBar === undefined ? {} : { colourBar }),
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
      ...(colourBar?.labels ?? []),
    ];
    const details: TextLabel[] = [];
    const tiles = onPage.map((item, slot): PlacedTile => {
      const cellLeft = margin + (slot % columns) * (cellWidth + gutter);
      const cellTop = gridTop + Math.floor(slot / columns) * (cellHeight + gutter);
      const verdict = verdictOf(items[item] as ContactSheetItem);
      const caption = captions[item] as string;
      const centre = cellLeft + cellWidth / 2;
      // Baseline one ascent (0.93 em) below the bar, a little air above.
      const baseline = cellTop + frame + tileHeight + frame + barGap + barHeight + Math.round(captionSize * 1.05);
      labels.push(...captionLabels(items[item] as ContactSheetItem, verdict, centre, baseline, captionSize, options.classNames));
      const { name, probability } = items[item]!;
      // The line may reach into the gutters (white space) on both sides.
      const detail = tileDetail(name, probability, cellWidth + gutter, detailSize);
      const detailBaseline = baseline + Math.round(captionSize * 0.24) + Math.round(detailSize * 1.05);
      // "#42 97%" from cached glyphs (glyph-run.ts); a file name, different on every tile, goes into the page's one text block.
      const glyphs = glyphRun(detail, centre, detailBaseline, detailSize, SHEET_COLORS.detail);
      if (glyphs !== undefined) labels.push(...glyphs);
      else details.push({ text: detail, x: centre, y: detailBaseline, fontSize: detailSize, color: SHEET_COLORS.detail });
      return {
        item,
        verdict,
        caption,
        left: cellLeft + Math.floor((cellWidth - tileWidth) / 2),
        top: cellTop + frame,
      };
    });
    pages.push({ width, height, tiles, labels, details });
  }
  return { geometry, pages, counts };
}
