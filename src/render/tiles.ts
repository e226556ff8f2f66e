/**
 * The two tiles of the tutorial figure as raw RGB, no text: the digit alone
 * and the digit under its Grad-CAM heatmap. Reused by the panel (overlay.ts)
 * and by anything that pastes tiles onto a larger canvas.
 */
import type { ColormapName } from './colormaps.js';
import { assertLength, assertNoNaN, assertScale } from './render-checks.js';
import { RENDER_DEFAULTS } from './render-style.js';
import { CHANNEL_MAX, type RgbImage } from './rgb-image.js';
import { tilePainter } from './tile-painter.js';

/** An image and its Grad-CAM map, each with its size in pixels of the array (before any scaling). */
export interface ImageAndHeatmap {
  /** imageHeight*imageWidth greyscale in [0, 1], white ink on black (MNIST). */
  image: Float32Array;
  imageHeight: number;
  imageWidth: number;
  /** heatmapHeight*heatmapWidth Grad-CAM map in [0, 1] at the conv layer's resolution (e.g. 11x11 at conv2). */
  heatmap: Float32Array;
  heatmapHeight: number;
  heatmapWidth: number;
}

/** The inputs of one overlay tile. */
export interface OverlayOptions extends ImageAndHeatmap {
  /** Screen pixels per image pixel, a whole number >= 1; default 10 (an MNIST digit's 28 px -> 280 px). */
  scale?: number;
  /** Heatmap opacity in [0, 1]; default 0.4. */
  alpha?: number;
  /** Default 'jet'. */
  colormap?: ColormapName;
}

/**
 * The digit alone, enlarged `scale` times with nearest neighbour and drawn in
 * grey (`round(v * CHANNEL_MAX)` on every channel).
 *
 * @param image height*width values in [0, 1] (clipped).
 * @returns an RgbImage of (height*scale) x (width*scale) px.
 * @throws GradcamError for a wrong length or a NaN; usage error for a bad scale.
 */
export function imageTile(
  image: Float32Array,
  height: number,
  width: number,
  scale: number = RENDER_DEFAULTS.scale,
): RgbImage {
  assertLength('image', image, height, width);
  assertNoNaN('image', image);
  assertScale(scale, height, width);
  const tileH = height * scale;
  const tileW = width * scale;
  const rowBytes = tileW * 3;
  const data = new Uint8Array(tileH * rowBytes);
  // For a whole-number scale, nearest neighbour with half-pixel centres is
  // pixel (r, c) -> an s×s block: paint the block's first row, copy it down.
  for (let r = 0; r < height; r++) {
    const start = r * scale * rowBytes;
    for (let c = 0; c < width; c++) {
      const g = image[r * width + c] as number;
      // The rounding of blendHeatmap with alpha 0, so both tiles show the digit identically.
      const level = Math.round(CHANNEL_MAX * (g < 0 ? 0 : g > 1 ? 1 : g));
      data.fill(level, start + c * scale * 3, start + (c + 1) * scale * 3);
    }
    for (let k = 1; k < scale; k++) data.copyWithin(start + k * rowBytes, start, start + rowBytes);
  }
  return { data, width: tileW, height: tileH };
}

/**
 * The Grad-CAM tile: the digit enlarged with nearest neighbour, the heatmap
 * enlarged with {@link resizeBilinear} straight from its own resolution to the
 * tile size (no detour through the MNIST digit's 28x28, which would blur it
 * twice), then {@link blendHeatmap}; painted by tile-painter.ts. The heatmap
 * is stretched over the whole image, as the tutorial's `imshow` extent does.
 *
 * @returns an RgbImage of (imageHeight*scale) x (imageWidth*scale) px.
 * @throws GradcamError for a wrong length or a NaN; usage error for a bad scale, alpha or colormap.
 */
export function overlayTile(opts: OverlayOptions): RgbImage {
  const { image, imageHeight, imageWidth, heatmap, heatmapHeight, heatmapWidth } = opts;
  const scale = opts.scale ?? RENDER_DEFAULTS.scale;
  const alpha = opts.alpha ?? RENDER_DEFAULTS.alpha;
  const colormap = opts.colormap ?? RENDER_DEFAULTS.colormap;
  assertLength('image', image, imageHeight, imageWidth);
  assertLength('heatmap', heatmap, heatmapHeight, heatmapWidth);
  assertNoNaN('image', image);
  assertNoNaN('heatmap', heatmap);
  assertScale(scale, imageHeight, imageWidth);
  const tileHeight = imageHeight * scale;
  const tileWidth = imageWidth * scale;
  const painter = tilePainter({ imageHeight, imageWidth, heatmapHeight, heatmapWidth, tileHeight, tileWidth, alpha, colormap });
  const tile = { data: new Uint8Array(tileHeight * tileWidth * 3), width: tileWidth, height: tileHeight };
  painter.paintTile(tile, 0, 0, image, heatmap);
  return tile;
}
