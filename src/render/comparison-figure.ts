/**
 * The `--method all` figure: the input, then the same input under each
 * method's map, in a grid, each tile titled. Maps may differ in size (layer
 * resolution, or the input's for guided backpropagation); each is upsampled
 * to the tile on its own.
 */
import { blankCanvas, pasteImage } from './canvas.js';
import { encodePng } from './png.js';
import { assertScale } from './render-checks.js';
import { RENDER_DEFAULTS, type RenderStyle } from './render-style.js';
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
}

/**
 * @returns PNG bytes, 8-bit RGB: rows of `columns` tiles (the original first),
 *   each with its title above, and the subtitle under the grid.
 */
export async function renderComparison(opts: ComparisonOptions): Promise<Buffer> {
  const scale = opts.scale ?? RENDER_DEFAULTS.scale;
  const alpha = opts.alpha ?? RENDER_DEFAULTS.alpha;
  const colormap = opts.colormap ?? RENDER_DEFAULTS.colormap;
  assertScale(scale, opts.imageHeight, opts.imageWidth);
  const tileWidth = opts.imageWidth * scale;
  const tileHeight = opts.imageHeight * scale;
  const titles = [opts.originalTitle, ...opts.maps.map((m) => m.title)];
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
  const width = 2 * margin + columns * cellWidth + (columns - 1) * gap;
  const height = 2 * margin + rows * cellHeight + (rows - 1) * gap + subtitleBand;
  const canvas = blankCanvas(width, height);
  const labels: TextLabel[] = [];
  titles.forEach((title, index) => {
    const left = margin + (index % columns) * (cellWidth + gap);
    const top = margin + Math.floor(index / columns) * (cellHeight + gap);
    labels.push({ text: title, x: left + cellWidth / 2, y: top + Math.round(titleSize * 1.1), fontSize: titleSize });
  });
  if (opts.subtitle) {
    labels.push({ text: opts.subtitle, x: width / 2, y: height - margin - Math.round(subtitleSize * 0.4), fontSize: subtitleSize, color: '#444' });
  }
  const text = drawText(canvas, labels);
  try {
    titles.forEach((_, index) => {
      const left = margin + (index % columns) * (cellWidth + gap) + Math.floor((cellWidth - tileWidth) / 2);
      const top = margin + Math.floor(index / columns) * (cellHeight + gap) + titleBand;
      const map = index === 0 ? undefined : opts.maps[index - 1]!;
      const tile =
        map === undefined
          ? imageTile(opts.image, opts.imageHeight, opts.imageWidth, scale)
          : overlayTile({ image: opts.image, imageHeight: opts.imageHeight, imageWidth: opts.imageWidth, ...map, scale, alpha, colormap });
      pasteImage(canvas, tile, left, top);
    });
  } finally {
    await text;
  }
  return encodePng(canvas);
}
