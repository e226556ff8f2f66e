/**
 * `Conv2DBackpropFilter` for the wasm backend, which tfjs-backend-wasm 4.22
 * does not ship: without it, `tf.grad` of any conv2d w.r.t. its filter (so
 * training any Conv2D layer) throws "Kernel 'Conv2DBackpropFilter' not
 * registered for backend 'wasm'".
 *
 * The filter gradient of y = conv2d(x, W, strides sH/sW, pads pT/pL) is
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*sH + kh - pT, ow*sW + kw - pL, ci] * dy[n, oh, ow, co]
 * (positions outside x contribute 0). With the im2col matrix
 *   P[(n, oh, ow), (kh, kw, ci)] = x[n, oh*sH + kh - pT, ow*sW + kw - pL, ci]
 * this is one matrix product, dW = transpose(P) @ dy, where dy [N, OH, OW, co]
 * already is the [(n, oh, ow), co] matrix and [(kh, kw, ci), co] already is
 * the [KH, KW, ci, co] layout. P is built in JavaScript (one contiguous copy
 * of KW*ci values per window row); the wasm backend's own Transpose and
 * BatchMatMul (XNNPACK, SIMD) do the rest, or, when co is a multiple of 16,
 * the project's SIMD `gemm` (wasm-simd-forward.ts) takes BatchMatMul's place
 * (tutorial conv2 at batch 16: 4.3 against 4.5 ms, medians of 3). Every
 * stride and padding goes through the same path.
 *
 * Only the rows m that can contribute enter the product: a row whose dy is
 * all zero, or whose input window is all zero, adds exactly 0 (see
 * activeRows). In a tutorial training step that drops a quarter of conv2's
 * rows and two thirds of conv1's, and with them as much of the im2col work
 * and of the product: conv2 ~11 ms instead of ~14 ms, conv1 ~3 ms instead of
 * ~5 ms at batch 32 (measured on captured step inputs).
 *
 * Also measured, and not faster: reading
 * the batch as the reduced channel makes dW a stride-1 convolution of
 * transpose(x, [3, 1, 2, 0]) with "filter" transpose(dy, [1, 2, 0, 3]) and
 * dilation = the forward stride. XNNPACK computes it correctly, but it must
 * pack the large dy "filter" on every call: 8.6 vs 3.8 ms for the tutorial's
 * conv1, 15.4 vs 15.4 ms for conv2 (batch 32).
 *
 * A plain JavaScript loop (`path: 'loop'`) is kept as a second, independent
 * implementation for tests and benchmarks.
 */
import tf = require('@tensorflow/tfjs-core');
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  byteOffset,
  COPY_WITHIN_MIN_LENGTH,
  disposeIntermediate,
  floatOffset,
  gatherRows,
  heapAll,
  heapF32,
  nonzeroRows,
  runWasmKernel,
  SIMD_COPY_MIN_LENGTH,
} from './wasm-kernel-util.js';
import { packRowBlocks } from './gemm-packing.js';
import { GEMM_COLUMNS } from './wasm-simd-forward.js';
import { simdHelpers, type SimdHelpers } from './wasm-simd.js';


const { backend_util, Conv2DBackpropFilter } = tf;

/** How the filter gradient is computed: im2col + XNNPACK matrix product, or a JS loop. */
export type Conv2dBackpropFilterPath = 'matmul' | 'loop';

/** Forward-convolution geometry the filter gradient needs (NHWC). */
interface FilterGradGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

