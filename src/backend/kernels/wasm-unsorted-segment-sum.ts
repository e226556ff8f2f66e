/**
 * `UnsortedSegmentSum` for the wasm backend, which tfjs-backend-wasm 4.22
 * does not ship. It is the gradient of `gather` (tfjs-core
 * gradients/GatherV2_grad.ts flattens the indices to 1-D and calls
 * unsortedSegmentSum), so without it `tf.grad` through a gather (an
 * Embedding layer, a `tf.gather` of class scores) throws on wasm.
 *
 * out[j, ...] = sum over i with segmentIds[i] == j of x[i, ...]; ids outside
 * [0, numSegments) are dropped (as on tfjs's cpu backend and in TensorFlow).
 * Sums run in float64 in index order and are rounded to float32 once, which
 * matches the cpu kernel (a masked float64 sum over axis 0) for finite inputs.
 */
import tf = require('@tensorflow/tfjs-core');
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { dim, heapF32 } from './wasm-kernel-util.js';

const { UnsortedSegmentSum } = tf;

/**
 * @param x [n, ...rest] float32
 * @param segmentIds [n] int32
 * @param numSegments number of output rows
 * @returns [numSegments, ...rest] float32 TensorInfo; the caller (normally the engine) owns it.
 */
export function unsortedSegmentSumWasm(
  x: TensorInfo,
  segmentIds: TensorInfo,
  numSegments: number,
  backend: BackendWasm,
): TensorInfo {
  if (x.dtype !== 'float32') {
    throw new Error(`UnsortedSegmentSum on wasm supports float32 x only, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== 'int32' || segmentIds.shape.length !== 1 || x.shape[0] !== segmentIds.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum on wasm needs 1-D int32 segmentIds of length x.shape[0]; got ${segmentIds.dtype} ` +
        `[${segmentIds.shape.join(', ')}] for x [${x.shape.join(', ')}]`,
    );
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`UnsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
  }
  const rows = dim(x.shape, 0);
  const rest = x.shape.slice(1);
  const rowLength = rest.reduce((a, b) => a * b, 1);
  const acc = new Float64Array(numSegments * rowLength);
  const out = backend.makeOutput([numSegments, ...rest], 'float32');
  const xVals = heapF32(backend, x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < rows; i++) {
    const j = ids[i] as number;
    if (j < 0 || j >= numSegments) continue;
    const src = i * rowLength;
    const dst = j * rowLength;
    for (let k = 0; k < rowLength; k++) acc[dst + k] = (acc[dst + k] as number) + (xVals[src + k] as number);
  }
  heapF32(backend, out).set(acc);
  return out;
}

const kernelFunc = (({ inputs, attrs, backend }) => {
  const { x, segmentIds } = inputs;
  if (x === undefined || segmentIds === undefined) throw new Error('UnsortedSegmentSum needs inputs x and segmentIds');
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  return unsortedSegmentSumWasm(x, segmentIds, numSegments, backend as BackendWasm);
}) satisfies KernelFunc;

/** Kernel registration for `UnsortedSegmentSum` on 'wasm' (see registerWasmKernels). */
export const wasmUnsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc,
};
