/**
 * The "your picture" tile of the explain figure (issue 11): the user's own
 * picture, scaled to the figure's tile height with its aspect ratio kept,
 * with the crop that became the model's 28×28 input outlined. Pure: pixels in,
 * pixels out.
 */
import { pasteImage } from './canvas.js';
import { assertDims } from './render-checks.js';
import { resizeBilinear, resizeNearest } from './resize.js';
import type { RgbImage } from './rgb-image.js';

/** A rectangle in pixels: top-left corner and size. */
export interface TileBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Colour of the crop box: magenta, which neither paper, pencil nor the common inks are. */
export const CROP_BOX_COLOUR: readonly [number, number, number] = [255, 0, 255];
/** Width of the crop box's outline in tile pixels. */
export const CROP_BOX_LINE = 2;
/** A picture tile is at most this many tile heights wide: a 20000×20 strip becomes a legible band, not a 280000-px canvas. */
export const MAX_PICTURE_ASPECT = 3;

/**
 * The size of a picture's tile: `tileHeight` tall with the picture's aspect
 * ratio, or, for a picture wider than `maxWidth` at that height, `maxWidth`
 * wide (then shorter than the tile). Never below 1×1.
 * @param maxWidth default MAX_PICTURE_ASPECT tile heights; the comparison grid passes its tile width.
 */
export function pictureTileSize(
  picture: { width: number; height: number },
  tileHeight: number,
  maxWidth: number = MAX_PICTURE_ASPECT * tileHeight,
): { width: number; height: number } {
  assertDims('picture', picture.height, picture.width);
  assertDims('picture tile', tileHeight, maxWidth);
  const aspect = picture.width / picture.height;
  if (tileHeight * aspect <= maxWidth) return { width: Math.max(1, Math.round(tileHeight * aspect)), height: tileHeight };
  return { width: maxWidth, height: Math.max(1, Math.round(maxWidth / aspect)) };
}

/**
 * A box in picture pixels mapped onto a tile of another size: edges scaled
 * and rounded, at least 1 px wide and tall, inside the tile.
 */
export function scaleTileBox(box: TileBox, from: { width: number; height: number }, to: { width: number; height: number }): TileBox {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const x = Math.min(to.width - 1, Math.max(0, Math.round(box.x * sx)));
  const y = Math.min(to.height - 1, Math.max(0, Math.round(box.y * sy)));
  const right = Math.min(to.width, Math.max(x + 1, Math.round((box.x + box.width) * sx)));
  const bottom = Math.min(to.height, Math.max(y + 1, Math.round((box.y + box.height) * sy)));
  return { x, y, width: right - x, height: bottom - y };
}

/**
 * Resizes an RGB picture: bilinear when shrinking, nearest-neighbour when
 * enlarging (a small picture's pixels stay crisp blocks, as the 28×28 tile's do).
 * @returns a new RgbImage of width×height, owned by the caller.
 */
export function resizeRgb(image: RgbImage, width: number, height: number): RgbImage {
  if (image.width === width && image.height === height) return { data: Uint8Array.from(image.data), width, height };
  const resize = width > image.width || height > image.height ? resizeNearest : resizeBilinear;
  const n = image.width * image.height;
  const out = new Uint8Array(width * height * 3);
  for (let c = 0; c < 3; c++) {
    const plane = new Float32Array(n);
    for (let i = 0; i < n; i++) plane[i] = image.data[3 * i + c]!;
    const resized = resize(plane, image.height, image.width, height, width);
    for (let i = 0; i < resized.length; i++) out[3 * i + c] = Math.round(resized[i]!);
  }
  return { data: out, width, height };
}

/**
 * Outlines `box` in place with a `line`-px border of `colour`, drawn inside
 * the box (so a box at the picture's edge stays visible) and clipped to the image.
 */
export function drawBoxOutline(image: RgbImage, box: TileBox, colour: readonly [number, number, number] = CROP_BOX_COLOUR, line = CROP_BOX_LINE): void {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(image.width, box.x + box.width);
  const y1 = Math.min(image.height, box.y + box.height);
  for (let y = y0; y < y1; y++) {
    const edgeRow = y < box.y + line || y >= box.y + box.height - line;
    for (let x = x0; x < x1; x++) {
      if (!edgeRow && x >= box.x + line && x < box.x + box.width - line) continue;
      const o = 3 * (y * image.width + x);
      image.data[o] = colour[0];
      image.data[o + 1] = colour[1];
      image.data[o + 2] = colour[2];
    }
  }
}

/**
 * The picture tile: `preview` (the picture, possibly already shrunk) scaled to
 * {@link pictureTileSize} of the full picture, with `cropBox` (in the full
 * picture's pixels) outlined in CROP_BOX_COLOUR.
 * @param picture the full picture's size, which `cropBox` refers to.
 * @param maxWidth as in {@link pictureTileSize}.
 * @returns a new RgbImage, owned by the caller.
 */
export function pictureTile(
  preview: RgbImage,
  picture: { width: number; height: number },
  cropBox: TileBox,
  tileHeight: number,
  maxWidth?: number,
): RgbImage {
  const size = pictureTileSize(picture, tileHeight, maxWidth);
  const tile = resizeRgb(preview, size.width, size.height);
  drawBoxOutline(tile, scaleTileBox(cropBox, picture, size));
  return tile;
}

/** The hairline round the user's picture: light grey, quieter than the magenta crop box. */
export const PICTURE_FRAME_COLOUR: readonly [number, number, number] = [190, 190, 190];

/**
 * Pastes a picture tile onto a figure at (left, top) with a 1-px hairline
 * just outside it, so white paper shows where the picture ends on the white
 * canvas. The caller leaves a pixel of room on every side.
 * @throws GradcamError as pasteImage when the tile does not fit.
 */
export function pastePictureTile(canvas: RgbImage, tile: RgbImage, left: number, top: number): void {
  pasteImage(canvas, tile, left, top);
  drawBoxOutline(canvas, { x: left - 1, y: top - 1, width: tile.width + 2, height: tile.height + 2 }, PICTURE_FRAME_COLOUR, 1);
}
