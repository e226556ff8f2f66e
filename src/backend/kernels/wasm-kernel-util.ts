/**
 * Small helpers shared by the kernels this project registers on the wasm
 * backend. Kernels run inside the engine (no tf.tidy), so every intermediate
 * TensorInfo they create is released explicitly with `disposeIntermediate`,
 * the same discipline tfjs's own backends follow
 * (tfjs-backend-wasm `kernels/BatchMatMul.ts` disposes its reshapes).
 */
import tf = require('@tensorflow/tfjs-core');
import type { KernelConfig, KernelFunc, MaxPoolAttrs, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdHelpers } from './wasm-simd.js';

const { getKernel } = tf;

/**
 * Runs another kernel registered for the wasm backend directly through its
 * kernelFunc (no engine bookkeeping, no gradient recording).
 * @returns a TensorInfo owned by the caller: release it with `disposeIntermediate`.
 */
export function runWasmKernel(
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap,
  backend: BackendWasm,
): TensorInfo {
  const config = getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new Error(`wasm backend has no "${kernelName}" kernel; it is needed by a gradcam wasm kernel`);
  }
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) {
    throw new Error(`wasm kernel "${kernelName}" returned ${out.length} tensors; expected one`);
  }
  return out;
}

/** Frees an intermediate created inside a kernel (never a kernel input). */
export function disposeIntermediate(backend: BackendWasm, info: TensorInfo): void {
  backend.disposeData(info.dataId);
}

/**
 * Float32 view of a tensor's data on the wasm heap. Take views only after
 * the last allocation of the kernel: a heap growth detaches earlier views.
 */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype !== 'float32') {
    throw new Error(`expected a float32 tensor, got ${info.dtype} with shape [${info.shape.join(', ')}]`);
  }
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/**
 * Float32 view of the whole wasm heap (found through any live tensor of the
 * backend), with `floatOffset` giving where a
 * tensor's data starts in it: lets a kernel move runs of values between
 * tensors with `copyWithin` (a memmove, no view object per run). Same rule
 * as heapF32: take it after the kernel's last allocation.
 */
export function heapAll(backend: BackendWasm, anyTensor: TensorInfo): Float32Array {
  // Any tensor's view shares the heap's ArrayBuffer.
  return new Float32Array(backend.typedArrayFromHeap(anyTensor).buffer);
}

/** Index of `info`'s first element in the `heapAll` view. */
export function floatOffset(backend: BackendWasm, info: TensorInfo): number {
  return backend.getMemoryOffset(info.dataId) / Float32Array.BYTES_PER_ELEMENT;
}

/** `shape[i]`, asserting it exists (shapes were validated by the caller). */
export function dim(shape: readonly number[], i: number): number {
  const d = shape[i];
  if (d === undefined) throw new Error(`shape [${shape.join(', ')}] has no dimension ${i}`);
  return d;
}

/** Arguments every kernelFunc receives, with the backend narrowed to wasm. */
export interface WasmKernelArgs {
  inputs: NamedTensorInfoMap;
  attrs: NamedAttrMap;
  backend: BackendWasm;
}

/**
 * A kernel registration for 'wasm' that tries `fastPath` and runs the stock
 * kernel `stock` whenever the fast path declines (returns undefined): other
 * dtypes, shapes or attributes it does not handle. The config keeps the stock
 * setupFunc, so the fallback is initialised with the backend even though the
 * stock config itself is no longer registered (registerWasmKernels replaces it).
 */
