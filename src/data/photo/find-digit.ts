/**
 * Finding the digit in a photo or scan (issue 11): background divided out,
 * an adaptive threshold, ruled lines erased, the digit's components chosen.
 * The result is the digit's ink alone, cropped, ready for MNIST's size
 * normalisation (mnist-preprocess.ts).
 */
import { GradcamError } from '../../errors.js';
import { labelComponents, type Component } from './connected-components.js';
import { selectDigit, type PixelBox, type RemovedComponents } from './digit-components.js';
import { choosePolarity, inkMap, lumaPlane, type PhotoPlanes } from './ink-map.js';
import type { InkPolarity } from './background.js';
import { otsuThreshold } from './otsu.js';
import { removeStraightLines } from './straight-lines.js';

/** Minimum ink level (after the background is divided out) anywhere in the picture; less means "blank". */
export const MIN_INK_CONTRAST = 0.1;
/**
 * Bounds of the seed threshold of the hysteresis: Otsu's level, clamped so
 * paper grain and JPEG noise (≈ 0.05) never seed ink and faint pencil (≈ 0.2)
 * always does, even beside a dark frame that pulls Otsu's level up.
 */
export const SEED_THRESHOLD_MIN = 0.12;
export const SEED_THRESHOLD_MAX = 0.25;
/** The grow threshold of the hysteresis, as a fraction of the seed threshold: grainy pencil stays one stroke. */
export const GROW_FRACTION = 0.5;
/** The digit's ink is scaled so this quantile of its stroke pixels is 1 (MNIST strokes are saturated in their core). */
export const STROKE_LEVEL_QUANTILE = 0.9;
/** After that scaling, the crop is the box of the pixels at or above this level, so JPEG ringing and faint halos do not widen it. */
export const CROP_LEVEL = 0.2;

/** What finding the digit did, for `--json` and figures. */
export interface DigitSearchReport {
  polarity: InkPolarity;
  /** Median of the estimated background (grey, in [0, 1]). */
  background: number;
  /** The seed threshold used (ink level in [0, 1]); pixels above half of it grow the strokes. */
  threshold: number;
  /** Straight lines erased (ruled or graph paper, frames' sides, page edges). */
  lines: { horizontal: number; vertical: number };
  removed: RemovedComponents;
  /** Components that make the digit. */
  digitParts: number;
  /** Other digit-sized components left out ("several digits?"). */
  otherDigits: number;
}

/** The digit's ink, cropped. */
export interface FoundDigit {
  /** box.width·box.height ink levels in [0, 1], white ink on black, row-major. */
  ink: Float32Array;
  /** Where the crop lies in the picture. */
  box: PixelBox;
  report: DigitSearchReport;
}

function quantile(values: number[], q: number): number {
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? 0;
}

/**
 * Finds the digit in an opaque picture.
 * @param polarity given when already known (a transparent canvas: the ink's colour decides); else chosen.
 * @param source name for messages.
 * @throws GradcamError "<source>: no digit found: ..." when the picture is blank or holds only specks, lines, frames or page edges.
 */
export function findDigit(photo: PhotoPlanes, source: string, polarity?: InkPolarity): FoundDigit {
  const { width, height } = photo;
  const chosen = polarity ?? choosePolarity(lumaPlane(photo), width, height);
  const { ink, background } = inkMap(photo, chosen);
  let peak = 0;
  for (let i = 0; i < ink.length; i++) if (ink[i]! > peak) peak = ink[i]!;
  if (!(peak >= MIN_INK_CONTRAST)) {
    throw new GradcamError(
      `${source}: no digit found: the image is blank (no pixel differs from the background level ` +
        `${background.toFixed(2)} by ${MIN_INK_CONTRAST} or more)`,
    );
  }
  const threshold = Math.min(SEED_THRESHOLD_MAX, Math.max(SEED_THRESHOLD_MIN, otsuThreshold(ink, peak)));
  // Lines are erased from everything above the grow level first: a faint grid
  // line grown from the digit's strokes would otherwise stay attached to it.
  const grow = new Uint8Array(ink.length);
  for (let i = 0; i < ink.length; i++) if (ink[i]! >= threshold * GROW_FRACTION) grow[i] = 1;
  const { mask, lines } = removeStraightLines(grow, width, height);
  // Hysteresis: only components holding a pixel at the seed threshold are ink.
  const { labels, components } = labelComponents(mask, ink, width, height);
  const seeded = components.filter((c) => c.peak >= threshold);
  const selection = selectDigit(seeded, labels, width, height);
  const base = { polarity: chosen, background, threshold, lines };
  if (!selection.found) {
    // Nothing reached the seed threshold and no line was erased: the ink there is only faint.
    const reason = seeded.length === 0 && lines.horizontal + lines.vertical === 0 ? 'only faint marks' : selection.reason;
    throw new GradcamError(`${source}: no digit found: ${reason}`);
  }
  const { parts, removed, otherDigits } = selection;
  return { ...cropDigit(ink, labels, parts, selection.box, width, height, threshold * GROW_FRACTION), report: { ...base, removed, digitParts: parts.length, otherDigits } };
}

/**
 * The digit's ink inside its box, grown by one pixel (the anti-aliased edge
 * under the grow level belongs to the stroke; stronger ink there is something
 * else's), other ink zeroed, scaled so
 * the stroke level (STROKE_LEVEL_QUANTILE) is 1, and cropped to the pixels
 * at or above CROP_LEVEL.
 */
function cropDigit(
  ink: Float32Array,
  labels: Int32Array,
  parts: readonly Component[],
  box: PixelBox,
  width: number,
  height: number,
  growLevel: number,
): { ink: Float32Array; box: PixelBox } {
  const isPart = new Set(parts.map((c) => c.label));
  const x0 = Math.max(0, box.x - 1);
  const y0 = Math.max(0, box.y - 1);
  const x1 = Math.min(width - 1, box.x + box.width);
  const y1 = Math.min(height - 1, box.y + box.height);
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const inPart = new Uint8Array(w * h);
  const strokeLevels: number[] = [];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const i = y * width + x;
      if (isPart.has(labels[i]!)) {
        inPart[(y - y0) * w + (x - x0)] = 1;
        strokeLevels.push(ink[i]!);
      }
    }
  }
  const level = Math.max(quantile(strokeLevels, STROKE_LEVEL_QUANTILE), 1e-6);
  const grown = new Float32Array(w * h);
  let cx0 = w;
  let cy0 = h;
  let cx1 = -1;
  let cy1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let near = false;
      for (let dy = -1; dy <= 1 && !near; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < w && inPart[yy * w + xx] === 1) {
            near = true;
            break;
          }
        }
      }
      if (!near) continue;
      const raw = ink[(y + y0) * width + (x + x0)]!;
      // A neighbour at or above the grow level is ink of something else (an erased line, another component).
      if (inPart[y * w + x] === 0 && raw >= growLevel) continue;
      const v = Math.min(1, raw / level);
      if (v <= 0) continue;
      grown[y * w + x] = v;
      if (v < CROP_LEVEL) continue;
      if (x < cx0) cx0 = x;
      if (x > cx1) cx1 = x;
      if (y < cy0) cy0 = y;
      if (y > cy1) cy1 = y;
    }
  }
  const cw = cx1 - cx0 + 1;
  const ch = cy1 - cy0 + 1;
  const cropped = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) cropped.set(grown.subarray((y + cy0) * w + cx0, (y + cy0) * w + cx0 + cw), y * cw);
  return { ink: cropped, box: { x: x0 + cx0, y: y0 + cy0, width: cw, height: ch } };
}
