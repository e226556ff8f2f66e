/**
 * Matplotlib colormaps, bit-exact: jet, hot and gray rebuilt from their segment
 * data (so that a heatmap drawn here has the same colours as the Keras Grad-CAM
 * tutorial's `plt.imshow(heatmap, cmap='jet')`), viridis, turbo, inferno and
 * magma from matplotlib's own 256-row tables (generated once into
 * matplotlib-colormap-data.ts by scripts/matplotlib-colormaps.py). Every byte
 * row and a sweep of values are checked against a fixture written by real
 * matplotlib (test/fixtures/matplotlib-colormaps.json).
 *
 * Pure TypeScript: no TensorFlow.js, no sharp.
 *
 * How matplotlib turns a float into a colour (matplotlib/colors.py, read in
 * 3.6.3 and on main):
 * - `LinearSegmentedColormap._init` builds a 256-row lookup table (LUT) with
 *   `_create_lookup_table(256, segmentdata[channel])`: the segment data is
 *   sampled at `linspace(0, 1, 256)` by linear interpolation.
 * - `Colormap.__call__` maps a float v to row `int(v * 256)`, with v == 1 sent
 *   to the last row and values below 0 / above 1 to the "under" / "over" colours,
 *   which default to the first / last row (so: clipping).
 * - With `bytes=True` (what `imshow` uses to rasterise, in `_make_image`) the
 *   LUT becomes `(lut * 255).astype(np.uint8)`: the conversion TRUNCATES, it
 *   does not round. jet(0) has blue 0.5 -> 127.5 -> 127, jet(1) has red 0.5
 *   -> 127.
 */
import { GradcamError, usageError } from '../errors.js';
import { CHANNEL_MAX } from './rgb-image.js';
import { INFERNO_DATA, MAGMA_DATA, TURBO_DATA, VIRIDIS_DATA } from './matplotlib-colormap-data.js';

/** One row of matplotlib segment data: at position `x`, the channel arrives at `y0` and leaves from `y1`. */
export type SegmentRow = readonly [x: number, y0: number, y1: number];

/** Segment data for the three colour channels, as in matplotlib's `_cm.py`. */
export interface SegmentData {
  readonly red: readonly SegmentRow[];
  readonly green: readonly SegmentRow[];
  readonly blue: readonly SegmentRow[];
}

/** Number of rows in a matplotlib colormap's lookup table (`rcParams['image.lut']`, default 256). */
export const LUT_SIZE = 256;

/** How matplotlib defines a colormap: by segment data (`LinearSegmentedColormap`) or by 256 listed colours (`ListedColormap`). */
export type ColormapDefinition = { readonly segments: SegmentData } | { readonly listed: readonly number[] };

/**
 * The colormaps this project can draw with, each defined the way matplotlib
 * defines it: jet, hot and gray by segment data (matplotlib/_cm.py:
 * `_jet_data`, `_hot_data`, `_gray_data`); viridis, turbo, inferno and magma by
 * 256-row tables (matplotlib/_cm_listed.py), copied verbatim because no short
 * formula reproduces them (the published polynomial fits are off by a few
 * levels). A listed table is 256*3 floats, row-major RGB, used as matplotlib's
 * `_lut` directly (`ListedColormap` with N = 256 does no resampling).
 */
export const COLORMAPS = {
  /** Dark blue -> blue -> cyan -> yellow -> red -> dark red. The Keras Grad-CAM tutorial's choice. */
  jet: {
    segments: {
      red: [
        [0, 0, 0],
        [0.35, 0, 0],
        [0.66, 1, 1],
        [0.89, 1, 1],
        [1, 0.5, 0.5],
      ],
      green: [
        [0, 0, 0],
        [0.125, 0, 0],
        [0.375, 1, 1],
        [0.64, 1, 1],
        [0.91, 0, 0],
        [1, 0, 0],
      ],
      blue: [
        [0, 0.5, 0.5],
        [0.11, 1, 1],
        [0.34, 1, 1],
        [0.65, 0, 0],
        [1, 0, 0],
      ],
    },
  },
  /** Black -> red -> yellow -> white (MATLAB's `hot`). */
  hot: {
    segments: {
      red: [
        [0, 0.0416, 0.0416],
        [0.365079, 1, 1],
        [1, 1, 1],
      ],
      green: [
        [0, 0, 0],
        [0.365079, 0, 0],
        [0.746032, 1, 1],
        [1, 1, 1],
      ],
      blue: [
        [0, 0, 0],
        [0.746032, 0, 0],
        [1, 1, 1],
      ],
    },
  },
  /** Black -> white. What the tutorial uses to show the digit itself. */
  gray: {
    segments: {
      red: [
        [0, 0, 0],
        [1, 1, 1],
      ],
      green: [
        [0, 0, 0],
        [1, 1, 1],
      ],
      blue: [
        [0, 0, 0],
        [1, 1, 1],
      ],
    },
  },
  /** Dark purple -> blue -> green -> yellow; perceptually uniform, matplotlib's default. CC0 (van der Walt & Smith). */
  viridis: { listed: VIRIDIS_DATA },
  /** Dark blue -> cyan -> green -> yellow -> red; an improved rainbow (jet replacement). Apache-2.0 (Google, Mikhailov). */
  turbo: { listed: TURBO_DATA },
  /** Black -> purple -> orange -> pale yellow; perceptually uniform. CC0 (van der Walt & Smith). */
  inferno: { listed: INFERNO_DATA },
  /** Black -> purple -> pink -> pale yellow; perceptually uniform. CC0 (van der Walt & Smith). */
  magma: { listed: MAGMA_DATA },
} as const satisfies Record<string, ColormapDefinition>;

