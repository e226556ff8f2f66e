/**
 * Argument checks shared by the render modules (resize, blend, tiles, canvas),
 * so that each rejects a bad size, alpha or scale with the same message.
 */
import { GradcamError, usageError } from '../errors.js';
import { nanError } from './colormaps.js';

/** Largest tile side accepted, in pixels; beyond it a typo in `scale` would allocate gigabytes. */
export const MAX_TILE_SIDE = 8192;

/** @throws GradcamError unless height and width are integers >= 1; `what` names the picture. */
export function assertDims(what: string, height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new GradcamError(`${what} size must be positive integers, got ${height}x${width}`);
  }
}

/** @throws GradcamError unless `values` holds exactly height*width values (and the size is valid). */
export function assertLength(what: string, values: ArrayLike<number>, height: number, width: number): void {
  assertDims(what, height, width);
  if (values.length !== height * width) {
    throw new GradcamError(
      `${what} has ${values.length} values but ${height}x${width} = ${height * width} were expected`,
    );
  }
}

/** NaN in an input would otherwise surface as a tile pixel index, after resizing; name the input's own index. */
export function assertNoNaN(what: string, values: Float32Array): void {
  const index = values.findIndex(Number.isNaN);
  if (index >= 0) throw nanError(what, index);
}

/** @throws usage error (exit 2) unless 0 <= alpha <= 1 (NaN included). */
export function assertAlpha(alpha: number): void {
  if (!(alpha >= 0 && alpha <= 1)) {
    throw usageError(`alpha must be between 0 and 1 (the tutorial uses 0.4), got ${alpha}`);
  }
}

/** @throws usage error (exit 2) unless scale is a whole number >= 1 giving tiles of at most {@link MAX_TILE_SIDE} px a side. */
export function assertScale(scale: number, height: number, width: number): void {
  if (!Number.isInteger(scale) || scale < 1) {
    throw usageError(`scale must be a whole number >= 1 (pixels per input pixel, e.g. 10), got ${scale}`);
  }
  if (height * scale > MAX_TILE_SIDE || width * scale > MAX_TILE_SIDE) {
    throw usageError(
      `scale ${scale} makes a ${height * scale}x${width * scale} px tile; the limit is ${MAX_TILE_SIDE} px a side`,
    );
  }
}
