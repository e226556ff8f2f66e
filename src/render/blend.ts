/**
 * Painting a heatmap over a greyscale image through a colormap, per pixel:
 * the arithmetic of matplotlib's `imshow(img, cmap='gray')` followed by
 * `imshow(heat, cmap=..., alpha=alpha)`. The tile painter (tile-painter.ts)
 * uses the same {@link blendTable}, so both give the same bytes.
 */
import { GradcamError } from '../errors.js';
import { assertColormapName, lutIndex, nanError, sharedFloatLookup, type ColormapName } from './colormaps.js';
import { assertAlpha } from './render-checks.js';
import { CHANNEL_MAX } from './rgb-image.js';

/** How a heatmap is painted over the image. */
export interface BlendOptions {
  /** Opacity of the heatmap layer in [0, 1]; the tutorial uses 0.4. */
  alpha: number;
  colormap: ColormapName;
}

/** The two terms of a blend: a byte is `round(keep * grey + paint[3 * lutRow + channel])`. */
export interface BlendTable {
  /** alpha * colormap * CHANNEL_MAX per LUT row and channel: LUT_SIZE*3 values. */
  readonly paint: Float64Array;
  /** (1 - alpha) * CHANNEL_MAX, the weight of the grey level. */
  readonly keep: number;
}

/**
 * Precomputes alpha * cmap * CHANNEL_MAX for the LUT rows, so that blending is a
 * multiply-add per channel.
 *
 * @throws usage error (exit 2) for an alpha outside [0, 1] or an unknown colormap.
 */
export function blendTable(alpha: number, colormap: ColormapName): BlendTable {
  assertAlpha(alpha);
  assertColormapName(colormap);
  const lut = sharedFloatLookup(colormap);
  const paint = new Float64Array(lut.length);
  for (let i = 0; i < lut.length; i++) paint[i] = alpha * (lut[i] as number) * CHANNEL_MAX;
  return { paint, keep: (1 - alpha) * CHANNEL_MAX };
}

/**
 * Paints a heatmap over a greyscale image, per pixel and channel:
 * `round((1 - alpha) * grey * CHANNEL_MAX + alpha * cmap(heat) * CHANNEL_MAX)`
 * (CHANNEL_MAX is the byte maximum), where
 * `cmap(heat)` is the colormap's float LUT row `int(heat * 256)` (matplotlib's
 * lookup). This is what `imshow(img, cmap='gray')` then
 * `imshow(heat, cmap=..., alpha=alpha)` composite to, up to matplotlib's own
 * 8-bit quantisation of each layer (its gray LUT truncates, so it can be one
 * level darker; Agg blends in integers). Values are clipped to [0, 1].
 * With alpha = 0 the result is the plain grey image, `round(grey * CHANNEL_MAX)`.
 *
 * @param grey image in [0, 1] (0 black, 1 white), any length.
 * @param heat heatmap in [0, 1], same length and pixel order as `grey`.
 * @returns Uint8Array of length grey.length*3, RGB; new, owned by the caller.
 * @throws GradcamError on a length mismatch or a NaN; usage error on a bad alpha or colormap.
 */
export function blendHeatmap(grey: Float32Array, heat: Float32Array, opts: BlendOptions): Uint8Array {
  if (grey.length !== heat.length) {
    throw new GradcamError(
      `image and heatmap must have the same number of pixels to blend, got ${grey.length} and ${heat.length}; resize the heatmap first`,
    );
  }
  const { paint, keep } = blendTable(opts.alpha, opts.colormap);
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) {
    const g = grey[i] as number;
    const h = heat[i] as number;
    if (Number.isNaN(g)) throw nanError('image', i);
    if (Number.isNaN(h)) throw nanError('heatmap', i);
    const base = keep * (g < 0 ? 0 : g > 1 ? 1 : g);
    const row = lutIndex(h) * 3;
    // Math.round on a value in [0, CHANNEL_MAX]; Uint8Array stores it exactly.
    out[i * 3] = Math.round(base + (paint[row] as number));
    out[i * 3 + 1] = Math.round(base + (paint[row + 1] as number));
    out[i * 3 + 2] = Math.round(base + (paint[row + 2] as number));
  }
  return out;
}