function geometry(x: TensorInfo, dy: TensorInfo, attrs: Conv2DBackpropFilterAttrs): FilterGradGeometry {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error(
      'Conv2DBackpropFilter on the wasm backend supports dataFormat "NHWC" only, got "NCHW"; ' +
        'use channels-last tensors (Keras dataFormat "channelsLast")',
    );
  }
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(
      `Conv2DBackpropFilter expects rank-4 x and dy, got x [${x.shape.join(', ')}] and dy [${dy.shape.join(', ')}]`,
    );
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`Conv2DBackpropFilter on wasm supports float32 only, got x ${x.dtype} and dy ${dy.dtype}`);
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const expectedDy = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  if (dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new Error(
      `Conv2DBackpropFilter: dy has shape [${dy.shape.join(', ')}], expected [${expectedDy.join(', ')}] ` +
        `for x [${x.shape.join(', ')}] and filter [${filterShape.join(', ')}]`,
    );
  }
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/**
 * The rows m = (n, oh, ow) of the product that can contribute to dW: those
 * where the dy row [co] has a nonzero AND the input window has a nonzero.
 * A row failing either test adds exactly 0 to every dW entry, so dropping it
 * changes nothing, provided every value is finite (0 * Inf and 0 * NaN are
 * NaN): when x or dy holds a non-finite value, every row is kept.
 *
 * This is where training gradients are sparse. Max pooling routes each
 * window's gradient to one cell per channel, and ReLU zeroes inactive cells:
 * in a real tutorial step ~82% of the conv2d dy values are zero and a quarter
 * of its rows (the pooled-away last row and column, and rows where no
 * channel won); for conv1 half the dy rows are zero, and most MNIST windows
 * of the black background are zero too.
 * @returns the kept row indices, ascending.
 */
function activeRows(x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry, backend: BackendWasm): Int32Array {
  const { batch, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = g;
  const rowCount = batch * oh * ow;
  const pixels = nonzeroRows(backend, x, batch * h * w, ci);
  const dyRows = nonzeroRows(backend, dy, rowCount, co);
  const pixelNonzero = pixels.mask;
  const dyNonzero = dyRows.mask;
  const kept = new Int32Array(rowCount);
  if (!pixels.finite || !dyRows.finite) {
    for (let m = 0; m < rowCount; m++) kept[m] = m;
    return kept;
  }
  let count = 0;
  for (let n = 0, m = 0; n < batch; n++) {
    for (let r = 0; r < oh; r++) {
      const top = r * g.strideHeight - g.padTop;
      const rowStart = Math.max(0, top);
      const rowEnd = Math.min(h, top + g.filterHeight);
      for (let c = 0; c < ow; c++, m++) {
        if (dyNonzero[m] === 0) continue;
        const left = c * g.strideWidth - g.padLeft;
        const colStart = Math.max(0, left);
        const colEnd = Math.min(w, left + g.filterWidth);
        let any = 0;
        for (let xr = rowStart; xr < rowEnd && any === 0; xr++) {
          const base = (n * h + xr) * w;
          for (let xc = colStart; xc < colEnd; xc++) any |= pixelNonzero[base + xc] as number;
        }
        if (any !== 0) kept[count++] = m;
      }
    }
  }
  return kept.subarray(0, count);
}

/**
 * Writes the im2col rows P[j, (kh, kw, ci)] = x[n, oh*sH + kh - pT, ow*sW + kw - pL, ci]
 * for the product rows m_j = (n, oh, ow) = rows[j] (0 outside x) into the
 * heap at `p` (a float index into `heap`, as is `x`). For one (m, kh) the
 * KW*ci values are contiguous in NHWC x, so an interior window is one copy
 * per filter row: a memmove (wasm-simd `copy`, else `copyWithin`) for long
 * runs, a loop for short ones, where the call costs more than the copy.
 */
function im2col(
  heap: Float32Array,
  x: number,
  p: number,
  rows: Int32Array,
  g: FilterGradGeometry,
  simd: SimdHelpers | undefined,
): void {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci } = g;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = g;
  const segment = kw * ci;
  const bytes = Float32Array.BYTES_PER_ELEMENT;
  let o = p;
  for (let j = 0; j < rows.length; j++) {
    const m = rows[j] as number;
    const c = m % ow;
    const r = ((m - c) / ow) % oh;
    const n = (m - c - r * ow) / (ow * oh);
    const xc0 = c * sw - g.padLeft;
    const colsInside = xc0 >= 0 && xc0 + kw <= w;
    for (let fr = 0; fr < kh; fr++) {
      const xr = r * sh + fr - g.padTop;
      if (xr < 0 || xr >= h) {
        heap.fill(0, o, o + segment);
      } else if (colsInside) {
        const src = x + ((n * h + xr) * w + xc0) * ci;
        if (simd !== undefined && segment >= SIMD_COPY_MIN_LENGTH) {
          simd.copy(o * bytes, src * bytes, segment);
        } else if (segment >= COPY_WITHIN_MIN_LENGTH) {
          heap.copyWithin(o, src, src + segment);
        } else {
          for (let k = 0; k < segment; k++) heap[o + k] = heap[src + k] as number;
        }
      } else {
        for (let fc = 0; fc < kw; fc++) {
          const xc = xc0 + fc;
          const dst = o + fc * ci;
          if (xc < 0 || xc >= w) {
            heap.fill(0, dst, dst + ci);
          } else {
            const src = x + ((n * h + xr) * w + xc) * ci;
            for (let k = 0; k < ci; k++) heap[dst + k] = heap[src + k] as number;
          }
        }
      }
      o += segment;
    }
  }
  if (o !== p + rows.length * kh * segment) {
    throw new Error(`im2col wrote ${o - p} of ${rows.length * kh * segment} values`);
  }
}

