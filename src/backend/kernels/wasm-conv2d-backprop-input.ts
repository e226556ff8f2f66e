/**
 * A faster `Conv2DBackpropInput` for the wasm backend: one matrix product and
 * a col2im scatter, for every stride and padding. The product is the
 * project's SIMD `gemm` (wasm-simd-forward.ts) when KH*KW*ci is a multiple of
 * its 16-column blocks (tutorial conv2 at batch 16, real training gradients:
 * 4.1 -> 2.8-3.2 ms), else XNNPACK's.
 *
 * The stock tfjs-backend-wasm 4.22 kernel is a scalar C++ loop
 * (src/cc/kernels/Conv2DBackpropInput.cc): 75-110 ms per call for the
 * tutorial CNN's conv2 at batch 32, the largest cost of a training step.
 *
 * The input gradient of y = conv2d(x, W, strides sH/sW, pads pT/pL) is
 *   dx[n, m*s + k - p, ci] += sum_co dy[n, m, co] * W[k, ci, co]
 * over output positions m = (oh, ow) and filter taps k = (kh, kw). With
 * W read as the [(kh, kw, ci), co] matrix it already is,
 *   C = dy @ transpose(W)         C[(n, oh, ow), (kh, kw, ci)], one matrix product,
 * and dx is C scattered back: row (n, oh, ow), tap (kh, kw) adds its ci
 * values to dx[n, oh*sH + kh - pT, ow*sW + kw - pL, :] (col2im; taps falling
 * in the padding are dropped).
 *
 * Rows of dy that are all zero contribute nothing and are left out of the
 * product (exact when every value of dy and W is finite, see
 * markNonzeroRows). In training they are common: max pooling routes each
 * window's gradient to one cell and ReLU zeroes inactive cells, so a quarter
 * of the tutorial's conv2 dy rows are zero. The product then costs
 * rows * co * KH*KW*ci multiply-adds, against the (H+2)(W+2) padded outputs
 * of the previous version of this kernel (a stride-1 XNNPACK convolution of
 * the zero-padded dy with the rotated filter): 7-9 ms instead of 9-12 ms at
 * batch 32, and strides > 1 no longer fall back to the stock loop.
 */
import tf = require('@tensorflow/tfjs-core');
import type { Conv2DBackpropInputAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  byteOffset,
  disposeIntermediate,
  floatOffset,
  gatherRows,
  heapAll,
  heapF32,
  nonzeroRows,
  runWasmKernel,
  withStockFallback,
} from './wasm-kernel-util.js';
import { packColumnBlocks } from './gemm-packing.js';
import { GEMM_COLUMNS } from './wasm-simd-forward.js';
import { simdHelpers } from './wasm-simd.js';


const { backend_util } = tf;

/**
 * Input gradient of an NHWC conv2d as one matrix product, or `undefined` when this
 * path does not apply (NCHW, non-float32): the caller then uses the stock kernel.
 * @param dy [N, OH, OW, co] float32
 * @param filter [KH, KW, ci, co] float32
 * @param attrs the forward convolution's strides, pad, dimRoundingMode, inputShape [N, H, W, ci]
 * @returns dx [N, H, W, ci] float32 TensorInfo owned by the caller, or undefined.
 */