export function withStockFallback(
  stock: KernelConfig,
  fastPath: (args: WasmKernelArgs) => TensorInfo | undefined,
): KernelConfig {
  const kernelFunc = ((args) => {
    const wasmArgs: WasmKernelArgs = { inputs: args.inputs, attrs: args.attrs ?? {}, backend: args.backend as BackendWasm };
    return fastPath(wasmArgs) ?? stock.kernelFunc(args);
  }) satisfies KernelFunc;
  const config: KernelConfig = { kernelName: stock.kernelName, backendName: 'wasm', kernelFunc };
  if (stock.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
  return config;
}

/** Product of `shape[from..to)`. */
export function sizeOf(shape: readonly number[], from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= dim(shape, i);
  return n;
}

/** A fresh float32 copy of `info` with shape `shape` (same element count), owned by the caller. */
export function copyTensor(backend: BackendWasm, info: TensorInfo, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  heapF32(backend, out).set(heapF32(backend, info));
  return out;
}

/** Sum of |v[start + i]| for i < length, in float64 (four partial sums). */
export function absSum(v: Float32Array, start: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  const end = start + length;
  for (const end4 = end - 3; i < end4; i += 4) {
    s0 += Math.abs(v[i] as number);
    s1 += Math.abs(v[i + 1] as number);
    s2 += Math.abs(v[i + 2] as number);
    s3 += Math.abs(v[i + 3] as number);
  }
  for (; i < end; i++) s0 += Math.abs(v[i] as number);
  return s0 + s1 + s2 + s3;
}

/**
 * Marks the rows of the row-major [rows, rowLength] matrix `v` that hold a
 * nonzero value (`mask[r] = 1`, else 0), and reports whether every value is
 * finite; the JavaScript version of `nonzeroRows`. A row is all zero iff the
 * sum of its magnitudes is 0 (no cancellation); that sum is non-finite iff
 * one of its values is (float64 sums of float32 magnitudes do not overflow).
 * @returns true when every value of `v` is finite.
 */
export function markNonzeroRows(v: Float32Array, rows: number, rowLength: number, mask: Uint8Array): boolean {
  let finite = true;
  for (let r = 0; r < rows; r++) {
    const s = absSum(v, r * rowLength, rowLength);
    if (s === 0) {
      mask[r] = 0;
    } else {
      mask[r] = 1;
      if (s - s !== 0) finite = false;
    }
  }
  return finite;
}

/**
 * Which rows of the float32 tensor `info`, read as a row-major
 * [rows, rowLength] matrix, hold a nonzero value (mask[r] = 1), and whether
 * every value is finite. Kernels use it to skip rows that contribute exactly
 * 0 to a product, which is only exact when no value is Inf or NaN
 * (0 * Inf is NaN). SIMD (wasm-simd.ts) when rowLength is a multiple of 4.
 */
export function nonzeroRows(
  backend: BackendWasm,
  info: TensorInfo,
  rows: number,
  rowLength: number,
): { mask: Uint8Array; finite: boolean } {
  const simd = rowLength % 4 === 0 ? simdHelpers(backend) : undefined;
  if (simd === undefined) {
    const mask = new Uint8Array(rows);
    const finite = markNonzeroRows(heapF32(backend, info), rows, rowLength, mask);
    return { mask, finite };
  }
  const flags = backend.makeOutput([rows], 'bool');
  try {
    const finite = simd.markNonzeroRows(byteOffset(backend, info), rows, rowLength, byteOffset(backend, flags)) === 1;
    return { mask: Uint8Array.from(backend.typedArrayFromHeap(flags) as Uint8Array), finite };
  } finally {
    disposeIntermediate(backend, flags);
  }
}

/** Byte address of `info`'s data in the wasm heap (what the wasm-simd helpers take). */
export function byteOffset(backend: BackendWasm, info: TensorInfo): number {
  return backend.getMemoryOffset(info.dataId);
}

/** Below this many floats a plain loop copies faster than `copyWithin` (scratch measurement: 3 floats 8x faster, 32 floats 3x slower). */
export const COPY_WITHIN_MIN_LENGTH = 16;

/** Below this many floats a JS loop copies faster than a call into wasm-simd's `copy`. */
export const SIMD_COPY_MIN_LENGTH = 8;

/**
 * Copies rows `rows[0..count)` of the [*, length] float32 matrix `src` to
 * consecutive rows of `dst` (both tensors on the wasm heap).
 */
export function gatherRows(
  backend: BackendWasm,
  src: TensorInfo,
  dst: TensorInfo,
  rows: Int32Array,
  count: number,
  length: number,
): void {
  const simd = length >= SIMD_COPY_MIN_LENGTH ? simdHelpers(backend) : undefined;
  if (simd !== undefined) {
    const from = byteOffset(backend, src);
    const to = byteOffset(backend, dst);
    const rowBytes = length * Float32Array.BYTES_PER_ELEMENT;
    for (let j = 0; j < count; j++) simd.copy(to + j * rowBytes, from + (rows[j] as number) * rowBytes, length);
    return;
  }
  const heap = heapAll(backend, src);
  const from = floatOffset(backend, src);
  const to = floatOffset(backend, dst);
  for (let j = 0; j < count; j++) {
    const s = from + (rows[j] as number) * length;
    const d = to + j * length;
    if (length >= COPY_WITHIN_MIN_LENGTH) {
      heap.copyWithin(d, s, s + length);
    } else {
      for (let k = 0; k < length; k++) heap[d + k] = heap[s + k] as number;
    }
  }
}

/**
 * The geometry of a 2-D pool over NHWC `x` (no dilation), as tfjs's own
 * pooling kernels compute it.
 * @param attrs the pool's filterSize, strides, pad, dimRoundingMode (MaxPool's and MaxPoolGrad's attributes)
 */
export function pool2dInfo(x: TensorInfo, attrs: MaxPoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}
