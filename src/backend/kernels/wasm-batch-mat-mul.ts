/**
 * `BatchMatMul` with transposed operands on the XNNPACK path.
 *
 * The stock tfjs-backend-wasm 4.22 kernel runs XNNPACK (SIMD) only when
 * neither operand is transposed and there is one matrix per operand
 * (tfjs-backend-wasm src/cc/batch_mat_mul_impl.cc, `batchMatMul`); every
 * other call takes a scalar blocked loop ~10x slower. The gradient of
 * y = x @ W is dx = dy @ W^T and dW = x^T @ dy (tfjs-core
 * gradients/BatchMatMul_grad.ts), so every Dense layer's backward pass lands
 * on the slow loop: 4.9 ms each for the tutorial's 1600x64 layer at batch 32,
 * ~10 ms of a ~70 ms training step.
 *
 * Here transposed operands are transposed explicitly (the wasm Transpose
 * kernel, a copy) and the product goes through the stock kernel untransposed,
 * i.e. through XNNPACK: ~0.5 ms per product at that shape.
 *
 * XNNPACK packs the right-hand operand into an operator cached by tensor id
 * alone, not by shape, until that tensor is disposed (batch_mat_mul_impl.cc,
 * `xnn_matmul`). The right-hand operand passed on is therefore always a fresh
 * tensor this kernel creates and disposes (a transposed copy, or a copy),
 * never the caller's, whose id a reshape elsewhere may share: same results,
 * no stale operator. The copy costs less than XNNPACK's own packing of it.
 *
 * Untransposed products, batched products (more than one matrix in an
 * operand) and non-float32 dtypes go to the stock kernel unchanged. (Also
 * measured: x @ W computed as (W^T @ x^T)^T, which packs the smaller x^T
 * instead of a Dense kernel that is new every training step: 0.3 ms instead
 * of 0.9 ms at batch 16 in isolation, no gain inside a training step, where
 * the extra transposes run on cold caches.)
 */
import type { BatchMatMulAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  copyTensor,
  dim,
  disposeIntermediate,
  runWasmKernel,
  sizeOf,
  withStockFallback,
  type WasmKernelArgs,
} from './wasm-kernel-util.js';

/** [rows, cols] of the last two axes of `info` (rank >= 2 checked by the caller). */
function matrixShape(info: TensorInfo): [number, number] {
  const rank = info.shape.length;
  return [dim(info.shape, rank - 2), dim(info.shape, rank - 1)];
}

/** An operand: the single matrix stored in `info`, used as is or transposed. */
interface Operand {
  info: TensorInfo;
  transposed: boolean;
}

/**
 * The operand as a row-major matrix that may be read (not owned): the stored
 * buffer itself when it already has that layout, else a transposed copy
 * (pushed onto `owned`).
 */
function asStored(backend: BackendWasm, op: Operand, owned: TensorInfo[]): TensorInfo {
  const [rows, cols] = matrixShape(op.info);
  const matrix: TensorInfo = { dataId: op.info.dataId, shape: [rows, cols], dtype: 'float32' };
  if (!op.transposed) return matrix;
  const t = runWasmKernel('Transpose', { x: matrix }, { perm: [1, 0] }, backend);
  owned.push(t);
  return t;
}

/** The operand as a fresh row-major matrix this kernel owns (pushed onto `owned`). */
function asFresh(backend: BackendWasm, op: Operand, owned: TensorInfo[]): TensorInfo {
  if (op.transposed) return asStored(backend, op, owned);
  const [rows, cols] = matrixShape(op.info);
  const copy = copyTensor(backend, op.info, [rows, cols]);
  owned.push(copy);
  return copy;
}

/** `op` transposed once more (flips how the stored matrix is read). */
function flipped(op: Operand): Operand {
  return { info: op.info, transposed: !op.transposed };
}

/**
 * a @ b (with the requested transpositions) through XNNPACK, or `undefined`
 * when the stock kernel should run (nothing transposed, batched operands,
 * non-float32, mismatched inner dimensions, which the stock kernel reports).
 *
 * XNNPACK packs its right-hand operand on every call with a new tensor, and
 * that packing (a strided, transposing read: tfjs passes
 * XNN_FLAG_TRANSPOSE_WEIGHTS) costs about as much as the product when the
 * operand is large. So the product C[M, N] = L @ R is computed as
 *  - L @ R when N <= M (R is packed: K*N values), or
 *  - (R^T @ L^T)^T when M < N (L^T is packed: K*M values, plus a transpose
 *    of the M*N result),
 * reading a stored operand in place when its layout already fits. For the
 * tutorial's Dense layer at batch 32: dy @ W^T as (W @ dy^T)^T, 0.5 ms
 * instead of 1.5 ms through a transposed W.
 * @param a [...1, M, K] float32, or [...1, K, M] when transposeA
 * @param b [...1, K, N] float32, or [...1, N, K] when transposeB
 * @returns [...broadcast leading 1s, M, N] float32 TensorInfo owned by the caller.
 */
export function batchMatMulWasm(
  a: TensorInfo,
  b: TensorInfo,
  attrs: BatchMatMulAttrs,
  backend: BackendWasm,
): TensorInfo | undefined {
  const { transposeA, transposeB } = attrs;
  if (!transposeA && !transposeB) return undefined;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  if (aRank < 2 || bRank < 2) return undefined;
  if (sizeOf(a.shape, 0, aRank - 2) !== 1 || sizeOf(b.shape, 0, bRank - 2) !== 1) return undefined;
  const [aRows, aCols] = matrixShape(a);
  const [bRows, bCols] = matrixShape(b);
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kb, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kb) return undefined;
  // Leading axes are all 1 here; the result keeps the longer run of them, as
  // the stock kernel's broadcast would.
  const leading = new Array<number>(Math.max(aRank, bRank) - 2).fill(1);
  const left: Operand = { info: a, transposed: transposeA };
  const right: Operand = { info: b, transposed: transposeB };
  const matMul = (l: TensorInfo, r: TensorInfo) =>
    runWasmKernel('BatchMatMul', { a: l, b: r }, { transposeA: false, transposeB: false }, backend);

  const owned: TensorInfo[] = [];
  try {
    let out: TensorInfo;
    if (n <= m) {
      out = matMul(asStored(backend, left, owned), asFresh(backend, right, owned));
    } else {
      const outT = matMul(asStored(backend, flipped(right), owned), asFresh(backend, flipped(left), owned));
      owned.push(outT);
      out = runWasmKernel('Transpose', { x: outT }, { perm: [1, 0] }, backend);
    }
    out.shape = [...leading, m, n];
    return out;
  } finally {
    // Disposing the fresh right-hand operand also frees the XNNPACK operator cached for it.
    for (const t of owned) disposeIntermediate(backend, t);
  }
}

/**
 * Registration for `BatchMatMul` on 'wasm': transposed single-matrix products
 * through XNNPACK, everything else through `stock` (the kernel it replaces,
 * captured by registerWasmKernels).
 */
export function createWasmBatchMatMulConfig(stock: KernelConfig): KernelConfig {
  return withStockFallback(stock, ({ inputs, attrs, backend }: WasmKernelArgs) => {
    const { a, b } = inputs;
    if (a === undefined || b === undefined) throw new Error('BatchMatMul needs inputs a and b');
    return batchMatMulWasm(a, b, attrs as unknown as BatchMatMulAttrs, backend);
  });
}
