/**
 * Stroke width normalisation (issue 11: "thin heavy marker where that
 * measurably helps"). A felt-tip or a bold font draws strokes two or three
 * times as wide, relative to the digit, as the pens of MNIST's writers: at
 * 20×20 a heavy 1's flag turns into a 9's loop. Strokes much heavier than
 * MNIST's are redrawn at MNIST's median width along their medial axis.
 *
 * The width is read from the medial axis (Blum, "A transformation for
 * extracting new descriptors of shape", 1967): the ridge of the distance
 * transform, where each pixel's distance to the paper is half the stroke's
 * width. Redrawing discs of radius min(distance, target) on the ridge (the
 * reverse medial-axis transform with clamped radii) narrows every stroke to
 * at most the target and keeps thinner ones, and so the digit's topology,
 * as they are; an erosion would cut them. A stroke with square ends (a bold
 * font's, a rectangle) keeps the medial axis's branches into its corners, so
 * its ends come out forked; round-ended marker strokes have none. The
 * branches' small radii also pull the median width of short square strokes
 * below their true width (a 1:3 bar measures 0.21, not 0.33).
 */
import { distanceToUnset } from './distance-transform.js';
import { median } from '../median.js';
import { resizeGrey } from '../resample.js';

/**
 * Long side of the digit, in pixels, while widths are measured and strokes
 * redrawn: 4× MNIST's 20-pixel box, so a width resolves to a quarter of an
 * MNIST pixel.
 */
export const STROKE_WORK_SIDE = 80;
/** Ink at or above this level (of the stroke level 1) is stroke when measuring. */
export const STROKE_MASK_LEVEL = 0.5;
/**
 * Median stroke width of MNIST's digits as a fraction of their long side,
 * measured the same way on the 60,000 training digits
 * (scripts/mnist-stroke-width.mjs): 5th percentile 0.058, quartiles 0.078
 * and 0.094, median 0.087, 95th percentile 0.122.
 */
export const MNIST_STROKE_WIDTH = 0.087;
/**
 * Strokes wider than this (fraction of the long side) are thinned. Chosen on
 * the photo corpus (bench/photos): 19% of MNIST's training digits are wider,
 * so it is not "MNIST never looks like this"; it is the width above which
 * redrawing at the median measurably helped (171 → 176 of 180 photos) and
 * did not hurt MNIST's own test digits sent through the photo path.
 */
export const HEAVY_STROKE_WIDTH = 0.1;

/** What stroke normalisation found and did, for `--json`. */
export interface StrokeReport {
  /** Median stroke width before, as a fraction of the digit's long side. */
  width: number;
  /** The strokes were redrawn at MNIST_STROKE_WIDTH (they were wider than HEAVY_STROKE_WIDTH). */
  thinned: boolean;
}

/** The digit's ink after stroke normalisation. */
export interface NormalisedStrokes {
  /** width·height levels in [0, 1], white ink on black, row-major. */
  ink: Float32Array;
  width: number;
  height: number;
  report: StrokeReport;
}

/** Medial-axis pixels of a stroke mask and their distances to the paper. */
interface MedialAxis {
  indices: number[];
  radii: number[];
}

/**
 * Ridge of the distance transform: set pixels at least as far from the paper
 * as both neighbours along one of the four directions, and farther than one
 * of them (a pixel inside a straight stroke is only level along the stroke).
 */
function medialAxis(distance: Float32Array, width: number, height: number): MedialAxis {
  const indices: number[] = [];
  const radii: number[] = [];
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : distance[y * width + x]!);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = distance[y * width + x]!;
      if (d === 0) continue;
      for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [1, -1]] as const) {
        const a = at(x - dx, y - dy);
        const b = at(x + dx, y + dy);
        if (d >= a && d >= b && (d > a || d > b)) {
          indices.push(y * width + x);
          radii.push(d);
          break;
        }
      }
    }
  }
  return { indices, radii };
}

/**
 * Median stroke width of a mask in pixels: 2r − 1 for the medial axis's
 * radius r (exact for a straight stroke an odd number of pixels wide, whose
 * centre pixel is (w + 1)/2 from the paper's nearest pixel centre).
 */
export function medianStrokeWidth(mask: Uint8Array, width: number, height: number): number {
  const { radii } = medialAxis(distanceToUnset(mask, width, height), width, height);
  return radii.length === 0 ? 0 : Math.max(0, 2 * median(radii) - 1);
}

/** The digit's ink at the working resolution (long side STROKE_WORK_SIDE) and its stroke mask. */
export function atWorkingSize(ink: Float32Array, width: number, height: number): { ink: Float32Array; mask: Uint8Array; width: number; height: number } {
  const factor = STROKE_WORK_SIDE / Math.max(width, height);
  const w = Math.max(1, Math.round(width * factor));
  const h = Math.max(1, Math.round(height * factor));
  const work = resizeGrey(ink, width, height, w, h);
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) if (work[i]! >= STROKE_MASK_LEVEL) mask[i] = 1;
  return { ink: work, mask, width: w, height: h };
}

/**
 * Measures the digit's stroke width and, when it is heavier than
 * HEAVY_STROKE_WIDTH, redraws the strokes at MNIST_STROKE_WIDTH and crops to
 * the thinner digit's box (MNIST fits the digit's own box to 20×20).
 * @param ink `width * height` levels in [0, 1], strokes ≈ 1 (find-digit.ts's crop).
 * @returns the ink unchanged (same array) when the strokes are not heavy.
 */
export function normaliseStrokes(ink: Float32Array, width: number, height: number): NormalisedStrokes {
  const work = atWorkingSize(ink, width, height);
  const distance = distanceToUnset(work.mask, work.width, work.height);
  const axis = medialAxis(distance, work.width, work.height);
  const side = Math.max(work.width, work.height);
  const strokeWidth = axis.radii.length === 0 ? 0 : Math.max(0, 2 * median(axis.radii) - 1) / side;
  if (!(strokeWidth > HEAVY_STROKE_WIDTH)) return { ink, width, height, report: { width: strokeWidth, thinned: false } };

  const targetRadius = (MNIST_STROKE_WIDTH * side + 1) / 2;
  const w = work.width;
  const h = work.height;
  const drawn = new Uint8Array(w * h);
  for (let k = 0; k < axis.indices.length; k++) {
    const r = Math.min(axis.radii[k]!, targetRadius);
    const cx = axis.indices[k]! % w;
    const cy = (axis.indices[k]! - cx) / w;
    const reach = Math.ceil(r);
    // Pixels nearer than r: the set pixels a disc of the medial axis covers (distance r means the paper's nearest pixel is r away).
    for (let y = Math.max(0, cy - reach); y <= Math.min(h - 1, cy + reach); y++) {
      for (let x = Math.max(0, cx - reach); x <= Math.min(w - 1, cx + reach); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) drawn[y * w + x] = 1;
      }
    }
  }
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (drawn[y * w + x] === 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const out = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) out[y * cw + x] = drawn[(y + y0) * w + x + x0]!;
  }
  return { ink: out, width: cw, height: ch, report: { width: strokeWidth, thinned: true } };
}
