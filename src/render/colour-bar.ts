/**
 * A colour bar: the 0 → 1 key of a heatmap's colours, as matplotlib's
 * `plt.colorbar()` draws it, laid out horizontally under a tile (or a grid of
 * tiles) so that a figure's left column (the input) stays untouched. It shows
 * the colormap at full strength, not blended with alpha, like matplotlib's.
 *
 * The bar says what 1 means: every map is divided by a peak before it is
 * coloured (its own, or with `--normalize batch` the batch's), so the caption
 * names that peak in score units; a weak explanation then reads as weak even
 * though its hottest pixel is the colormap's top colour (issue 13).
 *
 * Pure TypeScript, pixels and label positions only; the caller draws the
 * labels with drawText together with its other text.
 */
import { pasteImage } from './canvas.js';
import { applyColormap, type ColormapName } from './colormaps.js';
import { GradcamError } from '../errors.js';
import type { RgbImage } from './rgb-image.js';
import type { TextLabel } from './text.js';

/** A rectangle on a canvas, in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where a colour bar's gradient and its labels sit. */
export interface ColourBarLayout {
  /** The gradient itself. */
  bar: Box;
  /** Tick marks under the bar at 0, ½ and 1 (1 px wide, dark grey). */
  ticks: Box[];
  /** Tick labels "0", "0.5", "1" and the optional caption, for drawText. */
  labels: TextLabel[];
  /** Height of the whole band (bar, ticks, labels, caption) from `top`. */
  height: number;
}

/** Tick positions along the bar, as fractions of the map's peak. */
export const COLOUR_BAR_TICKS = [0, 0.5, 1] as const;

/** Tick marks' colour, RGB: the figure's secondary text grey (#444). */
const TICK_GREY = 0x44;

/**
 * Lays out a horizontal colour bar whose gradient starts at (`left`, `top`).
 * Sizes follow `fontSize` (the tick labels' size) so the bar stays readable
 * from `--scale 1` upwards.
 *
 * @param width gradient length in pixels, at least 2 (0 at the first column, 1 at the last).
 * @param caption optional line under the ticks, e.g. `1 = peak 3.27 (logit)`.
 * @param captionAnchor 'middle' (default): centred under the bar; 'start': from the bar's left end, for a caption longer than the bar at a page's left margin.
 * @returns the gradient box, tick marks, labels and the band's total height.
 */
export function colourBarLayout(
  left: number,
  top: number,
  width: number,
  fontSize: number,
  caption?: string,
  captionAnchor: 'middle' | 'start' = 'middle',
): ColourBarLayout {
  if (!Number.isInteger(width) || width < 2) throw new GradcamError(`a colour bar must be at least 2 px long, received ${width}`);
  const thickness = Math.max(6, Math.round(fontSize * 0.9));
  const tickLength = Math.max(2, Math.round(fontSize * 0.3));
  const bar = { left, top, width, height: thickness };
  const tickTop = top + thickness;
  const ticks = COLOUR_BAR_TICKS.map((t) => ({ left: left + Math.round(t * (width - 1)), top: tickTop, width: 1, height: tickLength }));
  // Baseline one ascent (~0.93 em, DejaVu Sans) below the tick marks.
  const tickBaseline = tickTop + tickLength + Math.round(fontSize * 0.95);
  const anchors = ['start', 'middle', 'end'] as const;
  const labels: TextLabel[] = COLOUR_BAR_TICKS.map((t, i) => ({
    text: String(t),
    x: left + t * (width - 1),
    y: tickBaseline,
    fontSize,
    anchor: anchors[i],
    color: '#444',
  }));
  let bottom = tickBaseline + Math.round(fontSize * 0.24);
  if (caption !== undefined && caption !== '') {
    const captionBaseline = bottom + Math.round(fontSize * 0.3) + Math.round(fontSize * 0.93);
    const x = captionAnchor === 'start' ? left : left + width / 2;
    labels.push({ text: caption, x, y: captionBaseline, fontSize, anchor: captionAnchor, color: '#444' });
    bottom = captionBaseline + Math.round(fontSize * 0.24);
  }
  return { bar, ticks, labels, height: bottom - top };
}

/**
 * The gradient as an image: column i has the colour of i / (width − 1)
 * through `colormap` (matplotlib's `cmap(x, bytes=True)`), so the first
 * column is exactly colormap(0) and the last colormap(1).
 *
 * @returns width × height RGB, new, owned by the caller.
 */
export function colourBarImage(width: number, height: number, colormap: ColormapName): RgbImage {
  if (!Number.isInteger(width) || width < 2 || !Number.isInteger(height) || height < 1) {
    throw new GradcamError(`a colour bar must be at least 2×1 px, received ${width}×${height}`);
  }
  const values = Float32Array.from({ length: width }, (_, i) => i / (width - 1));
  const row = applyColormap(values, colormap);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(row, y * width * 3);
  return { data, width, height };
}

/**
 * Paints a laid-out colour bar's gradient and tick marks onto `canvas` (its
 * labels are the caller's to draw). The layout must fit the canvas.
 */
export function paintColourBar(canvas: RgbImage, layout: ColourBarLayout, colormap: ColormapName): void {
  const { bar } = layout;
  pasteImage(canvas, colourBarImage(bar.width, bar.height, colormap), bar.left, bar.top); // pasteImage checks the fit
  for (const tick of layout.ticks) {
    const mark = { data: new Uint8Array(tick.width * tick.height * 3).fill(TICK_GREY), width: tick.width, height: tick.height };
    pasteImage(canvas, mark, tick.left, tick.top);
  }
}
