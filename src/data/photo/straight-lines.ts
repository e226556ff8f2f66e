/**
 * Removal of ruled and graph-paper lines, frames' sides and page edges from
 * an ink mask (issue 11): long straight thin runs of ink, found by a sheared
 * projection (a Hough transform restricted to near-horizontal and
 * near-vertical lines), then erased except where a stroke crosses them.
 */

/** Largest tilt from the horizontal (or vertical) of a line looked for, in degrees: paper photographed a little askew. */
export const LINE_MAX_TILT_DEGREES = 10;
/** Tilt step of the search, in degrees (twice this at half resolution, where a step drifts half as far). */
export const LINE_TILT_STEP_DEGREES = 0.25;
/**
 * Fraction of the picture's columns (rows, for vertical lines) a line must
 * have ink in. Above the tallest digit the corpus allows (70% of the short
 * side), so a "1" is not a line; ruled lines run the whole width.
 */
export const LINE_MIN_COVERAGE = 0.75;
/**
 * The quantile of a line's runs (ink thickness across it, column by column)
 * taken as its own thickness. Not the median: a stroke lying along the line
 * (a 1's stem on a graph-paper line) can fill nearly half of the line's columns.
 */
const LINE_THICKNESS_QUANTILE = 0.25;
/**
 * Thickest a line can be, as a fraction of its length (the picture's side):
 * ruled and graph lines are under 2%, a marker frame's sides about 3%; a
 * digit's stroke in a tightly cropped picture (MNIST's own framing: the digit
 * fills 20 of 28 pixels) is 8–15% and spans 75% of the side, yet is no line.
 */
export const LINE_MAX_THICKNESS = 0.04;
/** A line "runs off" the picture when its ink reaches within this fraction of the side of both ends. */
const LINE_END_MARGIN = 0.02;
/** Columns sampled by the search: one in this many (the erasing looks at every column). */
const LINE_COLUMN_STRIDE = 2;
/** Vertical runs are measured up to this length: far thicker than any ruled line. */
const RUN_CAP = 64;
/** Pictures with both sides at least this long are searched at half resolution. */
const POOL_MIN_SIDE = 200;
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

/** A line found: y = bin + x·slope in the mask's pixels. */
interface FoundLine {
  slope: number;
  bin: number;
  /** Columns with ink along it (sampled). */
  hits: number;
  /** First and last column where the line lies inside the picture. */
  first: number;
  last: number;
}

/** Near-horizontal lines of `mask` (width×height) spanning LINE_MIN_COVERAGE of its columns. */
function searchHorizontalLines(mask: Uint8Array, width: number, height: number, stepDegrees: number): FoundLine[] {
  const xs: number[] = [];
  const ys: number[] = [];
  // Column by column: the distinct-column count below relies on a column's pixels coming together.
  // Only every LINE_COLUMN_STRIDE-th column is looked at: coverage is a fraction, and a line is long.
  for (let x = 0; x < width; x += LINE_COLUMN_STRIDE) for (let y = 0; y < height; y++) if (mask[y * width + x] !== 0) (xs.push(x), ys.push(y));
  const sampledColumns = Math.ceil(width / LINE_COLUMN_STRIDE);
  if (xs.length < LINE_MIN_COVERAGE * sampledColumns) return [];
  const maxShift = Math.ceil(width * Math.tan((LINE_MAX_TILT_DEGREES * Math.PI) / 180)) + BAND_HALF + 1;
  const bins = height + 2 * maxShift;
  const hits = new Int32Array(bins);
  const lastColumn = new Int32Array(bins);
  const steps = Math.round(LINE_MAX_TILT_DEGREES / stepDegrees);
  const found: FoundLine[] = [];
  for (let s = -steps; s <= steps; s++) {
    const slope = Math.tan((s * stepDegrees * Math.PI) / 180);
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
      if (hits[b]! < LINE_MIN_COVERAGE * sampledColumns) continue;
      // Columns where the line's centre lies inside the picture.
      const offset = b - maxShift;
      let first = 0;
      let last = width - 1;
      if (slope === 0) last = offset >= 0 && offset < height ? width - 1 : -1;
      else {
        const a = (0 - offset) / slope;
        const c = (height - 1 - offset) / slope;
        first = Math.max(0, Math.ceil(Math.min(a, c)));
        last = Math.min(width - 1, Math.floor(Math.max(a, c)));
      }
      const inside = Math.max(0, last - first + 1);
      if (inside >= LINE_MIN_COVERAGE * width && hits[b]! >= (LINE_MIN_COVERAGE * inside) / LINE_COLUMN_STRIDE) found.push({ slope, bin: offset, hits: hits[b]!, first, last });
    }
  }
  return found;
}

/**
 * Marks in `erase` the pixels of `found` lines (within `bandHalf` of each),
 * where the ink's vertical run through the pixel is no thicker than the line
 * itself, so strokes crossing the line survive; returns the number of
 * distinct lines. A found line thicker than LINE_MAX_THICKNESS of its length
 * is a stroke and left alone.
 */
