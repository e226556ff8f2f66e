/**
 * `Sum` over leading axes for the wasm backend.
 *
 * The gradient of a bias add sums dy over every axis but the channels
 * (tfjs-core gradients/Add_grad.ts), e.g. [N, H, W, C] -> [C]. The stock
 * tfjs-backend-wasm 4.22 kernel reduces innermost axes only, so it first
 * transposes the whole tensor to [C, N*H*W] (kernels/Sum.ts,
 * `permuteAxesAndTranspose`): 3.3 ms for the tutorial's conv1 bias at batch
 * 32, of which the summing is a small part.
 *
 * Here a reduction over a leading run of axes (0..k-1) reads the input once,
 * in order, as a [rows, cols] matrix and sums down the columns into float64
 * column totals: with SIMD (wasm-simd `addColumnSums`) when cols is a
 * multiple of 4, else in JavaScript, columns taken in blocks of 8 held in
 * local variables over chunks of rows that stay in cache. The cpu backend
 * also sums in float64 (JS numbers) before rounding to float32; only the
 * order of the additions differs, so results agree to float rounding.
 *
 * Other reductions (innermost axes, which the stock kernel does without a
 * transpose; mixed axes; non-float32) go to the stock kernel.
 */
import tf = require('@tensorflow/tfjs-core');
import type { KernelConfig, SumAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { byteOffset, disposeIntermediate, heapF32, sizeOf, withStockFallback } from './wasm-kernel-util.js';
import { simdHelpers } from './wasm-simd.js';

const { util } = tf;

/** Rows per chunk: 64 rows of up to a few hundred floats stay in L1/L2 while each column block is summed. */
const ROW_CHUNK = 64;

/**
 * Column sums of the row-major [rows, cols] matrix `x` into `out` (float64
 * totals, rounded once to float32).
 */
export function sumColumns(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
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
  out.set(totals);
}

/**
 * Sum of float32 `x` over `axis`, or `undefined` when the axes are not a
 * leading run 0..k-1 (k < rank) or x is not float32 (the stock kernel then runs).
 * @param x [d0, ..., d(r-1)] float32
 * @returns [dk, ..., d(r-1)] float32 (with k leading 1s when keepDims) TensorInfo owned by the caller.
 */
export function sumLeadingAxesWasm(
  x: TensorInfo,
  axis: number | number[],
  keepDims: boolean,
  backend: BackendWasm,
): TensorInfo | undefined {
  if (x.dtype !== 'float32') return undefined;
  const rank = x.shape.length;
  const axes = [...new Set(util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  const k = axes.length;
  if (k === 0 || k >= rank || axes.some((a, i) => a !== i)) return undefined;
  const rows = sizeOf(x.shape, 0, k);
  const cols = sizeOf(x.shape, k);
  const kept = x.shape.slice(k);
  const out = backend.makeOutput(keepDims ? [...new Array<number>(k).fill(1), ...kept] : kept, 'float32');
  const simd = cols % 4 === 0 ? simdHelpers(backend) : undefined;
  if (simd === undefined) {
    sumColumns(heapF32(backend, x), rows, cols, heapF32(backend, out));
    return out;
  }
  // float64 column totals on the heap (2 float32 slots each, plus one to
  // align them to 8 bytes), summed with SIMD.
  const totals = backend.makeOutput([2 * cols + 1], 'float32');
  try {
    const start = (byteOffset(backend, totals) + 7) & ~7;
    new Float64Array(backend.typedArrayFromHeap(totals).buffer, start, cols).fill(0);
    simd.addColumnSums(byteOffset(backend, x), rows, cols, start);
    heapF32(backend, out).set(new Float64Array(backend.typedArrayFromHeap(totals).buffer, start, cols));
  } finally {
    disposeIntermediate(backend, totals);
  }
  return out;
}

/** Registration for `Sum` on 'wasm': leading-axes float32 sums here, the rest through `stock`. */
export function createWasmSumConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x === undefined) throw new Error('Sum needs input x');
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    return sumLeadingAxesWasm(x, axis, keepDims, backend);
  });
}
