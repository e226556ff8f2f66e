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
 * BatchMatMul (XNNPACK, SIMD) do the rest. Every stride and padding goes
 * through the same path.
 *
 * Also measured (scratch/backend/bench-kernels.ts), and not faster: reading
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
import { disposeIntermediate, heapF32, runWasmKernel } from './wasm-kernel-util.js';

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

/** Below this many floats a plain loop copies faster than `TypedArray.set`. */
const SET_MIN_LENGTH = 16;

/**
 * Writes the im2col matrix P[m, (kh, kw, ci)] = x[n, oh*sH + kh - pT, ow*sW + kw - pL, ci]
 * (m = (n, oh, ow); 0 outside x) into `p`. For one (m, kh) the KW*ci values
 * are contiguous in NHWC x, so interior windows are one copy per filter row.
 */
function im2col(x: Float32Array, p: Float32Array, g: FilterGradGeometry): void {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci } = g;
  const { inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = g;
  const segment = kw * ci;
  let o = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const xc0 = c * sw - g.padLeft;
        const colsInside = xc0 >= 0 && xc0 + kw <= w;
        for (let fr = 0; fr < kh; fr++) {
          const xr = r * sh + fr - g.padTop;
          if (xr < 0 || xr >= h) {
            p.fill(0, o, o + segment);
          } else if (colsInside) {
            const src = ((n * h + xr) * w + xc0) * ci;
            if (segment >= SET_MIN_LENGTH) {
              p.set(x.subarray(src, src + segment), o);
            } else {
              for (let j = 0; j < segment; j++) p[o + j] = x[src + j] as number;
            }
          } else {
            for (let fc = 0; fc < kw; fc++) {
              const xc = xc0 + fc;
              const dst = o + fc * ci;
              if (xc < 0 || xc >= w) {
                p.fill(0, dst, dst + ci);
              } else {
                const src = ((n * h + xr) * w + xc) * ci;
                for (let j = 0; j < ci; j++) p[dst + j] = x[src + j] as number;
              }
            }
          }
          o += segment;
        }
      }
    }
  }
  if (o !== p.length) {
    throw new Error(`im2col wrote ${o} of ${p.length} values`);
  }
}

/**
 * Filter gradient as one XNNPACK matrix product (im2col):
 *   dW[(kh, kw, ci), co] = sum_m P[m, (kh, kw, ci)] * dy[m, co],   m = (n, oh, ow)
 * with P the im2col matrix of x and dy [N, OH, OW, co] read as the [m, co]
 * matrix it already is. How the product is arranged matters for speed:
 *  - the wasm BatchMatMul only takes its XNNPACK path for untransposed
 *    operands (tfjs-backend-wasm src/cc/batch_mat_mul_impl.cc; otherwise a
 *    naive loop ~10x slower), so operands are transposed explicitly;
 *  - XNNPACK repacks its right-hand operand on every call (new tensor), and
 *    that packing costs about as much as the multiply-adds when the operand
 *    is large, so the smaller of dy [m, co] and P [m, K] goes on the right:
 *      co <= K:  dW   = transpose(P) @ dy     (tutorial conv2: co 64, K 288)
 *      co >  K:  dW^T = transpose(dy) @ P     (tutorial conv1: co 32, K 9)
 *  - XNNPACK caches the packed right-hand operand keyed by tensor id alone
 *    (not shape) until that tensor is disposed, so the right-hand operand is
 *    always a tensor only this kernel sees: P, or a copy of dy (~0.2 ms),
 *    never the caller's dy, whose id a reshape elsewhere could share.
 * @returns [KH, KW, ci, co] float32 TensorInfo owned by the caller (the engine, when used as a kernel).
 */
function filterGradMatMul(x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry, backend: BackendWasm): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co } = g;
  const rows = g.batch * g.outHeight * g.outWidth;
  const patchLength = kh * kw * ci;
  const packDy = co <= patchLength;
  const patches = backend.makeOutput([rows, patchLength], 'float32');
  const dyCopy = packDy ? backend.makeOutput([rows, co], 'float32') : undefined;
  // Views are taken after the allocations (a heap growth detaches older views).
  im2col(heapF32(backend, x), heapF32(backend, patches), g);
  if (dyCopy !== undefined) heapF32(backend, dyCopy).set(heapF32(backend, dy));
  const intermediates: TensorInfo[] = dyCopy === undefined ? [patches] : [patches, dyCopy];
  const matMul = (a: TensorInfo, b: TensorInfo) =>
    runWasmKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }, backend);
  const transpose = (t: TensorInfo) => {
    const out = runWasmKernel('Transpose', { x: t }, { perm: [1, 0] }, backend);
    intermediates.push(out);
    return out;
  };
  try {
    let dw: TensorInfo;
    if (dyCopy !== undefined) {
      dw = matMul(transpose(patches), dyCopy);
    } else {
      const dyMatrix: TensorInfo = { dataId: dy.dataId, shape: [rows, co], dtype: 'float32' };
      const dwT = matMul(transpose(dyMatrix), patches);
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
