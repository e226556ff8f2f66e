/**
 * Resizing of single-channel float images, in pure TypeScript so that the MNIST preprocessing is
 * synchronous, deterministic and testable without sharp.
 */
import { GradcamError } from '../errors.js';

/** One output sample along an axis: the input indices it reads and their weights (summing to 1). */
interface AxisTap {
  indices: number[];
  weights: number[];
}

/**
 * Per-axis sampling plan.
 * - Shrinking (or same size): area averaging. Output pixel i covers the input interval
 *   [i*s, (i+1)*s) with s = srcSize/dstSize; each input pixel [j, j+1) contributes its overlap
 *   length / s. This is the box-filter antialiasing that keeps thin strokes as grey levels,
 *   like the anti-aliased size normalisation of MNIST (LeCun et al., 1998).
 * - Enlarging: linear interpolation with pixel centres aligned (x_src = (i + 0.5)*s - 0.5,
 *   clamped to the edge), i.e. the usual "half-pixel centres" bilinear convention.
 */
function axisTaps(srcSize: number, dstSize: number): AxisTap[] {
  const scale = srcSize / dstSize;
  const taps: AxisTap[] = [];
  for (let i = 0; i < dstSize; i++) {
    const indices: number[] = [];
    const weights: number[] = [];
    if (dstSize <= srcSize) {
      const lo = i * scale;
      const hi = (i + 1) * scale;
      for (let j = Math.floor(lo); j < Math.min(Math.ceil(hi), srcSize); j++) {
        const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
        if (overlap > 1e-12) {
          indices.push(j);
          weights.push(overlap / scale);
        }
      }
    } else {
      const x = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), srcSize - 1);
      const j0 = Math.floor(x);
      const t = x - j0;
      indices.push(j0);
      weights.push(1 - t);
      if (t > 0) {
        indices.push(j0 + 1);
        weights.push(t);
      }
    }
    taps.push({ indices, weights });
  }
  return taps;
}

/**
 * Resizes a single-channel image (row-major), separably: area averaging along an axis that
 * shrinks, bilinear interpolation along an axis that grows. A constant image stays constant.
 * @param src `srcWidth * srcHeight` values.
 * @returns a new Float32Array of `dstWidth * dstHeight` values.
 */
export function resizeGrey(
  src: Float32Array,
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
): Float32Array {
  for (const [name, value] of [
    ['srcWidth', srcWidth],
    ['srcHeight', srcHeight],
    ['dstWidth', dstWidth],
    ['dstHeight', dstHeight],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new GradcamError(`resizeGrey: ${name} must be a positive integer, got ${value}`);
  }
  if (src.length !== srcWidth * srcHeight) {
    throw new GradcamError(`resizeGrey: expected ${srcWidth}x${srcHeight} = ${srcWidth * srcHeight} values, got ${src.length}`);
  }
  const xTaps = axisTaps(srcWidth, dstWidth);
  const yTaps = axisTaps(srcHeight, dstHeight);
  // Horizontal pass: srcHeight rows of dstWidth values.
  const rowsResized = new Float64Array(dstWidth * srcHeight);
  for (let y = 0; y < srcHeight; y++) {
    const rowStart = y * srcWidth;
    for (let x = 0; x < dstWidth; x++) {
      const { indices, weights } = xTaps[x] as AxisTap;
      let sum = 0;
      for (let k = 0; k < indices.length; k++) sum += (weights[k] as number) * (src[rowStart + (indices[k] as number)] as number);
      rowsResized[y * dstWidth + x] = sum;
    }
  }
  // Vertical pass.
  const out = new Float32Array(dstWidth * dstHeight);
  for (let y = 0; y < dstHeight; y++) {
    const { indices, weights } = yTaps[y] as AxisTap;
    for (let x = 0; x < dstWidth; x++) {
      let sum = 0;
      for (let k = 0; k < indices.length; k++) {
        sum += (weights[k] as number) * (rowsResized[(indices[k] as number) * dstWidth + x] as number);
      }
      out[y * dstWidth + x] = sum;
    }
  }
  return out;
}
