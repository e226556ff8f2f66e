/**
 * `Sum` and `Mean` over leading or middle axes for the wasm backend.
 *
 * The gradient of a bias add sums dy over every axis but the channels
 * (tfjs-core gradients/Add_grad.ts), e.g. [N, H, W, C] -> [C]. The stock
 * tfjs-backend-wasm 4.22 kernel reduces innermost axes only, so it first
 * transposes the whole tensor to [C, N*H*W] (kernels/Sum.ts,
 * `permuteAxesAndTranspose`): 3.3 ms for the tutorial's conv1 bias at batch
 * 32, of which the summing is a small part.
 *
 * Grad-CAM's channel weights are the mean of the gradient over the spatial
 * axes [1, 2] of [N, H, W, C]; the stock `Mean` transposes there too:
 * 5 ms for [256, 11, 11, 64].
 *
 * Here a reduction over a contiguous run of axes that leaves an inner axis
 * reads the input once, in order, as [outer, rows, cols] blocks and sums
 * down each block's columns into float64
 * column totals: with SIMD (wasm-simd `addColumnSums`) when cols is a
 * multiple of 4, else in JavaScript, columns taken in blocks of 8 held in
 * local variables over chunks of rows that stay in cache. The cpu backend
 * also sums in float64 (JS numbers) before rounding to float32; only the
 * order of the additions differs, so results agree to float rounding.
 *
 * Other reductions (innermost axes, which the stock kernel does without a
 * transpose; non-contiguous axes; non-float32) go to the stock kernel.
 */
import tf = require('@tensorflow/tfjs-core');
import type { KernelConfig, MeanAttrs, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { byteOffset, disposeIntermediate, heapF32, sizeOf, withStockFallback } from './wasm-kernel-util.js';
import { simdHelpers } from './wasm-simd.js';

const { util } = tf;

/** Rows per chunk: 64 rows of up to a few hundred floats stay in L1/L2 while each column block is summed. */
const ROW_CHUNK = 64;

/**
 * Column sums of the row-major [rows, cols] matrix `x` into `out` (float64
 * totals, divided by `divisor`, rounded once to float32).
 */
export function sumColumns(x: Float32Array, rows: number, cols: number, out: Float32Array, divisor = 1): void {
  const totals = new Float64Array(cols);
  const blockEnd = cols - (cols % 8);
  const chunkLength = ROW_CHUNK * cols;
  for (let start = 0; start < rows * cols; start += chunkLength) {
    const end = Math.min(rows * cols, start + chunkLength);
    for (let c = 0; c < blockEnd; c += 8) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
      for (let i = start + c; i < end; i += cols) {
        s0 += x[i] as number;
        s1 += x[i + 1] as number;
        s2 += x[i + 2] as number;
        s3 += x[i + 3] as number;
        s4 += x[i + 4] as number;
        s5 += x[i + 5] as number;
        s6 += x[i + 6] as number;
        s7 += x[i + 7] as number;
      }
      totals[c] = (totals[c] as number) + s0;
      totals[c + 1] = (totals[c + 1] as number) + s1;
      totals[c + 2] = (totals[c + 2] as number) + s2;
      totals[c + 3] = (totals[c + 3] as number) + s3;
      totals[c + 4] = (totals[c + 4] as number) + s4;
      totals[c + 5] = (totals[c + 5] as number) + s5;
      totals[c + 6] = (totals[c + 6] as number) + s6;
      totals[c + 7] = (totals[c + 7] as number) + s7;
    }
    for (let c = blockEnd; c < cols; c++) {
      let s = 0;
      for (let i = start + c; i < end; i += cols) s += x[i] as number;
      totals[c] = (totals[c] as number) + s;
    }
  }
  if (divisor !== 1) for (let c = 0; c < cols; c++) totals[c] = (totals[c] as number) / divisor;
  out.set(totals);
}

/**
 * Sum (or mean) of float32 `x` over `axis`, or `undefined` when the axes are
 * not one contiguous run k..j-1 that leaves an inner axis (j < rank) or x is
 * not float32 (the stock kernel then runs). Viewing x as
 * [outer, rows, cols] (outer = d0*...*d(k-1), rows = the reduced axes,
 * cols = the rest), each outer block's columns are summed in float64 and
 * rounded once: the leading-axes case (a bias gradient) has outer = 1, and
 * NHWC's [1, 2] (Grad-CAM's spatial mean) has outer = N. A mean divides the
 * float64 totals by `rows` before the rounding.
 * @param x [d0, ..., d(r-1)] float32
 * @returns x's shape without the reduced axes (kept as 1s when keepDims), float32 TensorInfo owned by the caller.
 */
export function sumAxesWasm(
  x: TensorInfo,
  axis: number | number[],
  keepDims: boolean,
  backend: BackendWasm,
  mean = false,
): TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  const k = axes[0];
  const j = (axes[axes.length - 1] ?? -1) + 1;
  if (k === undefined || j >= rank || j - k !== axes.length) return undefined;
  const outer = sizeOf(x.shape, 0, k);
  const rows = sizeOf(x.shape, k, j);
  const cols = sizeOf(x.shape, j);
  const outShape = x.shape.flatMap((d, i) => (i < k || i >= j ? [d] : keepDims ? [1] : []));
  const out = backend.makeOutput(outShape, 'float32');
  if (outer * cols === 0) return out;
  const divisor = mean ? rows : 1;
  const simd = cols % 4 === 0 ? simdHelpers(backend) : undefined;
  if (simd === undefined) {
    const input = heapF32(backend, x);
    const output = heapF32(backend, out);
    for (let o = 0; o < outer; o++) {
      sumColumns(input.subarray(o * rows * cols, (o + 1) * rows * cols), rows, cols, output.subarray(o * cols, (o + 1) * cols), divisor);
    }
    return out;
  }
  // float64 totals on the heap (2 float32 slots each, plus one to align them
  // to 8 bytes), summed with SIMD.
  const totals = backend.makeOutput([2 * outer * cols + 1], 'float32');
  try {
    const start = (byteOffset(backend, totals) + 7) & ~7;
    const sums = new Float64Array(backend.typedArrayFromHeap(totals).buffer, start, outer * cols);
    sums.fill(0);
    const from = byteOffset(backend, x);
    const blockBytes = rows * cols * Float32Array.BYTES_PER_ELEMENT;
    for (let o = 0; o < outer; o++) {
      simd.addColumnSums(from + o * blockBytes, rows, cols, start + o * cols * Float64Array.BYTES_PER_ELEMENT);
    }
    const output = heapF32(backend, out);
    const view = new Float64Array(backend.typedArrayFromHeap(totals).buffer, start, outer * cols);
    if (divisor === 1) {
      output.set(view);
    } else {
      for (let i = 0; i < view.length; i++) output[i] = (view[i] as number) / divisor;
    }
  } finally {
    disposeIntermediate(backend, totals);
  }
  return out;
}

/** Registration for `Sum` on 'wasm': float32 sums over a run of axes that leaves an inner axis here, the rest through `stock`. */
export function createWasmSumConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x === undefined) throw new Error('Sum needs input x');
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    return sumAxesWasm(x, axis, keepDims, backend);
  });
}

/** Registration for `Mean` on 'wasm': the same reductions as `Sum` divided by the count, the rest through `stock`. */
export function createWasmMeanConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x === undefined) throw new Error('Mean needs input x');
    const { axis, keepDims } = attrs as unknown as MeanAttrs;
    return sumAxesWasm(x, axis, keepDims, backend, true);
  });
}
