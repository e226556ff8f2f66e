/**
 * Faster forward convolutions (`FusedConv2D`, `Conv2D`) for the wasm backend,
 * on two paths that beat tfjs-backend-wasm 4.22's XNNPACK convolution for the
 * tutorial CNN (measured on 256 images, one thread):
 *
 *  - Few input values per output (KH*KW*ci <= TAPS_MAX_VALUES, e.g. the
 *    tutorial's conv1, 3x3 over 1 channel): a direct convolution by taps in
 *    wasm SIMD (wasm-simd-forward.ts `conv2dTaps`): every output pixel sums
 *    its 9 taps times a 32-channel weight row held in 8 registers, bias and
 *    ReLU applied before the one store. XNNPACK's convolution (and its
 *    matrix product on an im2col matrix, also measured) spends most of its
 *    time on per-row overhead when K = 9: 15 ms -> ~5 ms.
 *
 *  - 3x3, stride 1, ci a multiple of 4 and at least WINOGRAD_MIN_CIN (the
 *    tutorial's conv2, 32 -> 64 channels): Winograd's minimal filtering
 *    F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
 *    Networks", CVPR 2016): each 2x2 output tile costs 16 ci x co products
 *    instead of 36, i.e. 2.25x fewer multiply-adds (1.9x on the 11x11
 *    output, whose 6x6 tiles overhang by one row and column). Tiles are
 *    processed in chunks that stay in the L2 cache: input transform
 *    (`winogradInput`), 16 matrix products (`gemm`, register-tiled like
 *    XNNPACK's), output transform with bias and activation
 *    (`winogradOutput`): 57 ms -> ~32 ms. The transforms add a few float32
 *    roundings: results differ from a direct convolution by a few units in
 *    the last place of the largest partial sums (tests check 1e-5 relative
 *    against tfjs's cpu backend). The transforms also mix the 4x4 input
 *    cells of a tile, so a NaN or infinite input makes the whole 2x2 output
 *    tile NaN where a direct convolution would spoil only the outputs whose
 *    window holds it; finite inputs (all this tool feeds it) are unaffected.
 *
 * Bias is added after the sum and ReLU is Math.max(0, v), as on tfjs's cpu
 * backend (its conv, then `add`, then `relu`). Everything else
 * (other activations, prelu weights, NCHW, non-float32, output channels not
 * a multiple of 4, larger convolutions where XNNPACK's direct convolution is
 * as fast, no wasm SIMD) goes to the stock kernel.
 */
