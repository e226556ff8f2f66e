/**
 * Removal of ruled and graph-paper lines, frames' sides and page edges from
 * an ink mask (issue 11): long straight thin runs of ink, found by a sheared
 * projection (a Hough transform restricted to near-horizontal and
 * near-vertical lines), then erased except where a stroke crosses them.
 */

/** Largest tilt from the horizontal (or vertical) of a line looked for, in degrees: paper photographed a little askew. */
export const LINE_MAX_TILT_DEGREES = 10;
/** Tilt step of the search, in degrees. */
export const LINE_TILT_STEP_DEGREES = 0.25;
/**
 * Fraction of the picture's columns (rows, for vertical lines) a line must
 * have ink in. Above the tallest digit the corpus allows (70% of the short
 * side), so a "1" is not a line; ruled lines run the whole width.
 */
export const LINE_MIN_COVERAGE = 0.75;
/** Half-height of the band a line is looked for in, in pixels: absorbs the drift of a tilt between two search steps. */
const BAND_HALF = 2;

/** What `removeStraightLines` found. */
export interface LineRemoval {
  /** The mask without the line pixels (a new array). */
  mask: Uint8Array;
  /** Lines found (after merging adjacent bands), horizontal and vertical. */
  lines: { horizontal: number; vertical: number };
  /** Mask pixels removed. */
  removedPixels: number;
}

function transpose(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[x * height + y] = mask[y * width + x]!;
  return out;
}

/**
 * Near-horizontal lines of `mask` (width×height): marks their pixels in
 * `erase` (same layout) and returns how many distinct lines were found.
 * A pixel on a line is erased only when the ink's vertical run through it is
 * no thicker than the line itself, so strokes crossing the line survive.
 */
function findHorizontalLines(mask: Uint8Array, width: number, height: number, erase: Uint8Array): number {
  const xs: number[] = [];
  const ys: number[] = [];
  // Column by column: the distinct-column count below relies on a column's pixels coming together.
  for (let x = 0; x < width; x++) for (let y = 0; y < height; y++) if (mask[y * width + x] !== 0) (xs.push(x), ys.push(y));
  if (xs.length < LINE_MIN_COVERAGE * width) return 0;
  const maxShift = Math.ceil(width * Math.tan((LINE_MAX_TILT_DEGREES * Math.PI) / 180)) + BAND_HALF + 1;
  const bins = height + 2 * maxShift;
  const hits = new Int32Array(bins);
  const lastColumn = new Int32Array(bins);
  const lineBins = new Uint8Array(bins);
  const steps = Math.round(LINE_MAX_TILT_DEGREES / LINE_TILT_STEP_DEGREES);
  const found: { slope: number; bin: number }[] = [];
  for (let s = -steps; s <= steps; s++) {
    const slope = Math.tan((s * LINE_TILT_STEP_DEGREES * Math.PI) / 180);
    hits.fill(0);
    lastColumn.fill(-1);
    // Columns with ink in the band [o − BAND_HALF, o + BAND_HALF] around offset o = y − x·slope.
    for (let p = 0; p < xs.length; p++) {
      const x = xs[p]!;
      const o = Math.round(ys[p]! - x * slope) + maxShift;
      for (let b = o - BAND_HALF; b <= o + BAND_HALF; b++) {
        if (lastColumn[b] !== x) {
          lastColumn[b] = x;
          hits[b]!++;
        }
      }
    }
    for (let b = 0; b < bins; b++) {
      if (hits[b]! < LINE_MIN_COVERAGE * width) continue;
      // Columns where the line's centre lies inside the picture.
      const offset = b - maxShift;
      let inside = 0;
      if (slope === 0) inside = offset >= 0 && offset < height ? width : 0;
      else {
        const a = (0 - offset) / slope;
        const c = (height - 1 - offset) / slope;
        inside = Math.max(0, Math.min(width - 1, Math.floor(Math.max(a, c))) - Math.max(0, Math.ceil(Math.min(a, c))) + 1);
      }
      if (inside >= LINE_MIN_COVERAGE * width && hits[b]! >= LINE_MIN_COVERAGE * inside) found.push({ slope, bin: offset });
    }
  }
  if (found.length === 0) return 0;

  // Vertical run length of ink through each pixel, for the crossing test.
  const run = new Int32Array(width * height);
  for (let x = 0; x < width; x++) {
    let y = 0;
    while (y < height) {
      if (mask[y * width + x] === 0) {
        y++;
        continue;
      }
      let end = y;
      while (end < height && mask[end * width + x] !== 0) end++;
      for (let k = y; k < end; k++) run[k * width + x] = end - y;
      y = end;
    }
  }
  const candidate = new Uint8Array(width * height);
  for (const { slope, bin } of found) {
    const thickness: number[] = [];
    const pixels: number[] = [];
    for (let x = 0; x < width; x++) {
      const centre = Math.round(bin + x * slope);
      let thinnest = Infinity;
      for (let y = Math.max(0, centre - BAND_HALF); y <= Math.min(height - 1, centre + BAND_HALF); y++) {
        const i = y * width + x;
        if (mask[i] === 0) continue;
        pixels.push(i);
        thinnest = Math.min(thinnest, run[i]!);
      }
      if (thinnest < Infinity) thickness.push(thinnest);
    }
    thickness.sort((a, b) => a - b);
    // The line's own thickness: the median run where it has ink; a stroke crossing it is much thicker.
    const limit = Math.ceil(1.5 * (thickness[thickness.length >> 1] ?? 1)) + 1;
    for (const i of pixels) if (run[i]! <= limit) candidate[i] = 1;
  }
  // Distinct lines: clusters of offsets (one thick or tilted line is found at several offsets and tilts).
  for (const { bin } of found) lineBins[bin + maxShift] = 1;
  let lines = 0;
  let lastSet = -Infinity;
  for (let b = 0; b < bins; b++) {
    if (lineBins[b] !== 1) continue;
    if (b - lastSet > 2 * BAND_HALF + 1) lines++;
    lastSet = b;
  }
  for (let i = 0; i < candidate.length; i++) if (candidate[i] === 1) erase[i] = 1;
  return lines;
}

/**
 * Erases near-horizontal and near-vertical lines that span at least
 * LINE_MIN_COVERAGE of the picture.
 * @param mask width·height, non-zero = ink.
 */
export function removeStraightLines(mask: Uint8Array, width: number, height: number): LineRemoval {
  const eraseRows = new Uint8Array(width * height);
  const horizontal = findHorizontalLines(mask, width, height, eraseRows);
  const eraseColumnsT = new Uint8Array(width * height);
  const vertical = findHorizontalLines(transpose(mask, width, height), height, width, eraseColumnsT);
  const eraseColumns = transpose(eraseColumnsT, height, width);
  const out = Uint8Array.from(mask);
  let removedPixels = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 0 && (eraseRows[i] === 1 || eraseColumns[i] === 1)) {
      out[i] = 0;
      removedPixels++;
    }
  }
  return { mask: out, lines: { horizontal, vertical }, removedPixels };
}
