/**
 * `MaxPool` 2x2, stride 2, for the wasm backend, equal to tfjs's cpu backend.
 *
 * The stock tfjs-backend-wasm 4.22 kernel (XNNPACK max pooling) takes
 * 5.5-11 ms for the tutorial's first pool at 256 images ([256, 26, 26, 32],
 * ~2 ns per input value); the same reads and comparisons in wasm SIMD
 * (wasm-simd-forward.ts `maxPool2x2`, 4 channels per instruction) take
 * ~3.5 ms, close to the cost of streaming the input from memory once.
 *
 * Semantics are tfjs-backend-cpu's (`pool` in src/utils/pool_utils.ts): the
 * running maximum starts at -Infinity and a cell replaces it only when
 * strictly greater, visiting the window row by row. So NaN cells are
 * skipped (NaN > m is false), a window of only NaN gives -Infinity, and of
 * tied +0/-0 cells the first is kept. WebAssembly's pmax(m, v) = m < v ? v : m
 * is exactly that step; its max() would propagate NaN instead.
 *
 * Windows must lie inside the input with no padding (valid padding, or same
 * padding on even sizes, which pads nothing); odd sizes drop the last row or
 * column as the cpu backend does. Other windows, strides and paddings, and
 * channel counts that are not a multiple of 4 (or no wasm SIMD), go to the
 * JavaScript loop below when the pool is 2x2 stride 2, else to the stock kernel.
 */
import type { KernelConfig, MaxPoolAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { byteOffset, heapF32, pool2dInfo, withStockFallback } from './wasm-kernel-util.js';
import { simdHelpers } from './wasm-simd.js';


/**
 * 2x2 stride-2 max pooling (NHWC) in JavaScript, the cpu backend's loop
 * specialised: the reference the SIMD path is tested against, and the path
 * for channel counts that are not a multiple of 4.
 * @param x [n, h, w, ch] values; `out` receives [n, floor(h/2), floor(w/2), ch].
 */
export function maxPool2x2(x: Float32Array, out: Float32Array, n: number, h: number, w: number, ch: number): void {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const rowStride = w * ch;
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        const p00 = ((b * h + 2 * r) * w + 2 * c) * ch;
        for (let d = 0; d < ch; d++, o++) {
          const p = p00 + d;
          let m = -Infinity;
          let v = x[p] as number;
          if (v > m) m = v;
          v = x[p + ch] as number;
          if (v > m) m = v;
          v = x[p + rowStride] as number;
          if (v > m) m = v;
          v = x[p + rowStride + ch] as number;
          if (v > m) m = v;
          out[o] = m;
        }
      }
    }
  }
}

/**
 * MaxPool of float32 NHWC `x` with 2x2 windows at stride 2 and no padding,
 * or `undefined` when another pool is asked for (the stock kernel then runs).
 * @param x [N, H, W, C] float32
 * @returns [N, floor(H/2), floor(W/2), C] float32 TensorInfo owned by the caller (normally the engine).
 */
export function maxPoolWasm(x: TensorInfo, attrs: MaxPoolAttrs, backend: BackendWasm): TensorInfo | undefined {
  if (x.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  const info = pool2dInfo(x, attrs);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ch, outHeight: oh, outWidth: ow } = info;
  const isDisjoint2x2 =
    info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && 2 * oh <= h && 2 * ow <= w;
  if (!isDisjoint2x2) return undefined;
  const out = backend.makeOutput(info.outShape.slice(), 'float32');
  if (oh === 0 || ow === 0 || ch === 0 || n === 0) return out;
  const simd = ch % 4 === 0 ? simdHelpers(backend) : undefined;
  if (simd === undefined) {
    maxPool2x2(heapF32(backend, x), heapF32(backend, out), n, h, w, ch);
    return out;
  }
  const bytes = Float32Array.BYTES_PER_ELEMENT;
  const from = byteOffset(backend, x);
  const to = byteOffset(backend, out);
  for (let b = 0; b < n; b++) {
    simd.maxPool2x2(from + b * h * w * ch * bytes, to + b * oh * ow * ch * bytes, oh, ow, ch, w * ch * bytes);
  }
  return out;
}

/** Registration for `MaxPool` on 'wasm': 2x2 stride-2 pools here, the rest through `stock`. */
export function createWasmMaxPoolConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }) => {
    const { x } = inputs;
    if (x === undefined) throw new Error('MaxPool needs input x');
    return maxPoolWasm(x, attrs as unknown as MaxPoolAttrs, backend);
  });
}