import tf = require('@tensorflow/tfjs-core');
import type { Conv2DAttrs, FusedConv2DAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { byteOffset, disposeIntermediate, heapF32, sizeOf, withStockFallback } from './wasm-kernel-util.js';
import { GEMM_COLUMNS } from './wasm-simd-forward.js';
import { simdHelpers, type SimdHelpers } from './wasm-simd.js';

const { backend_util } = tf;

/** Largest KH*KW*ci for the direct path (measured: 9 and 18 win clearly; XNNPACK catches up by ~36). */
export const TAPS_MAX_VALUES = 27;
/** Smallest ci for the Winograd path (below it the transforms cost more than the products save). */
export const WINOGRAD_MIN_CIN = 8;
/** Winograd tiles per chunk: V (16 x tiles x ci) and M (16 x tiles x co) floats stay in L2 (384 KB at ci 32, co 64). */
const WINOGRAD_CHUNK_TILES = 64;
/**
 * Bytes between the 16 matrices of V and of M beyond their size: one cache
 * line. Without it the matrices start a multiple of 4 KB apart, the 16
 * entries of one tile fall in the same L1 cache set (more than its 8 ways),
 * and the transforms run 2x slower (measured: 4.7 -> 2.2 ms and 4.4 -> 2.4 ms
 * per 256 images).
 */
const MATRIX_GAP_BYTES = 64;

const BYTES = Float32Array.BYTES_PER_ELEMENT;

/** What a forward convolution call asks for; attributes as tfjs-core passes them. */
export interface ConvRequest {
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo | undefined;
  preluActivationWeights?: TensorInfo | undefined;
  attrs: Conv2DAttrs & { activation?: FusedConv2DAttrs['activation'] };
}

/** Which path a convolution takes. */
export type ConvPath = 'taps' | 'winograd' | 'stock';

/** The path `conv2dForwardWasm` takes for this request (without running it). */
export function convPath(request: ConvRequest, simd = true): ConvPath {
  const { x, filter, bias, preluActivationWeights, attrs } = request;
  const activation = attrs.activation ?? 'linear';
  if (!simd) return 'stock';
  if (x.dtype !== 'float32' || filter.dtype !== 'float32') return 'stock';
  if (attrs.dataFormat === 'NCHW' || x.shape.length !== 4 || filter.shape.length !== 4) return 'stock';
  if (activation !== 'linear' && activation !== 'relu') return 'stock';
  if (preluActivationWeights !== undefined && preluActivationWeights !== null) return 'stock';
  const info = convInfo(request);
  if (info === undefined) return 'stock';
  const { inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  if (bias !== undefined && bias !== null && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== co)) {
    return 'stock';
  }
  if (co % 4 !== 0 || sizeOf(info.outShape) === 0) return 'stock';
  if (
    kh === 3 && kw === 3 && info.strideHeight === 1 && info.strideWidth === 1 &&
    info.dilationHeight === 1 && info.dilationWidth === 1 &&
    ci % 4 === 0 && ci >= WINOGRAD_MIN_CIN && co % GEMM_COLUMNS === 0
  ) {
    return 'winograd';
  }
  if (kh * kw * ci <= TAPS_MAX_VALUES) return 'taps';
  return 'stock';
}

function convInfo(request: ConvRequest): tf.backend_util.Conv2DInfo | undefined {
  const { x, filter, attrs } = request;
  if (x.shape[3] !== filter.shape[2]) return undefined; // the stock kernel reports the mismatch
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Forward convolution (NHWC) with optional bias and linear/ReLU activation,
 * or `undefined` when the stock kernel should run (see `convPath`).
 * @param request x [N, H, W, ci], filter [KH, KW, ci, co], bias [co] (all float32)
 * @returns [N, OH, OW, co] float32 TensorInfo owned by the caller (normally the engine).
 */
export function conv2dForwardWasm(request: ConvRequest, backend: BackendWasm): TensorInfo | undefined {
  const simd = simdHelpers(backend);
  const path = convPath(request, simd !== undefined);
  if (path === 'stock' || simd === undefined) return undefined;
  const info = convInfo(request) as tf.backend_util.Conv2DInfo;
  const floor = request.attrs.activation === 'relu' ? 0 : -Infinity;
  const owned: TensorInfo[] = [];
  const scratch = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): TensorInfo => {
    const t = backend.makeOutput(shape, dtype);
    owned.push(t);
    return t;
  };
  const out = backend.makeOutput(info.outShape.slice(), 'float32');
  try {
    let bias = request.bias ?? undefined;
    if (bias === undefined) {
      bias = scratch([info.outChannels]);
      heapF32(backend, bias).fill(0);
    }
    const call: ConvCall = { simd, backend, x: request.x, filter: request.filter, bias, out, info, floor, scratch };
    (path === 'taps' ? convByTaps : convWinograd)(call);
  } catch (error) {
    disposeIntermediate(backend, out);
    throw error;
  } finally {
    for (const t of owned) disposeIntermediate(backend, t);
  }
  return out;
}

/** The input as the convolution reads it: x itself, or a zero-padded copy. */
interface SourceImage {
  /** Byte address of image 0's cell (0, 0) as the convolution indexes it (padding included). */
  address: number;
  imageBytes: number;
  rowBytes: number;
}

/**
 * x, or a copy of x zero-padded to `rows` x `cols` cells with x at
 * (padTop, padLeft), when the convolution would read outside x.
 */
function sourceImage(
  simd: SimdHelpers,
  backend: BackendWasm,
  x: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  rows: number,
  cols: number,
  scratch: (shape: number[]) => TensorInfo,
): SourceImage {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  if (top === 0 && left === 0 && rows <= h && cols <= w) {
    return { address: byteOffset(backend, x), imageBytes: h * w * ci * BYTES, rowBytes: w * ci * BYTES };
  }
  const padded = scratch([n, rows, cols, ci]);
  heapF32(backend, padded).fill(0);
  const from = byteOffset(backend, x);
  const to = byteOffset(backend, padded);
  // Rows and columns of x that land inside the padded frame.
  const firstRow = Math.max(0, -top);
  const lastRow = Math.min(h, rows - top);
  const firstCol = Math.max(0, -left);
  const lastCol = Math.min(w, cols - left);
  const length = (lastCol - firstCol) * ci;
  if (length > 0) {
    for (let b = 0; b < n; b++) {
      for (let r = firstRow; r < lastRow; r++) {
        simd.copy(
          to + (((b * rows + r + top) * cols + firstCol + left) * ci) * BYTES,
          from + (((b * h + r) * w + firstCol) * ci) * BYTES,
          length,
        );
      }
    }
  }
  return { address: to, imageBytes: rows * cols * ci * BYTES, rowBytes: cols * ci * BYTES };
}

/** One forward convolution as the two paths below compute it (all TensorInfos on `backend`'s heap). */
interface ConvCall {
  simd: SimdHelpers;
  backend: BackendWasm;
  x: TensorInfo;
  filter: TensorInfo;
  /** [co], zeros when the request has none. */
  bias: TensorInfo;
  /** The result, [N, OH, OW, co], allocated by the caller. */
  out: TensorInfo;
  info: tf.backend_util.Conv2DInfo;
  /** 0 for ReLU, -Infinity for linear. */
  floor: number;
  /** Allocates a temporary the caller disposes. */
  scratch: (shape: number[], dtype?: 'float32' | 'int32') => TensorInfo;
}

function convByTaps({ simd, backend, x, filter, bias, out, info, floor, scratch }: ConvCall): void {
  const { batchSize: n, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  // The cells a valid convolution over the padded input reads.
  const rows = (oh - 1) * sh + (kh - 1) * dh + 1;
  const cols = (ow - 1) * sw + (kw - 1) * dw + 1;
  const offsets = scratch([kh * kw * ci], 'int32');
  const source = sourceImage(simd, backend, x, info, rows, cols, scratch);
  const cellBytes = ci * BYTES;
  const taps = backend.typedArrayFromHeap(offsets) as Int32Array;
  // Tap order (ky, kx, c) is the filter's row order: w[(ky * KW + kx) * ci + c, :].
  let k = 0;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let c = 0; c < ci; c++) taps[k++] = ky * dh * source.rowBytes + kx * dw * cellBytes + c * BYTES;
    }
  }
  const outImageBytes = oh * ow * co * BYTES;
  const outAddress = byteOffset(backend, out);
  for (let b = 0; b < n; b++) {
    simd.conv2dTaps(
      source.address + b * source.imageBytes,
      byteOffset(backend, offsets),
      k * BYTES,
      byteOffset(backend, filter),
      byteOffset(backend, bias),
      outAddress + b * outImageBytes,
      oh,
      ow,
      sw * cellBytes,
      sh * source.rowBytes,
      co * BYTES,
      floor,
    );
  }
}

