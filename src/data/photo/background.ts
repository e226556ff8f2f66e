/**
 * The paper's brightness under the ink, so shadows and uneven light can be
 * divided out (issue 11). A morphological closing (dark ink on light paper)
 * or opening (light ink on a dark board) removes every stroke narrower than
 * its window and keeps the slowly varying background; it runs on a coarse
 * grid of block means, so its cost does not grow with the photo's size, and
 * is smoothed and interpolated back to full resolution. This is the
 * "background estimation by morphological closing, then division" of
 * document-image binarisation (e.g. Gatos, Pratikakis & Perantonis,
 * "Adaptive degraded document image binarization", Pattern Recognition 39,
 * 2006, §2.3, which interpolates the background instead).
 */

/** Whether the strokes are darker or lighter than what they are written on. */
export type InkPolarity = 'dark-ink' | 'light-ink';

/** Cells of the coarse grid along the image's short side. */
export const BACKGROUND_GRID_CELLS = 64;
/**
 * Radius of the closing window as a fraction of the grid's short side: the
 * window (2r + 1 cells ≈ 25% of the short side) is wider than the strokes of
 * a heavy marker digit that fills 70% of the picture (strokes ≈ 1/4 of the
 * digit's height), which therefore do not leak into the background.
 */
export const BACKGROUND_RADIUS_FRACTION = 0.12;

/**
 * Radius of the median window as a fraction of the grid's short side: a
 * window of half the picture, so even a heavy stroke is a minority in it.
 */
export const MEDIAN_RADIUS_FRACTION = 0.25;

/** A coarse grid of cell values. */
interface Grid {
  values: Float32Array;
  width: number;
  height: number;
  /** Side of a cell in image pixels. */
  cell: number;
}

/** Means of cell×cell blocks (the last row/column of blocks may be partial). */
function blockMeans(plane: Float32Array, width: number, height: number, cell: number): Grid {
  const gw = Math.ceil(width / cell);
  const gh = Math.ceil(height / cell);
  const sums = new Float64Array(gw * gh);
  const counts = new Float64Array(gw * gh);
  const cellOfColumn = new Int32Array(width);
  for (let x = 0; x < width; x++) cellOfColumn[x] = Math.floor(x / cell);
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / cell) * gw;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const g = gy + cellOfColumn[x]!;
      sums[g]! += plane[row + x]!;
      counts[g]! += 1;
    }
  }
  const values = new Float32Array(gw * gh);
  for (let g = 0; g < values.length; g++) values[g] = sums[g]! / counts[g]!;
  return { values, width: gw, height: gh, cell };
}

/** Separable max (sign 1) or min (sign -1) filter of a square window of radius r, clamped at the edges. */
function rankFilter(grid: Grid, radius: number, sign: 1 | -1): Float32Array {
  const { width, height } = grid;
  const pick = sign === 1 ? Math.max : Math.min;
  const across = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let best = grid.values[y * width + x]!;
      for (let k = Math.max(0, x - radius); k <= Math.min(width - 1, x + radius); k++) best = pick(best, grid.values[y * width + k]!);
      across[y * width + x] = best;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let best = across[y * width + x]!;
      for (let k = Math.max(0, y - radius); k <= Math.min(height - 1, y + radius); k++) best = pick(best, across[k * width + x]!);
      out[y * width + x] = best;
    }
  }
  return out;
}

/** Separable box mean of radius r, over the cells inside the grid. */
function boxMean(values: Float32Array, width: number, height: number, radius: number): Float32Array {
  const across = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      const lo = Math.max(0, x - radius);
      const hi = Math.min(width - 1, x + radius);
      for (let k = lo; k <= hi; k++) sum += values[y * width + k]!;
      across[y * width + x] = sum / (hi - lo + 1);
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      const lo = Math.max(0, y - radius);
      const hi = Math.min(height - 1, y + radius);
      for (let k = lo; k <= hi; k++) sum += across[k * width + x]!;
      out[y * width + x] = sum / (hi - lo + 1);
    }
  }
  return out;
}