/**
 * Filter gradient as one XNNPACK matrix product (im2col) over the rows that
 * can contribute (see activeRows):
 *   dW[(kh, kw, ci), co] = sum_j P[j, (kh, kw, ci)] * dy[m_j, co]
 * with P the im2col matrix of x for those rows and dy [N, OH, OW, co] read
 * as the [m, co] matrix it already is. How the product is arranged matters
 * for speed:
 *  - the stock wasm BatchMatMul only takes its XNNPACK path for
 *    untransposed operands (tfjs-backend-wasm src/cc/batch_mat_mul_impl.cc;
 *    otherwise a naive loop ~10x slower), so operands are transposed
 *    explicitly (wasm Transpose);
 *  - XNNPACK repacks its right-hand operand on every call (new tensor), a
 *    scalar, strided read at ~10 ns per value, which costs about as much as
 *    the multiply-adds when the operand is large, so the smaller of
 *    dy [rows, co] and P [rows, K] goes on the right:
 *      co <= K:  dW   = transpose(P) @ dy     (tutorial conv2: co 64, K 288)
 *      co >  K:  dW^T = transpose(dy) @ P     (tutorial conv1: co 32, K 9)
 *  - XNNPACK caches the packed right-hand operand keyed by tensor id alone
 *    (not shape) until that tensor is disposed, so the right-hand operand is
 *    always a tensor only this kernel sees (P, or the gathered dy rows),
 *    never the caller's dy, whose id a reshape elsewhere could share.
 * @returns [KH, KW, ci, co] float32 TensorInfo owned by the caller (the engine, when used as a kernel).
 */
function filterGradMatMul(x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry, backend: BackendWasm): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = g;
  const rows = activeRows(x, dy, g, backend);
  const patchLength = kh * kw * ci;
  if (rows.length === 0) {
    const zeros = backend.makeOutput([kh, kw, ci, co], 'float32');
    heapF32(backend, zeros).fill(0);
    return zeros;
  }
  const patches = backend.makeOutput([rows.length, patchLength], 'float32');
  const dyRows = backend.makeOutput([rows.length, co], 'float32');
  // The view is taken after the allocations (a heap growth detaches older views).
  im2col(heapAll(backend, x), floatOffset(backend, x), floatOffset(backend, patches), rows, g, simdHelpers(backend));
  gatherRows(backend, dy, dyRows, rows, rows.length, co);
  const intermediates: TensorInfo[] = [patches, dyRows];
  const matMul = (a: TensorInfo, b: TensorInfo) =>
    runWasmKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }, backend);
  const transpose = (t: TensorInfo) => {
    const out = runWasmKernel('Transpose', { x: t }, { perm: [1, 0] }, backend);
    intermediates.push(out);
    return out;
  };
  try {
    let dw: TensorInfo;
    const simd = simdHelpers(backend);
    if (co <= patchLength && simd !== undefined && co % GEMM_COLUMNS === 0) {
      // The project's SIMD matrix product (wasm-simd-forward.ts `gemm`), with
      // the dy rows packed into its column blocks here: faster than XNNPACK's
      // product on these shapes, and no XNNPACK packing pass.
      const patchesT = transpose(patches);
      const packed = backend.makeOutput([rows.length * co], 'float32');
      intermediates.push(packed);
      packRowBlocks(heapF32(backend, dyRows), heapF32(backend, packed), rows.length, co);
      dw = backend.makeOutput([patchLength, co], 'float32');
      const bytes = Float32Array.BYTES_PER_ELEMENT;
      simd.gemm(byteOffset(backend, patchesT), byteOffset(backend, packed), byteOffset(backend, dw), patchLength, rows.length * bytes, co * bytes, 1, 0, 0, 0);
    } else if (co <= patchLength) {
      dw = matMul(transpose(patches), dyRows);
    } else {
      const dwT = matMul(transpose(dyRows), patches);
      intermediates.push(dwT);
      dw = runWasmKernel('Transpose', { x: dwT }, { perm: [1, 0] }, backend);
    }
    // [KH*KW*ci, co] in row-major order is [KH, KW, ci, co]: same buffer.
    dw.shape = [kh, kw, ci, co];
    return dw;
  } finally {
    // Disposing the right-hand operand also frees its cached XNNPACK operator.
    for (const t of intermediates) disposeIntermediate(backend, t);
  }
}