/**
 * Winograd-transformed filters U = G g G^T (Lavin & Gray eq. 7) for every
 * (ci, co), as 16 matrices [ci, co] packed in the GEMM's column blocks:
 * entry e of (c, o) at e * ci * co + (o - o % B) * ci + c * B + o % B, B = GEMM_COLUMNS.
 * Computed in float64 and rounded once. Cached per filter buffer (tensor data
 * is immutable in tfjs, so a data id always holds the same values).
 */
const transformedFilters = new WeakMap<object, Float32Array>();

function winogradFilter(g: Float32Array, ci: number, co: number): Float32Array {
  // Plain loops over typed arrays, no closures or temporaries: this runs
  // once per filter, cold (interpreted) on a single-image explain.
  const plane = ci * co;
  const u = new Float32Array(16 * plane);
  const t = new Float64Array(12); // G g: 4 x 3
  for (let c = 0; c < ci; c++) {
    for (let o = 0; o < co; o++) {
      const at = c * co + o; // g[ky, kx, c, o] = g[(ky * 3 + kx) * plane + at]
      // G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
      for (let kx = 0; kx < 3; kx++) {
        const g0 = g[kx * plane + at] as number;
        const g1 = g[(3 + kx) * plane + at] as number;
        const g2 = g[(6 + kx) * plane + at] as number;
        t[kx] = g0;
        t[3 + kx] = (g0 + g1 + g2) / 2;
        t[6 + kx] = (g0 - g1 + g2) / 2;
        t[9 + kx] = g2;
      }
      const packed = (o - (o % GEMM_COLUMNS)) * ci + c * GEMM_COLUMNS + (o % GEMM_COLUMNS);
      // (G g) G^T, row by row.
      for (let i = 0; i < 4; i++) {
        const r0 = t[3 * i] as number;
        const r1 = t[3 * i + 1] as number;
        const r2 = t[3 * i + 2] as number;
        const e = 4 * i * plane + packed;
        u[e] = r0;
        u[e + plane] = (r0 + r1 + r2) / 2;
        u[e + 2 * plane] = (r0 - r1 + r2) / 2;
        u[e + 3 * plane] = r2;
      }
    }
  }
  return u;
}