/** Name of a colormap in {@link COLORMAPS}: `'jet' | 'hot' | 'gray' | 'viridis' | 'turbo' | 'inferno' | 'magma'`. */
export type ColormapName = keyof typeof COLORMAPS;

/** All colormap names, in declaration order (for `--help` texts and error messages). */
export const COLORMAP_NAMES = Object.keys(COLORMAPS) as ColormapName[];

/** True when `name` is a colormap this module knows; narrows the type. */
export function isColormapName(name: string): name is ColormapName {
  return Object.hasOwn(COLORMAPS, name);
}

/**
 * Throws a usage error (exit code 2) unless `name` is a known colormap. For
 * option parsers and for callers that got the name from outside TypeScript.
 */
export function assertColormapName(name: string): asserts name is ColormapName {
  if (!isColormapName(name)) {
    throw usageError(`unknown colormap "${name}"; available colormaps: ${COLORMAP_NAMES.join(', ')}`);
  }
}

/**
 * Samples one channel's segment data at `n` evenly spaced points of [0, 1],
 * following matplotlib's `_create_lookup_table` (gamma 1) operation for
 * operation, so that the doubles come out bit-identical to numpy's (which
 * matters: the uint8 LUT truncates, and e.g. jet's red at row 128 is
 * 38.75 / 0.31 = 125 exactly on paper).
 *
 * numpy's `linspace(0, 1, n)` is `i * (1 / (n - 1))` with the last point set
 * to exactly 1; `searchsorted` (side 'left') finds the first breakpoint >= the
 * sample; between breakpoints k-1 and k the value runs linearly from `y1[k-1]`
 * to `y0[k]`. The first row is `y1[0]`, the last `y0[last]`; all clipped to [0, 1].
 *
 * @returns `n` values in [0, 1], float64.
 */
export function sampleSegments(rows: readonly SegmentRow[], n: number = LUT_SIZE): Float64Array {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (first === undefined || last === undefined || first[0] !== 0 || last[0] !== 1) {
    throw new GradcamError('colormap segment data must start at x=0 and end at x=1');
  }
  if (!Number.isInteger(n) || n < 2) {
    throw new GradcamError(`a lookup table needs at least 2 rows, got ${n}`);
  }
  const scaledX = rows.map((row) => row[0] * (n - 1));
  const step = 1 / (n - 1);
  const lut = new Float64Array(n);
  lut[0] = first[2];
  lut[n - 1] = last[1];
  let k = 1; // first breakpoint index with scaledX[k] >= sample; samples increase, so k only moves forward
  for (let i = 1; i < n - 1; i++) {
    const sample = (n - 1) * (i * step);
    while ((scaledX[k] as number) < sample) k++;
    const left = rows[k - 1] as SegmentRow;
    const right = rows[k] as SegmentRow;
    const leftX = scaledX[k - 1] as number;
    const distance = (sample - leftX) / ((scaledX[k] as number) - leftX);
    lut[i] = distance * (right[1] - left[2]) + left[2];
  }
  for (let i = 0; i < n; i++) lut[i] = Math.min(1, Math.max(0, lut[i] as number));
  return lut;
}

interface ColormapTables {
  /** 256*3 RGB in [0, 1], float64: matplotlib's `cmap._lut[:256, :3]`. */
  readonly float: Float64Array;
  /** 256*3 RGB bytes: matplotlib's `cmap(i, bytes=True)` (truncating). */
  readonly bytes: Uint8Array;
}