/** Bilinear interpolation of a grid (cell centres) back to width×height pixels. */
function upsample(grid: Float32Array, gw: number, gh: number, cell: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const xs0 = new Int32Array(width);
  const xs1 = new Int32Array(width);
  const xf = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = Math.min(Math.max((x + 0.5) / cell - 0.5, 0), gw - 1);
    xs0[x] = Math.floor(gx);
    xs1[x] = Math.min(gw - 1, xs0[x]! + 1);
    xf[x] = gx - xs0[x]!;
  }
  // One interpolated grid row per picture row, then along it: half the arithmetic of a 2-D lookup per pixel.
  const between = new Float32Array(gw);
  for (let y = 0; y < height; y++) {
    const gy = Math.min(Math.max((y + 0.5) / cell - 0.5, 0), gh - 1);
    const y0 = Math.floor(gy);
    const y1 = Math.min(gh - 1, y0 + 1);
    const fy = gy - y0;
    const r0 = y0 * gw;
    const r1 = y1 * gw;
    for (let g = 0; g < gw; g++) between[g] = grid[r0 + g]! + (grid[r1 + g]! - grid[r0 + g]!) * fy;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = between[xs0[x]!]!;
      out[row + x] = a + (between[xs1[x]!]! - a) * xf[x]!;
    }
  }
  return out;
}

/** Median of values[from..to) (a scratch copy is sorted). */
function medianOf(scratch: Float32Array, count: number): number {
  const used = scratch.subarray(0, count).sort();
  return used[count >> 1]!;
}

/**
 * Separable median filter of radius r (the median along rows, then along
 * columns of those): an approximation of the square window's median that
 * costs 2(2r + 1) values per cell instead of (2r + 1)², and agrees with it
 * wherever the window's majority is one level, which is all the polarity
 * decision needs.
 */
function medianFilter(grid: Grid, radius: number): Float32Array {
  const { width, height, values } = grid;
  const scratch = new Float32Array(2 * radius + 1);
  const across = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let count = 0;
      for (let k = Math.max(0, x - radius); k <= Math.min(width - 1, x + radius); k++) scratch[count++] = values[y * width + k]!;
      across[y * width + x] = medianOf(scratch, count);
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let count = 0;
      for (let k = Math.max(0, y - radius); k <= Math.min(height - 1, y + radius); k++) scratch[count++] = across[k * width + x]!;
      out[y * width + x] = medianOf(scratch, count);
    }
  }
  return out;
}

/** The coarse grid of a plane and the radius of the background window on it. */
function backgroundGrid(plane: Float32Array, width: number, height: number): { grid: Grid; radius: number } {
  const cell = Math.max(1, Math.floor(Math.min(width, height) / BACKGROUND_GRID_CELLS));
  const grid = blockMeans(plane, width, height, cell);
  return { grid, radius: Math.max(1, Math.round(BACKGROUND_RADIUS_FRACTION * Math.min(grid.width, grid.height))) };
}

/**
 * The local median of one channel: the level most of each window has. Ink
 * covers a minority of any window, so this is the paper (or the board)
 * whichever way round the ink is: the reference for deciding the polarity.
 * (A closing or an opening cannot decide it: the wrong one fills the holes
 * of a 0 or the paper between ruled lines, which then look like strokes.)
 * @returns width·height values in [0, 1].
 */
export function localMedian(plane: Float32Array, width: number, height: number): Float32Array {
  const { grid } = backgroundGrid(plane, width, height);
  const radius = Math.max(1, Math.round(MEDIAN_RADIUS_FRACTION * Math.min(grid.width, grid.height)));
  return upsample(medianFilter(grid, radius), grid.width, grid.height, grid.cell, width, height);
}

/**
 * Estimates the background under the strokes of one channel.
 * @param plane width·height values in [0, 1], row-major.
 * @param polarity 'dark-ink': closing (max then min), which removes dark strokes;
 *   'light-ink': opening (min then max), which removes light strokes.
 * @returns width·height background values in [0, 1]. A uniform plane gives
 *   itself back exactly.
 */
