/**
 * Bringing an arbitrary grey image into MNIST form, following the recipe of the MNIST database
 * (LeCun, Cortes & Burges, http://yann.lecun.com/exdb/mnist/): "size normalized to fit in a
 * 20x20 pixel box while preserving their aspect ratio [...] anti-aliasing [...] centered in a
 * 28x28 image by computing the center of mass of the pixels, and translating the image so as to
 * position this point at the center of the 28x28 field."
 *
 * Pure and synchronous: no file I/O, no sharp, no tensors.
 */
import { median } from './median.js';
import { GradcamError } from '../errors.js';
import { findDigit, MIN_INK_CONTRAST, type DigitSearchReport } from './photo/find-digit.js';
import type { PixelBox } from './photo/digit-components.js';
import { resizeGrey } from './resample.js';
import { normaliseStrokes, type StrokeReport } from './photo/stroke-width.js';

export { MIN_INK_CONTRAST } from './photo/find-digit.js';
export type { PixelBox } from './photo/digit-components.js';

/** Side of an MNIST image in pixels. */
export const MNIST_SIZE = 28;
/** Side of the box the digit is scaled to fit in (aspect ratio kept). */
export const MNIST_DIGIT_BOX = 20;
/**
 * Target centre of mass in pixel-index coordinates (Σ v·x / Σ v with x = 0..27). Measured on the
 * MNIST test set with the IDX files: the mean centre of mass is (x 14.01, y 13.99), i.e. 14 in
 * index coordinates, not 13.5.
 */
export const MNIST_CENTRE = 14;
/** Alpha at or above this counts as opaque when estimating the background. */
export const OPAQUE_ALPHA = 0.5;

/** What `toMnistForm` did, for `--json` output and for mapping results back onto the input. */
export interface PreprocessSteps {
  /** The input was already 28x28, opaque, light ink on a dark background: its pixels are used unchanged. */
  usedAsIs: boolean;
  /** The background was light, so grey levels were inverted (MNIST is white ink on black). */
  inverted: boolean;
  /** Estimated background grey level in [0, 1], before inversion (median of the border pixels). */
  background: number;
  /** Most of the border was transparent: transparent pixels were taken as background and the ink colour set the polarity. */
  transparentCanvas: boolean;
  /** Bounding box of the digit's ink in input pixels (the whole image when used as is): the crop. */
  inkBox: PixelBox;
  /** How the digit was found in the picture (absent when the image was used as is). */
  search?: DigitSearchReport;
  /** The digit's stroke width and whether it was thinned (absent when the image was used as is). */
  strokes?: StrokeReport;
  /** Size of the ink box after scaling to fit in 20x20 (28x28 when used as is). */
  scaledSize: { width: number; height: number };
  /** Where the scaled ink box was placed in the 28x28 canvas (top-left corner). */
  offset: { x: number; y: number };
  /** Centre of mass of the output, in pixel-index coordinates (target: 14, 14). */
  centreOfMass: { x: number; y: number };
}

/** An image in MNIST form. */
export interface MnistForm {
  /** 28*28 values in [0, 1], white ink on black, row-major (the model's input before reshaping). */
  pixels: Float32Array;
  steps: PreprocessSteps;
}

/** Options of `toMnistForm`. */
export interface ToMnistFormOptions {
  /** Opacity in [0, 1] per pixel (same length as `grey`), or null/undefined for an opaque image. */
  alpha?: Float32Array | null;
  /** The R, G and B planes (each like `grey`) of a colour picture, so coloured ink on coloured paper shows; null/undefined: grey only. */
  colour?: readonly [Float32Array, Float32Array, Float32Array] | null;
  /** Name used in error messages (file path). Default "image". */
  source?: string;
}

/** Row-major indices of the outermost ring of pixels, each once. */
function borderIndices(width: number, height: number): number[] {
  const indices: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y === 0 || y === height - 1 || x === 0 || x === width - 1) indices.push(y * width + x);
    }
  }
  return indices;
}

/**
 * Centre of mass of a non-negative image in pixel-index coordinates: (Σ v·x / Σ v, Σ v·y / Σ v).
 * Returns the image centre ((width-1)/2, (height-1)/2) when the image sums to zero.
 */
export function centreOfMass(pixels: Float32Array, width: number, height: number): { x: number; y: number } {
  let mass = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = pixels[y * width + x] as number;
      mass += v;
      sx += v * x;
      sy += v * y;
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass } : { x: (width - 1) / 2, y: (height - 1) / 2 };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}

/**
 * Converts a picture of a digit of any size and polarity into MNIST form:
 * 1. transparency: transparent pixels become background (if most of the
 *    border is transparent, the ink's colour sets the polarity, so black ink
 *    on a transparent canvas works);
 * 2. the digit is found (photo/find-digit.ts): background divided out,
 *    adaptive threshold, ruled lines, specks, frames and page edges left out,
 *    its ink cropped and scaled so the strokes are 1;
 * 3. scale to fit in 20x20 keeping the aspect ratio (area averaging, see `resizeGrey`);
 * 4. place in a black 28x28 canvas with the centre of mass at (14, 14), by a whole-pixel shift
 *    clamped so nothing is cut off.
 * An opaque 28x28 image on a dark background is already in MNIST form and is returned unchanged
 * (MNIST's own records keep their exact pixels).
 *
 * @param grey `width * height` grey levels in [0, 1], row-major.
 * @throws GradcamError "<source>: no digit found ..." when the image is blank or holds no digit.
 */