function eraseHorizontalLines(mask: Uint8Array, width: number, height: number, found: readonly FoundLine[], bandHalf: number, erase: Uint8Array): number {
  if (found.length === 0) return 0;

  // Vertical run length of ink through each pixel, for the crossing test:
  // runs from above and from below, in two row-major passes.
  const above = new Uint16Array(width * height);
  const run = new Uint16Array(width * height);
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) above[i] = i >= width ? Math.min(RUN_CAP, above[i - width]! + 1) : 1;
  const below = new Uint16Array(width * height);
  for (let i = mask.length - 1; i >= 0; i--) {
    if (mask[i] === 0) continue;
    below[i] = i + width < mask.length ? Math.min(RUN_CAP, below[i + width]! + 1) : 1;
    run[i] = Math.min(RUN_CAP, above[i]! + below[i]! - 1);
  }
  // Each candidate's pixels (within bandHalf of it), own thickness and whether its ink runs off both ends.
  const measured = found.map(({ slope, bin, first, last }) => {
    const thickness: number[] = [];
    const pixels: number[] = [];
    let inkFirst = width;
    let inkLast = -1;
    for (let x = 0; x < width; x++) {
      const centre = Math.round(bin + x * slope);
      let thinnest = Infinity;
      for (let y = Math.max(0, centre - bandHalf); y <= Math.min(height - 1, centre + bandHalf); y++) {
        const i = y * width + x;
        if (mask[i] === 0) continue;
        pixels.push(i);
        thinnest = Math.min(thinnest, run[i]!);
      }
      if (thinnest < Infinity) {
        thickness.push(thinnest);
        inkFirst = Math.min(inkFirst, x);
        inkLast = x;
      }
    }
    thickness.sort((a, b) => a - b);
    // A low quantile of the runs, so a stroke crossing the line (much thicker) survives even where it
    // runs along the line for a long stretch (a 1's stem on a graph-paper line).
    const own = thickness[Math.floor(thickness.length * LINE_THICKNESS_QUANTILE)] ?? 1;
    const margin = LINE_END_MARGIN * width;
    return { pixels, own, runsOff: inkFirst - first <= margin && last - inkLast <= margin };
  });
  // One line is found at several neighbouring tilts and offsets; a tilted candidate that cuts across a
  // stroke lying on the line sees mostly the stroke and would measure the stroke's thickness. The
  // thinnest candidate of a cluster (candidates within one band of each other across the whole
  // picture, chained) is the line's own thickness for all of them.
  const cluster = found.map((_, k) => k);
  const root = (k: number): number => (cluster[k] === k ? k : (cluster[k] = root(cluster[k]!)));
  const near = 2 * bandHalf + 1;
  for (let a = 0; a < found.length; a++) {
    for (let b = a + 1; b < found.length; b++) {
      const la = found[a]!;
      const lb = found[b]!;
      const apart = Math.max(Math.abs(la.bin - lb.bin), Math.abs(la.bin - lb.bin + (width - 1) * (la.slope - lb.slope)));
      if (apart <= near) cluster[root(a)] = root(b);
    }
  }
  const clusterOwn = new Map<number, number>();
  measured.forEach(({ own }, k) => clusterOwn.set(root(k), Math.min(own, clusterOwn.get(root(k)) ?? Infinity)));

  const candidate = new Uint8Array(width * height);
  const kept: number[] = [];
  measured.forEach(({ pixels, runsOff }, k) => {
    const own = clusterOwn.get(root(k))!;
    // Too thick for its length and stopping short of the picture's edges: a digit's stroke filling a
    // tightly cropped picture, not a line. (A desk's or a page's edge runs off the picture.)
    if (own > LINE_MAX_THICKNESS * width && !runsOff) return;
    const limit = Math.ceil(1.5 * own) + 1;
    for (const i of pixels) if (run[i]! <= limit) candidate[i] = 1;
    kept.push(found[k]!.bin);
  });
  // Distinct lines: clusters of offsets (one thick or tilted line is found at several offsets and tilts).
  const offsets = kept.sort((a, b) => a - b);
  let lines = 0;
  offsets.forEach((offset, k) => {
    if (k === 0 || offset - offsets[k - 1]! > 2 * bandHalf + 1) lines++;
  });
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
  const horizontal = findLines(mask, width, height, eraseRows);
  const eraseColumnsT = new Uint8Array(width * height);
  const vertical = findLines(transpose(mask, width, height), height, width, eraseColumnsT);
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

/**
 * Near-horizontal lines: searched on the mask pooled 2×2 (any ink in the
 * block) when the picture is large enough, a quarter of the work, then
 * erased at full resolution.
 */
function findLines(mask: Uint8Array, width: number, height: number, erase: Uint8Array): number {
  if (width < POOL_MIN_SIDE || height < POOL_MIN_SIDE) {
    return eraseHorizontalLines(mask, width, height, searchHorizontalLines(mask, width, height, LINE_TILT_STEP_DEGREES), BAND_HALF, erase);
  }
  const pw = width >> 1;
  const ph = height >> 1;
  const pooled = new Uint8Array(pw * ph);
  for (let y = 0; y < ph * 2; y++) {
    const row = y * width;
    const prow = (y >> 1) * pw;
    for (let x = 0; x < pw * 2; x++) if (mask[row + x] !== 0) pooled[prow + (x >> 1)] = 1;
  }
  // A pooled pixel (px, py) covers full-resolution centres 2p + 0.5, so an offset o there is 2o + 0.5 − 0.5·slope here.
  const found = searchHorizontalLines(pooled, pw, ph, 2 * LINE_TILT_STEP_DEGREES).map(({ slope, bin, hits, first, last }) => ({
    slope,
    bin: Math.round(2 * bin + 0.5 - 0.5 * slope),
    hits,
    first: 2 * first,
    last: Math.min(width - 1, 2 * last + 1),
  }));
  return eraseHorizontalLines(mask, width, height, found, 2 * BAND_HALF + 1, erase);
}
