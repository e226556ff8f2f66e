/**
 * Small helpers shared by the kernels this project registers on the wasm
 * backend. Kernels run inside the engine (no tf.tidy), so every intermediate
 * TensorInfo they create is released explicitly with `disposeIntermediate`,
 * the same discipline tfjs's own backends follow
 * (tfjs-backend-wasm `kernels/BatchMatMul.ts` disposes its reshapes).
 */
import tf = require('@tensorflow/tfjs-core');
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

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

/** `shape[i]`, asserting it exists (shapes were validated by the caller). */
export function dim(shape: readonly number[], i: number): number {
  const d = shape[i];
  if (d === undefined) throw new Error(`shape [${shape.join(', ')}] has no dimension ${i}`);
  return d;
}