function convWinograd({ simd, backend, x, filter, bias, out, info, floor, scratch }: ConvCall): void {
  const { batchSize: n, inChannels: ci, outChannels: co, outHeight: oh, outWidth: ow } = info;
  const tilesY = Math.ceil(oh / 2);
  const tilesX = Math.ceil(ow / 2);
  const source = sourceImage(simd, backend, x, info, 2 * tilesY + 2, 2 * tilesX + 2, scratch);
  const chunk = WINOGRAD_CHUNK_TILES;
  const u = scratch([16 * ci * co]);
  const ciBytes = ci * BYTES;
  const coBytes = co * BYTES;
  const vStride = chunk * ciBytes + MATRIX_GAP_BYTES;
  const mStride = chunk * coBytes + MATRIX_GAP_BYTES;
  const v = scratch([(16 * vStride) / BYTES]);
  const m = scratch([(16 * mStride) / BYTES]);
  let transformed = transformedFilters.get(filter.dataId);
  if (transformed === undefined) {
    transformed = winogradFilter(heapF32(backend, filter), ci, co);
    transformedFilters.set(filter.dataId, transformed);
  }
  heapF32(backend, u).set(transformed);

  const outRowBytes = ow * coBytes;
  const outAddress = byteOffset(backend, out);
  const [uAddress, vAddress, mAddress, biasAddress] = [u, v, m, bias].map((t) => byteOffset(backend, t)) as [number, number, number, number];
  const tilesPerImage = tilesY * tilesX;
  const total = n * tilesPerImage;
  /** Calls visit(firstTile, tiles, image, tileRow, tileCol) for each run of tiles along one tile row. */
  const segments = (start: number, end: number, visit: (t: number, count: number, b: number, ty: number, tx: number) => void) => {
    for (let t = start; t < end; ) {
      const b = Math.floor(t / tilesPerImage);
      const inImage = t - b * tilesPerImage;
      const ty = Math.floor(inImage / tilesX);
      const tx = inImage - ty * tilesX;
      const count = Math.min(tilesX - tx, end - t);
      visit(t, count, b, ty, tx);
      t += count;
    }
  };
  for (let start = 0; start < total; start += chunk) {
    const end = Math.min(total, start + chunk);
    segments(start, end, (t, count, b, ty, tx) => {
      simd.winogradInput(
        source.address + b * source.imageBytes + 2 * ty * source.rowBytes + 2 * tx * ciBytes,
        vAddress + (t - start) * ciBytes,
        count,
        ciBytes,
        source.rowBytes,
        vStride,
      );
    });
    simd.gemm(vAddress, uAddress, mAddress, end - start, ciBytes, coBytes, 16, vStride, ci * coBytes, mStride);
    segments(start, end, (t, count, b, ty, tx) => {
      const rowEnd = tx + count === tilesX;
      simd.winogradOutput(
        mAddress + (t - start) * coBytes,
        outAddress + ((b * oh + 2 * ty) * ow + 2 * tx) * coBytes,
        count,
        coBytes,
        mStride,
        biasAddress,
        floor,
        outRowBytes,
        2 * ty + 1 < oh ? 2 : 1,
        rowEnd && ow % 2 === 1 ? 1 : 2,
      );
    });
  }
}

/** Registration for `FusedConv2D` on 'wasm': the paths above, else `stock`. */
export function createWasmFusedConv2dConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x, filter, bias, preluActivationWeights } = inputs;
    if (x === undefined || filter === undefined) return undefined;
    return conv2dForwardWasm({ x, filter, bias, preluActivationWeights, attrs: attrs as unknown as FusedConv2DAttrs }, backend);
  });
}

/** Registration for `Conv2D` on 'wasm' (no bias, linear): the paths above, else `stock`. */
export function createWasmConv2dConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x, filter } = inputs;
    if (x === undefined || filter === undefined) return undefined;
    return conv2dForwardWasm({ x, filter, attrs: attrs as unknown as Conv2DAttrs }, backend);
  });
}
