/**
 * The two finished pictures of Grad-CAM: the bare overlay tile and the Keras
 * tutorial's figure. Pure TypeScript (sharp renders text on its own thread);
 * no TensorFlow.js, so it loads fast and its tests need no model.
 *
 * The figure imitates the Keras Grad-CAM tutorial on MNIST: the 28x28 digit
 * drawn with `imshow(img, cmap='gray')` beside the same digit with
 * `imshow(heatmap, cmap='jet', alpha=0.4)` on top, a title over each.
 *
 * Building blocks, from numbers to bytes, one module each:
 *   resize.ts        resizeBilinear / resizeNearest   Float32Array -> Float32Array
 *   blend.ts         blendHeatmap                     grey + heat -> RGB bytes
 *   tiles.ts         imageTile / overlayTile          -> RgbImage (rgb-image.ts)
 *   tile-painter.ts  TilePainter                      many tiles into one canvas, fast
 *   canvas.ts        blankCanvas / pasteImage
 *   text.ts          drawText (text-width.ts measures, panel-layout.ts places)
 *   png.ts           encodePng
 */
import { blankCanvas, pasteImage } from './canvas.js';
import { paintColourBar } from './colour-bar.js';
import { panelLayout, type PanelColourBar, type PanelTitles } from './panel-layout.js';
import { pastePictureTile } from './picture-tile.js';
import type { RgbImage } from './rgb-image.js';
import { encodePng } from './png.js';
import { assertScale } from './render-checks.js';
import { RENDER_DEFAULTS } from './render-style.js';
import { drawText } from './text.js';
import { imageTile, overlayTile, type OverlayOptions } from './tiles.js';

/** zlib level of the figure: 3 takes ~3 ms for a 632×379 panel against ~9 ms at 6, for ~20% more bytes (68 kB against 57 kB). */
const PANEL_PNG_LEVEL = 3;

/**
 * The bare overlay tile as a PNG: no margin, no text. For a contact sheet,
 * use {@link overlayTile} and {@link pasteImage} instead and encode once.
 *
 * @returns PNG bytes of (imageHeight*scale) x (imageWidth*scale) px, RGB.
 * @throws as {@link overlayTile}.
 */
export async function renderOverlay(opts: OverlayOptions): Promise<Buffer> {
  return encodePng(overlayTile(opts));
}

/** Inputs of the tutorial figure. */
export interface PanelOptions extends OverlayOptions {
  /** Titles above the two tiles, e.g. `Original (label 7)` and `Grad-CAM`. */
  titles: PanelTitles;
  /** Optional small line under the tiles, e.g. `conv2 · score: logit`. */
  subtitle?: string;
  /** A 0 → 1 colour bar in the overlay's colormap under the heatmap tile, with an optional caption (the raw peak). */
  colourBar?: PanelColourBar;
  /**
   * The user's picture (picture-tile.ts's pictureTile, at most the tiles'
   * height) with its title, in a column left of the model's input (issue 11).
   */
  picture?: { tile: RgbImage; title: string };
}

/**
 * The Keras tutorial's figure as a PNG: the digit (nearest-neighbour
 * enlarged) beside the digit with its Grad-CAM heatmap overlaid (and, with
 * `picture`, the user's own picture before them), titles above,
 * an optional subtitle below, on white. Titles may contain any text; it is
 * escaped for SVG.
 *
 * @returns PNG bytes, 8-bit RGB; size given by {@link panelLayout}
 *   (about 625x370 px at the default scale 10 with a subtitle).
 * @throws as {@link overlayTile}.
 */
export async function renderPanel(opts: PanelOptions): Promise<Buffer> {
  const scale = opts.scale ?? RENDER_DEFAULTS.scale;
  assertScale(scale, opts.imageHeight, opts.imageWidth);
  const picture = opts.picture === undefined ? undefined : { width: opts.picture.tile.width, height: opts.picture.tile.height, title: opts.picture.title };
  const layout = panelLayout(opts.imageWidth * scale, opts.imageHeight * scale, opts.titles, opts.subtitle, opts.colourBar, picture);
  const canvas = blankCanvas(layout.width, layout.height);
  // The labels are rasterised on the text thread while the tiles are painted
  // here; they do not overlap the tiles, so the order of drawing is free.
  const text = drawText(canvas, layout.labels);
  try {
    pasteImage(canvas, imageTile(opts.image, opts.imageHeight, opts.imageWidth, scale), layout.originalTile.left, layout.originalTile.top);
    pasteImage(canvas, overlayTile(opts), layout.gradcamTile.left, layout.gradcamTile.top);
    if (opts.picture !== undefined && layout.pictureTile !== undefined) {
      pastePictureTile(canvas, opts.picture.tile, layout.pictureTile.left, layout.pictureTile.top);
    }
    if (layout.colourBar !== undefined) paintColourBar(canvas, layout.colourBar, opts.colormap ?? RENDER_DEFAULTS.colormap);
  } finally {
    await text;
  }
  return encodePng(canvas, PANEL_PNG_LEVEL);
}
