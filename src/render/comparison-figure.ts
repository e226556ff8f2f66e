/**
 * The `--method all` figure: the user's picture when given, the input, then
 * the same input under each method's map, in a grid, each tile titled. Maps may differ in size (layer
 * resolution, or the input's for guided backpropagation); each is upsampled
 * to the tile on its own.
 */
import { blankCanvas, pasteImage } from './canvas.js';
import { colourBarLayout, paintColourBar } from './colour-bar.js';
import { encodePng } from './png.js';
import { assertScale } from './render-checks.js';
import { RENDER_DEFAULTS, type RenderStyle } from './render-style.js';
import { pastePictureTile } from './picture-tile.js';
import type { RgbImage } from './rgb-image.js';
import { drawText, type TextLabel } from './text.js';
import { estimateTextWidth } from './text-width.js';
import { imageTile, overlayTile } from './tiles.js';

/** One method's map in the comparison. */
export interface ComparedMap {
  title: string;
  /** heatmapHeight × heatmapWidth values in [0, 1]. */
  heatmap: Float32Array;
  heatmapHeight: number;
  heatmapWidth: number;
}

export interface ComparisonOptions extends Partial<RenderStyle> {
  /** The input's grey view, imageHeight × imageWidth values in [0, 1]. */
  image: Float32Array;
  imageHeight: number;
  imageWidth: number;
  originalTitle: string;
  maps: readonly ComparedMap[];
  /** Tiles per row, default 5. */
  columns?: number;
  subtitle?: string;
  /**
   * A 0 → 1 colour bar in the figure's colormap under the grid (one for all
   * tiles: they share the colormap), centred, with an optional caption.
   */
  colourBar?: { caption?: string };
  /**
   * The user's picture (picture-tile.ts's pictureTile, within one tile's
   * width and height) with its title, as the grid's first cell (issue 11).
   */
  picture?: { tile: RgbImage; title: string };
}

/**
 * @returns PNG bytes, 8-bit RGB: rows of `columns` tiles (the original first),
 *   each with its title above, the colour bar (if asked for) and the subtitle under the grid.
 */
export async function renderComparison(opts: ComparisonOptions): Promise<Buffer> {
  const scale = opts.scale ?? RENDER_DEFAULTS.scale;
  const alpha = opts.alpha ?? RENDER_DEFAULTS.alpha;
  const colormap = opts.colormap ?? RENDER_DEFAULTS.colormap;
  assertScale(scale, opts.imageHeight, opts.imageWidth);
  const tileWidth = opts.imageWidth * scale;
  const tileHeight = opts.imageHeight * scale;
  const picture = opts.picture;
  const titles = [...(picture === undefined ? [] : [picture.title]), opts.originalTitle, ...opts.maps.map((m) => m.title)];
  // Cells before the first map: the picture (if any) and the model's input.
  const firstMap = picture === undefined ? 1 : 2;
  const columns = Math.max(1, Math.min(opts.columns ?? 5, titles.length));
  const rows = Math.ceil(titles.length / columns);
  const titleSize = Math.min(20, Math.max(11, Math.round(tileHeight * 0.06)));
  const margin = Math.round(titleSize * 1.1);
  const gap = Math.round(titleSize * 1.2);
  const cellWidth = Math.max(tileWidth, ...titles.map((t) => Math.ceil(estimateTextWidth(t, titleSize))));
  const titleBand = Math.round(titleSize * 1.7);
  const cellHeight = titleBand + tileHeight;
  const subtitleSize = Math.max(10, Math.round(titleSize * 0.75));
  const subtitleBand = opts.subtitle ? Math.round(subtitleSize * 2.2) : 0;
  const gridWidth = columns * cellWidth + (columns - 1) * gap;
  const gridBottom = margin + rows * cellHeight + (rows - 1) * gap;
  // The bar spans about one tile (never less than ten label heights) and widens the figure only when its caption would not fit.
  const barWidth = Math.max(tileWidth, 10 * subtitleSize);
  const captionWidth = opts.colourBar?.caption ? Math.ceil(estimateTextWidth(opts.colourBar.caption, subtitleSize)) : 0;
  const width = 2 * margin + Math.max(gridWidth, opts.colourBar === undefined ? 0 : Math.max(barWidth, captionWidth));
  const bar =
    opts.colourBar === undefined
      ? undefined
      : colourBarLayout(Math.round((width - barWidth) / 2), gridBottom + Math.round(subtitleSize * 0.8), barWidth, subtitleSize, opts.colourBar.caption);
  const barBand = bar === undefined ? 0 : bar.bar.top - gridBottom + bar.height;
  const height = gridBottom + barBand + margin + subtitleBand;
  const gridLeft = margin + Math.floor((width - 2 * margin - gridWidth) / 2);
  const canvas = blankCanvas(width, height);
  const labels: TextLabel[] = [...(bar?.labels ?? [])];
  titles.forEach((title, index) => {
    const left = gridLeft + (index % columns) * (cellWidth + gap);
    const top = margin + Math.floor(index / columns) * (cellHeight + gap);
    labels.push({ text: title, x: left + cellWidth / 2, y: top + Math.round(titleSize * 1.1), fontSize: titleSize });
  });
  if (opts.subtitle) {
    labels.push({ text: opts.subtitle, x: width / 2, y: height - margin - Math.round(subtitleSize * 0.4), fontSize: subtitleSize, color: '#444' });
  }
  const text = drawText(canvas, labels);
  try {
    titles.forEach((_, index) => {
      const map = index < firstMap ? undefined : opts.maps[index - firstMap]!;
      const tile =
        picture !== undefined && index === 0
          ? picture.tile
          : map === undefined
            ? imageTile(opts.image, opts.imageHeight, opts.imageWidth, scale)
            : overlayTile({ image: opts.image, imageHeight: opts.imageHeight, imageWidth: opts.imageWidth, ...map, scale, alpha, colormap });
      // Centred in its cell; only the picture may be smaller than a tile.
      const left = gridLeft + (index % columns) * (cellWidth + gap) + Math.floor((cellWidth - tile.width) / 2);
      const top = margin + Math.floor(index / columns) * (cellHeight + gap) + titleBand + Math.floor((tileHeight - tile.height) / 2);
      if (picture !== undefined && index === 0) pastePictureTile(canvas, tile, left, top);
      else pasteImage(canvas, tile, left, top);
    });
    if (bar !== undefined) paintColourBar(canvas, bar, colormap);
  } finally {
    await text;
  }
  return encodePng(canvas);
}