export function conv2dBackpropInputWasm(
  dy: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DBackpropInputAttrs,
  backend: BackendWasm,
): TensorInfo | undefined {
  if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const expectedDy = [batchSize, oh, ow, co];
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expectedDy[i])) {
    throw new Error(
      `Conv2DBackpropInput: dy has shape [${dy.shape.join(', ')}], expected [${expectedDy.join(', ')}] ` +
        `for input [${attrs.inputShape.join(', ')}] and filter [${filter.shape.join(', ')}]`,
    );
  }
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const patchLength = kh * kw * ci;
  const rowCount = batchSize * oh * ow;

  // Rows of dy to keep: the nonzero ones, or all of them when a value of dy
  // or W is not finite (so NaN spreads exactly as in a dense product).
  const dyRowsNonzero = nonzeroRows(backend, dy, rowCount, co);
  const finite = dyRowsNonzero.finite && nonzeroRows(backend, filter, 1, patchLength * co).finite;
  const rows = new Int32Array(rowCount);
  let rowsKept = 0;
  for (let m = 0; m < rowCount; m++) if (!finite || dyRowsNonzero.mask[m] === 1) rows[rowsKept++] = m;

  const dx = backend.makeOutput(attrs.inputShape.slice(), 'float32');
  if (rowsKept === 0) {
    heapF32(backend, dx).fill(0);
    return dx;
  }
  const intermediates: TensorInfo[] = [];
  try {
    const dyRows = backend.makeOutput([rowsKept, co], 'float32');
    intermediates.push(dyRows);
    gatherRows(backend, dy, dyRows, rows, rowsKept, co);
    const simd = simdHelpers(backend);
    let columns: TensorInfo;
    if (simd !== undefined && patchLength % GEMM_COLUMNS === 0) {
      // The project's SIMD matrix product (wasm-simd-forward.ts `gemm`) with
      // transpose(W) packed into its column blocks here: faster than XNNPACK's
      // product on these shapes, and no transpose or XNNPACK packing pass.
      const packed = backend.makeOutput([co * patchLength], 'float32');
      intermediates.push(packed);
      packColumnBlocks(heapF32(backend, filter), heapF32(backend, packed), patchLength, co);
      columns = backend.makeOutput([rowsKept, patchLength], 'float32');
      intermediates.push(columns);
      const bytes = Float32Array.BYTES_PER_ELEMENT;
      simd.gemm(byteOffset(backend, dyRows), byteOffset(backend, packed), byteOffset(backend, columns), rowsKept, co * bytes, patchLength * bytes, 1, 0, 0, 0);
    } else {
      // transpose(W) is a fresh tensor: XNNPACK caches its packed right-hand
      // operand by tensor id (see wasm-batch-mat-mul.ts), and disposing it frees that.
      const filterMatrix: TensorInfo = { dataId: filter.dataId, shape: [patchLength, co], dtype: 'float32' };
      const filterT = runWasmKernel('Transpose', { x: filterMatrix }, { perm: [1, 0] }, backend);
      intermediates.push(filterT);
      columns = runWasmKernel('BatchMatMul', { a: dyRows, b: filterT }, { transposeA: false, transposeB: false }, backend);
      intermediates.push(columns);
    }
    col2im(backend, columns, dx, rows, rowsKept, info);
    return dx;
  } catch (error) {
    disposeIntermediate(backend, dx);
    throw error;
  } finally {
    for (const t of intermediates) disposeIntermediate(backend, t);
  }
}

/**
 * dx = 0, then each kept row j of `columns` [rows, (kh, kw, ci)] added to the
 * input positions its taps read: row m_j = (n, oh, ow), tap (kh, kw) adds its
 * ci values to dx[n, oh*sH + kh - pT, ow*sW + kw - pL, :] (taps in the
 * padding are dropped). A filter row's KW taps are KW consecutive pixels, so
 * for windows inside the input they are one run of KW*ci values; runs are
 * added with SIMD (wasm-simd `addInto`) when available.
 */
function col2im(
  backend: BackendWasm,
  columns: TensorInfo,
  dx: TensorInfo,
  rows: Int32Array,
  count: number,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const simd = simdHelpers(backend);
  // The view is taken after the last allocation (a heap growth detaches older views).
  const heap = heapAll(backend, dx);
  const dxStart = floatOffset(backend, dx);
  heap.fill(0, dxStart, dxStart + batchSize * h * w * ci);
  const bytes = Float32Array.BYTES_PER_ELEMENT;
  const add = (dst: number, src: number, length: number): void => {
    if (simd !== undefined) {
      simd.addInto(dst * bytes, src * bytes, length);
    } else {
      for (let k = 0; k < length; k++) heap[dst + k] = (heap[dst + k] as number) + (heap[src + k] as number);
    }
  };
  let src = floatOffset(backend, columns);
  for (let j = 0; j < count; j++) {
    const m = rows[j] as number;
    const c = m % ow;
    const r = ((m - c) / ow) % oh;
    const n = (m - c - r * ow) / (ow * oh);
    const xc0 = c * sw - padLeft;
    const colsInside = xc0 >= 0 && xc0 + kw <= w;
    for (let fr = 0; fr < kh; fr++, src += kw * ci) {
      const xr = r * sh + fr - padTop;
      if (xr < 0 || xr >= h) continue;
      const rowStart = dxStart + (n * h + xr) * w * ci;
      if (colsInside) {
        add(rowStart + xc0 * ci, src, kw * ci);
        continue;
      }
      for (let fc = 0; fc < kw; fc++) {
        const xc = xc0 + fc;
        if (xc >= 0 && xc < w) add(rowStart + xc * ci, src + fc * ci, ci);
      }
    }
  }
}

/**
 * Kernel registration for `Conv2DBackpropInput` on 'wasm': the path above,
 * else the stock kernel `stock` (captured by registerWasmKernels).
 */
export function createWasmConv2dBackpropInputConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs;
    if (dy === undefined || filter === undefined) throw new Error('Conv2DBackpropInput needs inputs dy and filter');
    return conv2dBackpropInputWasm(dy, filter, attrs as unknown as Conv2DBackpropInputAttrs, backend);
  });
}