/**
 * Filter gradient as a direct JavaScript loop over the heap arrays, summed in
 * float64. Positions are visited (n, oh, ow, kh, kw) and input zeros are
 * skipped (after a ReLU most of x is zero).
 * @returns [KH, KW, ci, co] float32 TensorInfo owned by the caller.
 */
function filterGradLoop(x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry, backend: BackendWasm): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = g;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = g;
  const acc = new Float64Array(kh * kw * ci * co);
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  const xVals = heapF32(backend, x);
  const dyVals = heapF32(backend, dy);
  for (let n = 0; n < g.batch; n++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const dyBase = ((n * oh + r) * ow + c) * co;
        for (let fr = 0; fr < kh; fr++) {
          const xr = r * g.strideHeight + fr - g.padTop;
          if (xr < 0 || xr >= h) continue;
          for (let fc = 0; fc < kw; fc++) {
            const xc = c * g.strideWidth + fc - g.padLeft;
            if (xc < 0 || xc >= w) continue;
            const xBase = ((n * h + xr) * w + xc) * ci;
            const accBase = (fr * kw + fc) * ci * co;
            for (let i = 0; i < ci; i++) {
              const xv = xVals[xBase + i] as number;
              if (xv === 0) continue;
              const a = accBase + i * co;
              for (let o = 0; o < co; o++) {
                acc[a + o] = (acc[a + o] as number) + xv * (dyVals[dyBase + o] as number);
              }
            }
          }
        }
      }
    }
  }
  const outVals = heapF32(backend, out);
  outVals.set(acc);
  return out;
}

/**
 * Computes the conv2d filter gradient on the wasm backend.
 * @param x forward input [N, H, W, ci] float32 (NHWC)
 * @param dy gradient of the forward output [N, OH, OW, co] float32
 * @param attrs the forward convolution's strides, pad, dimRoundingMode and filterShape [KH, KW, ci, co]
 * @param path 'matmul' (default) or 'loop' (a direct JS loop; slower, kept as fallback and test oracle)
 * @returns dW [KH, KW, ci, co] float32 TensorInfo; the caller (normally the engine) owns it.
 */
export function conv2dBackpropFilterWasm(
  x: TensorInfo,
  dy: TensorInfo,
  attrs: Conv2DBackpropFilterAttrs,
  backend: BackendWasm,
  path: Conv2dBackpropFilterPath = 'matmul',
): TensorInfo {
  const g = geometry(x, dy, attrs);
  return path === 'matmul' ? filterGradMatMul(x, dy, g, backend) : filterGradLoop(x, dy, g, backend);
}

const kernelFunc = (({ inputs, attrs, backend }) => {
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs inputs x and dy');
  return conv2dBackpropFilterWasm(x, dy, attrs as unknown as Conv2DBackpropFilterAttrs, backend as BackendWasm);
}) satisfies KernelFunc;

/** Kernel registration for `Conv2DBackpropFilter` on 'wasm' (see registerWasmKernels). */
export const wasmConv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc,
};