export function estimateBackground(plane: Float32Array, width: number, height: number, polarity: InkPolarity): Float32Array {
  const { grid, radius } = backgroundGrid(plane, width, height);
  const first = rankFilter(grid, radius, polarity === 'dark-ink' ? 1 : -1);
  const closed = rankFilter({ ...grid, values: first }, radius, polarity === 'dark-ink' ? -1 : 1);
  // Smoothing over half the window removes the closing's blocky plateaus.
  const smooth = boxMean(closed, grid.width, grid.height, Math.max(1, radius >> 1));
  return upsample(smooth, grid.width, grid.height, grid.cell, width, height);
}

/**
 * Below this ratio to the grey background (dark ink), or above it by this
 * much (light ink), a pixel is not paper when measuring the paper's colour.
 */
export const PAPER_TOLERANCE = 0.15;
/** A cell needs this fraction of paper pixels for its own colour estimate; others take their neighbours'. */
const MIN_PAPER_SHARE = 0.25;

/**
 * The paper's colour, channel by channel, under ink found in grey: the mean
 * of each channel over the pixels the grey background calls paper, per cell,
 * with cells full of ink filled from their neighbours. (A closing per channel
 * would not do: in a channel where the ink is brighter than the paper, such
 * as blue ink on yellow paper in the blue channel, it keeps the ink.)
 * @param luma the grey plane; lumaBackground: `estimateBackground(luma, …, polarity)`.
 * @returns one width·height plane per channel, in [0, 1].
 */
export function paperColour(
  planes: readonly Float32Array[],
  luma: Float32Array,
  lumaBackground: Float32Array,
  width: number,
  height: number,
  polarity: InkPolarity,
): Float32Array[] {
  const { grid } = backgroundGrid(luma, width, height);
  const { cell, width: gw, height: gh } = grid;
  const cells = gw * gh;
  const counts = new Float64Array(cells);
  const sums = planes.map(() => new Float64Array(cells));
  for (let y = 0; y < height; y++) {
    const gy = Math.floor(y / cell) * gw;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const paper =
        polarity === 'dark-ink' ? luma[i]! >= (1 - PAPER_TOLERANCE) * lumaBackground[i]! : luma[i]! <= lumaBackground[i]! + PAPER_TOLERANCE;
      if (!paper) continue;
      const g = gy + Math.floor(x / cell);
      counts[g]! += 1;
      for (let c = 0; c < planes.length; c++) sums[c]![g]! += planes[c]![i]!;
    }
  }
  const valid = new Uint8Array(cells);
  const values = planes.map(() => new Float32Array(cells));
  for (let g = 0; g < cells; g++) {
    if (counts[g]! < MIN_PAPER_SHARE * cell * cell) continue;
    valid[g] = 1;
    for (let c = 0; c < planes.length; c++) values[c]![g] = sums[c]![g]! / counts[g]!;
  }
  fillFromNeighbours(values, valid, gw, gh);
  return values.map((v) => upsample(boxMean(v, gw, gh, 1), gw, gh, cell, width, height));
}

/** Gives each invalid cell the mean of its valid 8-neighbours, repeatedly, until all are set (all 1 when none is valid). */
function fillFromNeighbours(values: Float32Array[], valid: Uint8Array, gw: number, gh: number): void {
  if (!valid.includes(1)) {
    for (const v of values) v.fill(1);
    return;
  }
  while (valid.includes(0)) {
    const next = Uint8Array.from(valid);
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const g = y * gw + x;
        if (valid[g] === 1) continue;
        let count = 0;
        const sums = values.map(() => 0);
        for (let yy = Math.max(0, y - 1); yy <= Math.min(gh - 1, y + 1); yy++) {
          for (let xx = Math.max(0, x - 1); xx <= Math.min(gw - 1, x + 1); xx++) {
            const h = yy * gw + xx;
            if (valid[h] !== 1) continue;
            count++;
            values.forEach((v, c) => (sums[c]! += v[h]!));
          }
        }
        if (count === 0) continue;
        values.forEach((v, c) => (v[g] = sums[c]! / count));
        next[g] = 1;
      }
    }
    valid.set(next);
  }
}
