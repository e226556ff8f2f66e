/**
 * Bringing an arbitrary grey image into MNIST form, following the recipe of the MNIST database
 * (LeCun, Cortes & Burges, http://yann.lecun.com/exdb/mnist/): "size normalized to fit in a
 * 20x20 pixel box while preserving their aspect ratio [...] anti-aliasing [...] centered in a
 * 28x28 image by computing the center of mass of the pixels, and translating the image so as to
 * position this point at the center of the 28x28 field."
 *
 * Pure and synchronous: no file I/O, no sharp, no tensors.
 */
import { GradcamError } from '../errors.js';
import { resizeGrey } from './resample.js';

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
/** After stretching to [0, 1], pixels above this count as ink for the bounding box (so faint noise does not widen it). */
export const INK_THRESHOLD = 0.2;
/** Minimum difference between the brightest ink and the background (in [0, 1] grey levels); less means "blank". */
export const MIN_INK_CONTRAST = 0.1;
/** Alpha at or above this counts as opaque when estimating the background. */
export const OPAQUE_ALPHA = 0.5;

/** A rectangle in pixels of the input image. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

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
  /** Bounding box of the ink in input pixels (the whole image when used as is). */
  inkBox: PixelBox;
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
  /** Name used in error messages (file path). Default "image". */
  source?: string;
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
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

/** Bounding box of the pixels above `threshold`, or null when there are none. */
function boundingBox(values: Float32Array, width: number, height: number, threshold: number): PixelBox | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((values[y * width + x] as number) > threshold) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), hi);
}

/**
 * Converts a grey image of any size and polarity into MNIST form:
 * 1. background = median of the border pixels (transparent pixels are background whatever their
 *    colour; if most of the border is transparent, the background is taken to be the opposite of
 *    the ink, so black ink on a transparent canvas works);
 * 2. invert when the background is light;
 * 3. subtract the background and stretch so the brightest ink is 1;
 * 4. crop to the bounding box of pixels above INK_THRESHOLD;
 * 5. scale to fit in 20x20 keeping the aspect ratio (area averaging, see `resizeGrey`);
 * 6. place in a black 28x28 canvas with the centre of mass at (14, 14), by a whole-pixel shift
 *    clamped so nothing is cut off.
 * An opaque 28x28 image on a dark background is already in MNIST form and is returned unchanged.
 *
 * @param grey `width * height` grey levels in [0, 1], row-major.
 * @throws GradcamError "<source>: no digit found ..." when the image is blank.
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

  // 1. Background level, in the input's polarity.
  const border = borderIndices(width, height);
  const opaqueBorder = border.filter((i) => alpha === null || (alpha[i] as number) >= OPAQUE_ALPHA);
  const transparentCanvas = opaqueBorder.length * 2 < border.length;
  let background: number;
  if (!transparentCanvas) {
    background = median(opaqueBorder.map((i) => grey[i] as number));
  } else {
    const opaque: number[] = [];
    for (let i = 0; i < n; i++) if ((alpha?.[i] ?? 1) >= OPAQUE_ALPHA) opaque.push(grey[i] as number);
    if (opaque.length === 0) {
      throw new GradcamError(`${source}: no digit found: the image is fully transparent`);
    }
    // Ink colour decides: dark ink means a light (paper-like) background and vice versa.
    background = median(opaque) < 0.5 ? 1 : 0;
  }

  // 2. Composite over the background (a transparent pixel becomes background) and fix polarity.
  const inverted = background > 0.5;
  const level = new Float32Array(n);
  let peak = -Infinity;
  for (let i = 0; i < n; i++) {
    const a = alpha === null ? 1 : (alpha[i] as number);
    const v = a * (grey[i] as number) + (1 - a) * background;
    const oriented = inverted ? 1 - v : v;
    level[i] = oriented;
    if (oriented > peak) peak = oriented;
  }
  const backgroundLevel = inverted ? 1 - background : background;
  const contrast = peak - backgroundLevel;
  if (!(contrast >= MIN_INK_CONTRAST)) {
    throw new GradcamError(
      `${source}: no digit found: the image is blank (no pixel differs from the background level ` +
        `${background.toFixed(2)} by ${MIN_INK_CONTRAST} or more)`,
    );
  }

  if (width === MNIST_SIZE && height === MNIST_SIZE && !inverted && alpha === null) {
    const pixels = Float32Array.from(grey);
    return {
      pixels,
      steps: {
        usedAsIs: true,
        inverted: false,
        background,
        transparentCanvas: false,
        inkBox: { x: 0, y: 0, width, height },
        scaledSize: { width, height },
        offset: { x: 0, y: 0 },
        centreOfMass: centreOfMass(pixels, width, height),
      },
    };
  }

  // 3. Stretch: background -> 0, brightest ink -> 1.
  const ink = new Float32Array(n);
  for (let i = 0; i < n; i++) ink[i] = clamp(((level[i] as number) - backgroundLevel) / contrast, 0, 1);

  // 4. Crop to the ink. The peak pixel is 1 > INK_THRESHOLD, so the box is never empty.
  const box = boundingBox(ink, width, height, INK_THRESHOLD) as PixelBox;
  const cropped = new Float32Array(box.width * box.height);
  for (let y = 0; y < box.height; y++) {
    const start = (box.y + y) * width + box.x;
    cropped.set(ink.subarray(start, start + box.width), y * box.width);
  }

  // 5. Fit the long side to 20 px.
  const factor = MNIST_DIGIT_BOX / Math.max(box.width, box.height);
  const scaledWidth = clamp(Math.round(box.width * factor), 1, MNIST_DIGIT_BOX);
  const scaledHeight = clamp(Math.round(box.height * factor), 1, MNIST_DIGIT_BOX);
  const scaled = resizeGrey(cropped, box.width, box.height, scaledWidth, scaledHeight);

  // 6. Centre the mass at (14, 14) with a whole-pixel shift, keeping the box inside the canvas.
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
      inverted,
      background,
      transparentCanvas,
      inkBox: box,
      scaledSize: { width: scaledWidth, height: scaledHeight },
      offset: { x: offsetX, y: offsetY },
      centreOfMass: centreOfMass(pixels, MNIST_SIZE, MNIST_SIZE),
    },
  };
}
