/**
 * Canvases for figures and sheets: a white {@link RgbImage} to paste tiles
 * onto; text goes on with text.ts's drawText, and png.ts encodes the result once.
 */
import { GradcamError } from '../errors.js';
import { assertDims } from './render-checks.js';
import { CHANNEL_MAX, type RgbImage } from './rgb-image.js';

/**
 * A white canvas of the given size.
 * @returns an RgbImage of width x height px, every byte CHANNEL_MAX; new, owned by the caller.
 * @throws GradcamError for a size that is not a positive integer.
 */
export function blankCanvas(width: number, height: number): RgbImage {
  assertDims('canvas', height, width);
  return { data: new Uint8Array(width * height * 3).fill(CHANNEL_MAX), width, height };
}

/**
 * Copies `src` into `dst` in place with its top-left corner at (left, top).
 * @throws GradcamError if it does not fit (or the corner is not a pair of integers >= 0).
 */
export function pasteImage(dst: RgbImage, src: RgbImage, left: number, top: number): void {
  if (
    !Number.isInteger(left) ||
    !Number.isInteger(top) ||
    left < 0 ||
    top < 0 ||
    left + src.width > dst.width ||
    top + src.height > dst.height
  ) {
    throw new GradcamError(
      `a ${src.width}x${src.height} image does not fit at (${left}, ${top}) on a ${dst.width}x${dst.height} canvas`,
    );
  }
  const rowBytes = src.width * 3;
  for (let y = 0; y < src.height; y++) {
    const from = y * rowBytes;
    dst.data.set(src.data.subarray(from, from + rowBytes), ((top + y) * dst.width + left) * 3);
  }
}
