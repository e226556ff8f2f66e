/**
 * Painting and encoding the contact sheets (issue 4): pages of small Grad-CAM
 * overlay tiles, each captioned with its predicted class (and the true one
 * when the model got it wrong) and a line with its index or file name and
 * probability (`#42 97%`), misclassified tiles first and framed in red,
 * so that the mistakes of a CI run are what page 1 shows. A bar under each
 * tile shows the model's confidence; a header line per page gives the run's
 * counts.
 *
 * No TensorFlow.js. The plan (order, captions, geometry) comes from
 * contact-sheet-layout.ts's {@link planContactSheets}; {@link paintContactSheets}
 * paints it one page canvas at a time with render/tile-painter.ts and
 * render/text.ts; {@link renderContactSheets} also encodes each page with
 * render/png.ts.
 */
import { GradcamError } from '../errors.js';
import { blankCanvas } from '../render/canvas.js';
import { paintColourBar } from '../render/colour-bar.js';
import { encodePng } from '../render/png.js';
import { CHANNEL_MAX, type RgbImage } from '../render/rgb-image.js';
import { drawText } from '../render/text.js';
import { drawTextBlock } from '../render/text-block.js';
import { tilePainter, type TilePainter } from '../render/tile-painter.js';
import {
  CONTACT_SHEET_DEFAULTS,
  SHEET_COLORS,
  planContactSheets,
  type ContactSheetItem,
  type ContactSheetOptions,
  type PlacedTile,
  type SheetGeometry,
} from './contact-sheet-layout.js';

/**
 * zlib level of the pages, without adaptive filtering. Measured on a
 * 1338x1718 page of 400 MNIST tiles (busy 2-core machine): level 1 27 ms,
 * 1.41 MB; level 3 41 ms, 1.17 MB; level 6 (png.ts's default) 88 ms,
 * 1.09 MB; adaptive filtering 110-150 ms. Encoding is the largest cost of a
 * sheet (profiled on the 25 pages of 10,000 items: ~100 ms a page with the
 * row filter, against ~40 ms to paint it), so batch mode encodes pages on its
 * picture threads while this thread paints the next one (commands/explain/batch.ts).
 */
export const CONTACT_SHEET_PNG_LEVEL = 1;

/** Fills a rectangle of the canvas with one colour, clipped at the canvas edges. */
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
        canvas.data.fill(CHANNEL_MAX);
      }
      return canvas;
    },
  );
  return pngs;
}

/**
 * Paints the contact sheet pages of the plan of {@link planContactSheets}
 * and hands each to `consume`, in page order, awaiting it before painting the
 * next. Each tile is the overlay of render/tiles.ts's `overlayTile` (digit
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
    imageHeight: first.imageHeight,
    imageWidth: first.imageWidth,
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
    const text = Promise.all([drawText(canvas, page.labels), drawTextBlock(canvas, page.details, SHEET_COLORS.detail)]);
    try {
      for (const placed of page.tiles) paintCell(canvas, g, painter, placed, items[placed.item] as ContactSheetItem);
      if (g.colourBar !== undefined) paintColourBar(canvas, g.colourBar, options.colormap ?? CONTACT_SHEET_DEFAULTS.colormap);
    } catch (error) {
      await text.catch(() => undefined); // settle it: a rejected caption must not go unhandled
      throw error;
    }
    await text;
    await consume(canvas, index, plan.pages.length);
  }
}

/** Copies a painted tile (ContactSheetItem.painted) onto the page. */
function drawPainted(canvas: RgbImage, left: number, top: number, width: number, height: number, rgb: Uint8Array, item: number): void {
  if (rgb.length !== width * height * 3) {
    throw new GradcamError(`contact sheet item ${item} is a painted tile of ${rgb.length} bytes; a ${width}×${height} tile has ${width * height * 3}`);
  }
  for (let y = 0; y < height; y++) canvas.data.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), ((top + y) * canvas.width + left) * 3);
}

/** One cell: the tile, its red frame when misclassified, and the confidence bar. */
function paintCell(canvas: RgbImage, g: SheetGeometry, painter: TilePainter, placed: PlacedTile, item: ContactSheetItem): void {
  if (item.painted === undefined) painter.paintTile(canvas, placed.left, placed.top, item.image, item.heatmap, `contact sheet item ${placed.item}`);
  else drawPainted(canvas, placed.left, placed.top, g.tileWidth, g.tileHeight, item.painted, placed.item);
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
