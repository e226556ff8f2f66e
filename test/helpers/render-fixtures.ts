/** Inputs and pixel helpers shared by the render and contact-sheet tests. */
import sharp = require('sharp');
import { GradcamError } from '../../src/errors.js';
import type { OverlayOptions } from '../../src/render/tiles.js';
import { seededRandom } from '../../src/training/random.js';

/** Deterministic pseudo-random values in [0, 1), so failures reproduce. */
export function randomMap(length: number, seed: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length }, () => next());
}

/** A PNG decoded to raw pixels with sharp (an independent decoder). */
export async function rawPixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The RGB of pixel (x, y). */
export function pixelAt(image: { data: ArrayLike<number>; width: number }, x: number, y: number, channels = 3): number[] {
  const o = (y * image.width + x) * channels;
  return [image.data[o], image.data[o + 1], image.data[o + 2]] as number[];
}

/** An assert.throws/rejects predicate: a GradcamError whose message matches, with that exit code if given. */
export function isGradcamError(pattern: RegExp, exitCode?: number) {
  return (error: unknown): boolean =>
    error instanceof GradcamError && pattern.test(error.message) && (exitCode === undefined || error.exitCode === exitCode);
}

/** A 28x28 test digit: a bright bar and a soft diagonal, values spread over [0, 1]. */
export function testDigit(): Float32Array {
  const image = new Float32Array(28 * 28);
  for (let r = 0; r < 28; r++) {
    for (let c = 0; c < 28; c++) {
      const bar = r >= 6 && r <= 8 && c >= 5 && c <= 22 ? 1 : 0;
      const diagonal = Math.max(0, 1 - Math.abs(c - (22 - (r - 8) * 0.6)) / 2);
      image[r * 28 + c] = r > 8 ? diagonal : bar;
    }
  }
  return image;
}

export const digit = testDigit();
export const heatmap11 = randomMap(121, 11);
/** The test digit under an 11x11 map (conv2's size), at the default scale, alpha and colormap. */
export const baseOptions: OverlayOptions = {
  image: digit,
  imageHeight: 28,
  imageWidth: 28,
  heatmap: heatmap11,
  heatmapHeight: 11,
  heatmapWidth: 11,
};
