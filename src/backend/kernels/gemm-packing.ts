/**
 * The layout of the right-hand operand of wasm-simd-forward.ts's `gemm`:
 * column blocks of GEMM_COLUMNS, each block [k, GEMM_COLUMNS] contiguous
 * (XNNPACK's packed-weights layout), so a block's values for one k are
 * adjacent. Value (kk, j) of a [k, n] matrix goes to
 *   (j - j % B) * k + kk * B + j % B,   B = GEMM_COLUMNS
 * (wasm-conv2d.ts writes its Winograd filters straight into this layout).
 */
import { GEMM_COLUMNS } from './wasm-simd-forward.js';

/**
 * The row-major [k, n] matrix `m` in `gemm`'s column blocks (n/B blocks of [k, B], B = GEMM_COLUMNS):
 * packed[b*k*B + kk*B + c] = m[kk*n + b*B + c].
 * @param n a multiple of GEMM_COLUMNS.
 */
export function packRowBlocks(m: Float32Array, packed: Float32Array, k: number, n: number): void {
  const B = GEMM_COLUMNS;
  for (let kk = 0; kk < k; kk++) {
    for (let b = 0; b < n / B; b++) {
      const from = kk * n + b * B;
      const to = b * k * B + kk * B;
      for (let c = 0; c < B; c++) packed[to + c] = m[from + c] as number;
    }
  }
}

/**
 * transpose(W) in `gemm`'s column blocks: W is the
 * row-major [n, k] matrix `w`, and transpose(W) [k, n] is written as n/B
 * blocks of [k, B] (B = GEMM_COLUMNS): packed[b*k*B + kk*B + c] = w[(b*B + c)*k + kk].
 * @param n a multiple of GEMM_COLUMNS.
 */
export function packColumnBlocks(w: Float32Array, packed: Float32Array, n: number, k: number): void {
  const B = GEMM_COLUMNS;
  for (let b = 0; b < n / B; b++) {
    for (let c = 0; c < B; c++) {
      const from = (b * B + c) * k;
      let to = b * k * B + c;
      for (let kk = 0; kk < k; kk++, to += B) packed[to] = w[from + kk] as number;
    }
  }
}
