/**
 * Resizing single-channel maps with half-pixel centres: bilinear for the
 * Grad-CAM heatmap, nearest neighbour for the digit. The sampling plans are
 * exported for the tile painter (tile-painter.ts), which must sample exactly
 * as these functions do.
 */
import { assertDims, assertLength } from './render-checks.js';

/** Per-axis bilinear sampling plan: for each output index, two source indices and the weight of the second. */
export interface AxisPlan {
  readonly low: Int32Array;
  readonly high: Int32Array;
  readonly weight: Float64Array;
}

/**
 * Half-pixel-centre sampling along one axis: output pixel `d` covers source
 * coordinate `(d + 0.5) * srcN / dstN - 0.5` (pixel centres at integer + 0.5
 * in both grids). That is TF2 `tf.image.resize(method='bilinear')`, PyTorch
 * `interpolate(..., align_corners=False)`, OpenCV `INTER_LINEAR` and PIL.
 * Coordinates beyond the first/last centre are clamped (edge replication).
 *
 * @returns arrays of dstN entries each.
 */
export function bilinearPlan(srcN: number, dstN: number): AxisPlan {
  const low = new Int32Array(dstN);
  const high = new Int32Array(dstN);
  const weight = new Float64Array(dstN);
  const ratio = srcN / dstN;
  for (let d = 0; d < dstN; d++) {
    const source = Math.min(srcN - 1, Math.max(0, ratio * (d + 0.5) - 0.5));
    const lo = Math.floor(source);
    low[d] = lo;
    high[d] = Math.min(lo + 1, srcN - 1);
    weight[d] = source - lo;
  }
  return { low, high, weight };
}

/**
 * Nearest-neighbour source index per output pixel, half-pixel centres:
 * `floor((d + 0.5) * srcN / dstN)`, clamped to the last source pixel.
 *
 * @returns Int32Array of dstN source indices.
 */
export function nearestPlan(srcN: number, dstN: number): Int32Array {
  const index = new Int32Array(dstN);
  for (let d = 0; d < dstN; d++) index[d] = Math.min(srcN - 1, Math.floor(((d + 0.5) * srcN) / dstN));
  return index;
}

/**
 * Bilinear resize of a single-channel map with half-pixel centres, the
 * convention of TF2's `tf.image.resize`, tfjs's
 * `tf.image.resizeBilinear(x, size, false, true)`, PyTorch
 * (`align_corners=False`), OpenCV and PIL. Edges are replicated.
 *
 * @param src srcH*srcW values, row-major (e.g. an 11x11 Grad-CAM map).
 * @returns dstH*dstW float32 values, row-major; a new array owned by the caller.
 * @throws GradcamError if a size is not a positive integer or src.length != srcH*srcW.
 */
export function resizeBilinear(
  src: Float32Array,
  srcH: number,
  srcW: number,
  dstH: number,
  dstW: number,
): Float32Array {
  assertLength('bilinear resize source', src, srcH, srcW);
  assertDims('bilinear resize target', dstH, dstW);
  const rows = bilinearPlan(srcH, dstH);
  const cols = bilinearPlan(srcW, dstW);
  const out = new Float32Array(dstH * dstW);
  let o = 0;
  for (let y = 0; y < dstH; y++) {
    const top = (rows.low[y] as number) * srcW;
    const bottom = (rows.high[y] as number) * srcW;
    const wy = rows.weight[y] as number;
    for (let x = 0; x < dstW; x++) {
      const left = cols.low[x] as number;
      const right = cols.high[x] as number;
      const wx = cols.weight[x] as number;
      const topLeft = src[top + left] as number;
      const bottomLeft = src[bottom + left] as number;
      // Same operation order as TF's kernel (lerp along x, then along y).
      const upper = topLeft + ((src[top + right] as number) - topLeft) * wx;
      const lower = bottomLeft + ((src[bottom + right] as number) - bottomLeft) * wx;
      out[o++] = upper + (lower - upper) * wy;
    }
  }
  return out;
}

/**
 * Nearest-neighbour resize with half-pixel centres: output pixel `d` takes
 * source pixel `floor((d + 0.5) * srcN / dstN)` (tfjs
 * `resizeNearestNeighbor(x, size, false, true)`). For a whole-number
 * enlargement by `s` that is `floor(d / s)`: every source pixel becomes a
 * crisp s*s block, as matplotlib's `imshow` shows a small image.
 *
 * @param src srcH*srcW values, row-major.
 * @returns dstH*dstW float32 values, row-major; a new array owned by the caller.
 * @throws GradcamError if a size is not a positive integer or src.length != srcH*srcW.
 */
export function resizeNearest(
  src: Float32Array,
  srcH: number,
  srcW: number,
  dstH: number,
  dstW: number,
): Float32Array {
  assertLength('nearest resize source', src, srcH, srcW);
  assertDims('nearest resize target', dstH, dstW);
  const rowIndex = nearestPlan(srcH, dstH);
  const colIndex = nearestPlan(srcW, dstW);
  const out = new Float32Array(dstH * dstW);
  let o = 0;
  for (let y = 0; y < dstH; y++) {
    const row = (rowIndex[y] as number) * srcW;
    for (let x = 0; x < dstW; x++) out[o++] = src[row + (colIndex[x] as number)] as number;
  }
  return out;
}