const tableCache = new Map<ColormapName, ColormapTables>();

/** The float LUT (256*3, row-major RGB) of a definition: segment data sampled, or the listed colours as they are. */
function floatTable(definition: ColormapDefinition): Float64Array {
  if ('listed' in definition) {
    if (definition.listed.length !== LUT_SIZE * 3) {
      throw new GradcamError(`a listed colormap must have ${LUT_SIZE * 3} values, received ${definition.listed.length}`);
    }
    return Float64Array.from(definition.listed);
  }
  const { red, green, blue } = definition.segments;
  const channels = [red, green, blue].map((rows) => sampleSegments(rows));
  const float = new Float64Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    for (let c = 0; c < 3; c++) float[i * 3 + c] = (channels[c] as Float64Array)[i] as number;
  }
  return float;
}

/** Builds (once) and returns both LUTs of a colormap. Internal: the arrays are shared, never hand them out. */
function colormapTables(name: ColormapName): ColormapTables {
  const cached = tableCache.get(name);
  if (cached !== undefined) return cached;
  assertColormapName(name);
  const float = floatTable(COLORMAPS[name]);
  const bytes = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    for (let c = 0; c < 3; c++) {
      const value = float[i * 3 + c] as number;
      // numpy's float -> uint8 cast truncates toward zero (colors.py: `(lut * 255).astype(np.uint8)`).
      bytes[i * 3 + c] = Math.trunc(value * CHANNEL_MAX);
    }
  }
  const tables = { float, bytes };
  tableCache.set(name, tables);
  return tables;
}

/**
 * The colormap's 256-entry lookup table as bytes, exactly matplotlib's
 * `cmap(np.arange(256), bytes=True)[:, :3]` (values truncated, not rounded).
 * Built once per colormap and cached; each call returns a fresh copy, so the
 * caller may modify it.
 *
 * @returns Uint8Array of length 256*3, row-major RGB.
 */
export function colormapLookup(name: ColormapName): Uint8Array {
  return colormapTables(name).bytes.slice();
}

/**
 * The colormap's 256-entry lookup table in [0, 1] before conversion to bytes
 * (matplotlib's `cmap._lut[:256, :3]`), for blending without rounding twice.
 * Cached like {@link colormapLookup}; each call returns a fresh copy.
 *
 * @returns Float64Array of length 256*3, row-major RGB in [0, 1].
 */
export function colormapLookupFloat(name: ColormapName): Float64Array {
  return colormapTables(name).float.slice();
}

/**
 * LUT row for a value, as matplotlib's `Colormap.__call__` picks it for a
 * float: `int(v * 256)`, with 1.0 (and anything above) on the last row and
 * anything below 0 on row 0. NaN is rejected by the callers before this.
 */
export function lutIndex(value: number): number {
  const scaled = value * LUT_SIZE; // exact in float32 and float64: 256 is a power of two
  if (!(scaled > 0)) return 0;
  if (scaled >= LUT_SIZE - 1) return LUT_SIZE - 1;
  return Math.trunc(scaled);
}

/**
 * Maps values in [0, 1] to RGB bytes, like matplotlib's
 * `cmap(values, bytes=True)[..., :3]`. Values outside [0, 1] are clipped
 * (matplotlib's default "under"/"over" colours are the end rows).
 *
 * @param values any length, e.g. an H*W heatmap in row-major order.
 * @returns Uint8Array of length values.length*3, row-major RGB; new array owned by the caller.
 * @throws GradcamError if a value is NaN (matplotlib would paint it transparent;
 *   a Grad-CAM map normalised with an epsilon never has one, so it is a bug upstream).
 */
export function applyColormap(values: Float32Array, name: ColormapName): Uint8Array {
  const lut = colormapTables(name).bytes;
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (Number.isNaN(value)) throw nanError('values', i);
    const row = lutIndex(value) * 3;
    out[i * 3] = lut[row] as number;
    out[i * 3 + 1] = lut[row + 1] as number;
    out[i * 3 + 2] = lut[row + 2] as number;
  }
  return out;
}

/** @internal Shared by blend.ts: the float LUT without a copy. Do not modify the result. */
export function sharedFloatLookup(name: ColormapName): Float64Array {
  return colormapTables(name).float;
}

/** @internal The error for a NaN found while colouring. */
export function nanError(what: string, index: number): GradcamError {
  return new GradcamError(
    `${what}[${index}] is NaN; heatmaps and images must be finite (normalise Grad-CAM maps with an epsilon)`,
  );
}
