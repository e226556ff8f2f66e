/**
 * What digit preprocessing did to a picture, in the terms the user's picture
 * is in (issue 11: "`--json` says what preprocessing did: rotation,
 * inversion, crop box, components removed"), and the notes it warrants.
 * Pure: reads a DigitImage's steps, computes nothing new.
 */
import type { DigitImage } from './image.js';
import type { PixelBox } from './mnist-preprocess.js';

/** What preprocessing did, for `--json` and manifests. */
export interface PreprocessingReport {
  /** The EXIF orientation applied first (1..8; 1: none). */
  rotation: number;
  /** Grey levels were inverted (dark ink on light paper; MNIST is white on black). */
  inverted: boolean;
  /** The crop around the digit, in pixels of the picture as seen (EXIF orientation applied, before any shrinking). */
  cropBox: PixelBox;
  /** Components left out: specks, straight lines erased (horizontal + vertical), components touching the border, frames. */
  removed: { specks: number; lines: number; border: number; frames: number };
  /** Components that make the digit (a 4 or a 5 may be two strokes); 1 when used as is. */
  digitParts: number;
  /** Median stroke width as a fraction of the digit's long side (MNIST's median is 0.087); null when used as is. */
  strokeWidth: number | null;
  /** The strokes were wider than HEAVY_STROKE_WIDTH (heavy marker, bold fonts) and were redrawn at MNIST's median width. */
  thinned: boolean;
  /** The picture was already a 28×28 MNIST-form digit and was used unchanged (then nothing was searched or removed). */
  usedAsIs: boolean;
}

/** The note of a picture holding more than one digit-sized component (issue 11, "Honesty"). */
export const SEVERAL_DIGITS_NOTE = 'several digits? gradcam classifies one';

/**
 * The report of a loaded digit. The crop box is scaled from the decoded grid
 * (smaller than the picture over MAX_DECODE_PIXELS) to the picture's own
 * pixels, outward to whole pixels so it still contains the ink.
 */
export function preprocessingReport(digit: Pick<DigitImage, 'steps' | 'original' | 'decoded' | 'orientation'>): PreprocessingReport {
  const { steps, original, decoded } = digit;
  const search = steps.search;
  return {
    rotation: digit.orientation,
    inverted: steps.inverted,
    cropBox: scaleBox(steps.inkBox, original.width / decoded.width, original.height / decoded.height, original),
    removed: {
      specks: search?.removed.specks ?? 0,
      lines: (search?.lines.horizontal ?? 0) + (search?.lines.vertical ?? 0) + (search?.removed.lineFragments ?? 0),
      border: search?.removed.border ?? 0,
      frames: search?.removed.frames ?? 0,
    },
    digitParts: search?.digitParts ?? 1,
    strokeWidth: steps.strokes === undefined ? null : Number(steps.strokes.width.toFixed(4)),
    thinned: steps.strokes?.thinned ?? false,
    usedAsIs: steps.usedAsIs,
  };
}

/** A box scaled by (sx, sy), widened to whole pixels and kept inside `bounds`. */
export function scaleBox(box: PixelBox, sx: number, sy: number, bounds: { width: number; height: number }): PixelBox {
  if (sx === 1 && sy === 1) return { x: box.x, y: box.y, width: box.width, height: box.height };
  const x0 = Math.max(0, Math.floor(box.x * sx));
  const y0 = Math.max(0, Math.floor(box.y * sy));
  const x1 = Math.min(bounds.width, Math.ceil((box.x + box.width) * sx));
  const y1 = Math.min(bounds.height, Math.ceil((box.y + box.height) * sy));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Notes preprocessing warrants: "several digits? …" when other digit-sized components were left out. */
export function preprocessingNotes(steps: DigitImage['steps']): string[] {
  return (steps.search?.otherDigits ?? 0) > 0 ? [SEVERAL_DIGITS_NOTE] : [];
}