export function toMnistForm(
  grey: Float32Array,
  width: number,
  height: number,
  opts: ToMnistFormOptions = {},
): MnistForm {
  const source = opts.source ?? 'image';
  const alpha = opts.alpha ?? null;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || grey.length !== n) {
    throw new GradcamError(`${source}: expected ${width}x${height} grey values, got ${grey.length}`);
  }
  if (alpha !== null && alpha.length !== n) {
    throw new GradcamError(`${source}: expected ${n} alpha values, got ${alpha.length}`);
  }
  const colour = opts.colour ?? null;
  if (colour !== null && colour.some((plane) => plane.length !== n)) {
    throw new GradcamError(`${source}: expected ${n} values in each colour plane`);
  }

  // 1. Background level of the border, in the input's polarity.
  const border = borderIndices(width, height);
  const opaqueBorder = border.filter((i) => alpha === null || (alpha[i] as number) >= OPAQUE_ALPHA);
  const transparentCanvas = opaqueBorder.length * 2 < border.length;
  let canvasLevel: number | undefined;
  if (transparentCanvas) {
    const opaque: number[] = [];
    for (let i = 0; i < n; i++) if ((alpha?.[i] ?? 1) >= OPAQUE_ALPHA) opaque.push(grey[i] as number);
    if (opaque.length === 0) {
      throw new GradcamError(`${source}: no digit found: the image is fully transparent`);
    }
    // Ink colour decides: dark ink means a light (paper-like) background and vice versa.
    canvasLevel = median(opaque) < 0.5 ? 1 : 0;
  }

  if (width === MNIST_SIZE && height === MNIST_SIZE && alpha === null) {
    const background = median(opaqueBorder.map((i) => grey[i] as number));
    if (background <= 0.5) return usedAsIs(grey, background, source);
  }

  // 2. Composite over the background: a transparent pixel becomes the canvas level, or the border's colour.
  const planes = colour === null ? [grey] : [...colour];
  const composited =
    alpha === null
      ? planes
      : planes.map((plane) => {
          const under = canvasLevel ?? median(opaqueBorder.map((i) => plane[i] as number));
          const out = new Float32Array(n);
          for (let i = 0; i < n; i++) out[i] = (alpha[i] as number) * (plane[i] as number) + (1 - (alpha[i] as number)) * under;
          return out;
        });
  const polarity = canvasLevel === undefined ? undefined : canvasLevel > 0.5 ? 'dark-ink' : 'light-ink';
  const found = findDigit({ planes: composited, width, height }, source, polarity);
  const box = found.box;

  // 3. Strokes much heavier than MNIST's are thinned to its median width, then the long side fits 20 px.
  const strokes = normaliseStrokes(found.ink, box.width, box.height);
  const factor = MNIST_DIGIT_BOX / Math.max(strokes.width, strokes.height);
  const scaledWidth = clamp(Math.round(strokes.width * factor), 1, MNIST_DIGIT_BOX);
  const scaledHeight = clamp(Math.round(strokes.height * factor), 1, MNIST_DIGIT_BOX);
  const scaled = resizeGrey(strokes.ink, strokes.width, strokes.height, scaledWidth, scaledHeight);

  // 4. Centre the mass at (14, 14) with a whole-pixel shift, keeping the box inside the canvas.
  const com = centreOfMass(scaled, scaledWidth, scaledHeight);
  const offsetX = clamp(Math.round(MNIST_CENTRE - com.x), 0, MNIST_SIZE - scaledWidth);
  const offsetY = clamp(Math.round(MNIST_CENTRE - com.y), 0, MNIST_SIZE - scaledHeight);
  const pixels = new Float32Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < scaledHeight; y++) {
    pixels.set(scaled.subarray(y * scaledWidth, (y + 1) * scaledWidth), (offsetY + y) * MNIST_SIZE + offsetX);
  }
  return {
    pixels,
    steps: {
      usedAsIs: false,
      inverted: found.report.polarity === 'dark-ink',
      background: found.report.background,
      transparentCanvas,
      inkBox: box,
      search: found.report,
      strokes: strokes.report,
      scaledSize: { width: scaledWidth, height: scaledHeight },
      offset: { x: offsetX, y: offsetY },
      centreOfMass: centreOfMass(pixels, MNIST_SIZE, MNIST_SIZE),
    },
  };
}

/** An opaque 28x28 picture on a dark background: MNIST form already, unless it is blank. */
function usedAsIs(grey: Float32Array, background: number, source: string): MnistForm {
  let peak = -Infinity;
  for (let i = 0; i < grey.length; i++) peak = Math.max(peak, grey[i] as number);
  if (!(peak - background >= MIN_INK_CONTRAST)) {
    throw new GradcamError(
      `${source}: no digit found: the image is blank (no pixel differs from the background level ` +
        `${background.toFixed(2)} by ${MIN_INK_CONTRAST} or more)`,
    );
  }
  const pixels = Float32Array.from(grey);
  return {
    pixels,
    steps: {
      usedAsIs: true,
      inverted: false,
      background,
      transparentCanvas: false,
      inkBox: { x: 0, y: 0, width: MNIST_SIZE, height: MNIST_SIZE },
      scaledSize: { width: MNIST_SIZE, height: MNIST_SIZE },
      offset: { x: 0, y: 0 },
      centreOfMass: centreOfMass(pixels, MNIST_SIZE, MNIST_SIZE),
    },
  };
}
