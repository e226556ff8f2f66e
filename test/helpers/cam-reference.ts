/**
 * Plain-JS definitions of the CAM methods, for tests to check the pipeline
 * against: loops in float64 over the activations A and gradients G of a layer
 * ([N, h, w, C] row-major, as `dataSync()` gives them), written from the
 * methods' definitions without TensorFlow.js, and a brute-force (Jacobi)
 * eigen-decomposition for Eigen-CAM's principal component.
 */
import { NORMALISATION_EPSILON } from '../../src/cam/pipeline.js';
import { seededRandom } from '../../src/training/random.js';

/** A layer's activations and the class score's gradients, [N, h, w, C] row-major. */
export interface LayerData {
  count: number;
  height: number;
  width: number;
  channels: number;
  activations: ArrayLike<number>;
  gradients: ArrayLike<number>;
}

export const REFERENCE_METHODS = ['gradcam', 'gradcam++', 'xgradcam', 'hirescam', 'gradcam-elementwise', 'layercam', 'eigencam'] as const;
export type ReferenceMethod = (typeof REFERENCE_METHODS)[number];

/** The channel weight of Grad-CAM, Grad-CAM++ or XGrad-CAM from one channel's values over the positions. */
function channelWeight(method: 'gradcam' | 'gradcam++' | 'xgradcam', a: readonly number[], g: readonly number[]): number {
  let sumA = 0;
  let sumG = 0;
  let sumAG = 0;
  for (let p = 0; p < a.length; p++) {
    sumA += a[p]!;
    sumG += g[p]!;
    sumAG += a[p]! * g[p]!;
  }
  if (method === 'gradcam') return sumG / a.length;
  if (method === 'xgradcam') return sumAG / (sumA + 1e-7);
  // Grad-CAM++ eq. 19: α = G² / (2G² + ΣA·G³ + ε), 0 where G = 0; w = Σ α·ReLU(G).
  let weight = 0;
  for (const gp of g) {
    if (gp === 0) continue;
    const alpha = (gp * gp) / (2 * gp * gp + sumA * gp * gp * gp + 1e-6);
    weight += alpha * Math.max(0, gp);
  }
  return weight;
}

/** The channel weights [N, C] of the methods that have them (Grad-CAM, Grad-CAM++, XGrad-CAM). */
export function referenceChannelWeights(method: 'gradcam' | 'gradcam++' | 'xgradcam', data: LayerData): Float64Array {
  const { count, channels } = data;
  const positions = data.height * data.width;
  const weights = new Float64Array(count * channels);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < channels; k++) {
      const at = (p: number) => (n * positions + p) * channels + k;
      const a = Array.from({ length: positions }, (_, p) => data.activations[at(p)]!);
      const g = Array.from({ length: positions }, (_, p) => data.gradients[at(p)]!);
      weights[n * channels + k] = channelWeight(method, a, g);
    }
  }
  return weights;
}

/** What a method combines over the channels: [N, h·w, C]. */
export function referenceWeighted(method: ReferenceMethod, data: LayerData): Float64Array {
  const { count, channels } = data;
  const positions = data.height * data.width;
  const perChannel = method === 'gradcam' || method === 'gradcam++' || method === 'xgradcam' ? referenceChannelWeights(method, data) : undefined;
  const out = new Float64Array(count * positions * channels);
  for (let n = 0; n < count; n++) {
    for (let p = 0; p < positions; p++) {
      for (let k = 0; k < channels; k++) {
        const i = (n * positions + p) * channels + k;
        const a = data.activations[i]!;
        const g = data.gradients[i]!;
        if (perChannel !== undefined) out[i] = a * perChannel[n * channels + k]!;
        else if (method === 'hirescam') out[i] = a * g;
        else if (method === 'layercam') out[i] = a * Math.max(0, g);
        else if (method === 'gradcam-elementwise') out[i] = Math.max(0, a * g);
        else out[i] = a;
      }
    }
  }
  return out;
}

/** A method's maps [N, h·w]: ReLU of the channel sum (or the projection), and that divided by its maximum + ε. */
export function referenceMaps(method: ReferenceMethod, data: LayerData, eigenSmooth = false): { unnormalised: Float64Array; heatmaps: Float64Array } {
  const { count, channels } = data;
  const positions = data.height * data.width;
  const weighted = referenceWeighted(method, data);
  let combined: Float64Array;
  if (eigenSmooth || method === 'eigencam') {
    combined = referenceProjection(weighted, count, positions, channels);
  } else {
    combined = new Float64Array(count * positions);
    for (let i = 0; i < combined.length; i++) {
      let sum = 0;
      for (let k = 0; k < channels; k++) sum += weighted[i * channels + k]!;
      combined[i] = sum;
    }
  }
  const unnormalised = combined.map((v) => Math.max(0, v));
  const heatmaps = new Float64Array(unnormalised.length);
  for (let n = 0; n < count; n++) {
    const map = unnormalised.subarray(n * positions, (n + 1) * positions);
    const peak = Math.max(...map);
    for (let p = 0; p < positions; p++) heatmaps[n * positions + p] = map[p]! / (peak + NORMALISATION_EPSILON);
  }
  return { unnormalised, heatmaps };
}

/**
 * Eigen-CAM's projection by brute force: per image, centre each channel over
 * the positions, take v₁ the eigenvector of the largest eigenvalue of XᵀX
 * (Jacobi, always the D×D matrix), project X·v₁, and negate when the most
 * negative value outweighs the most positive.
 *
 * @returns [N, positions].
 */
export function referenceProjection(values: ArrayLike<number>, count: number, positions: number, depth: number): Float64Array {
  const out = new Float64Array(count * positions);
  for (let n = 0; n < count; n++) {
    const x = centred(values, n, positions, depth);
    const v = topEigenvector(gramOfColumns(x, positions, depth), depth);
    const projection = multiply(x, positions, depth, v);
    const sign = Math.abs(Math.min(0, ...projection)) > Math.max(0, ...projection) ? -1 : 1;
    for (let p = 0; p < positions; p++) out[n * positions + p] = sign * projection[p]!;
  }
  return out;
}

/** Image n of [N, positions, depth] with each column's mean subtracted, [positions, depth]. */
export function centred(values: ArrayLike<number>, n: number, positions: number, depth: number): Float64Array {
  const x = new Float64Array(positions * depth);
  for (let d = 0; d < depth; d++) {
    let mean = 0;
    for (let p = 0; p < positions; p++) mean += values[(n * positions + p) * depth + d]!;
    mean /= positions;
    for (let p = 0; p < positions; p++) x[p * depth + d] = values[(n * positions + p) * depth + d]! - mean;
  }
  return x;
}

/** XᵀX of a [rows, columns] matrix, [columns, columns]. */
export function gramOfColumns(x: Float64Array, rows: number, columns: number): Float64Array {
  const gram = new Float64Array(columns * columns);
  for (let i = 0; i < columns; i++) {
    for (let j = 0; j < columns; j++) {
      let sum = 0;
      for (let r = 0; r < rows; r++) sum += x[r * columns + i]! * x[r * columns + j]!;
      gram[i * columns + j] = sum;
    }
  }
  return gram;
}

/** M·v for M [rows, columns]. */
export function multiply(m: Float64Array, rows: number, columns: number, v: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < columns; c++) sum += m[r * columns + c]! * v[c]!;
    out[r] = sum;
  }
  return out;
}

/** The unit eigenvector of the largest eigenvalue of a symmetric matrix (Jacobi). */
export function topEigenvector(matrix: Float64Array, size: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, size);
  let top = 0;
  for (let j = 1; j < size; j++) if (values[j]! > values[top]!) top = j;
  return Float64Array.from({ length: size }, (_, i) => vectors[i * size + top]!);
}

/**
 * All eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi
 * rotations (Numerical Recipes §11.1): each rotation zeroes one off-diagonal
 * entry; sweeps repeat until the off-diagonal part vanishes.
 *
 * @returns values[j] and column j of `vectors` (row-major size×size).
 */
export function symmetricEigen(matrix: Float64Array, size: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(size * size);
  for (let i = 0; i < size; i++) v[i * size + i] = 1;
  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < size; p++) for (let q = p + 1; q < size; q++) off += a[p * size + q]! ** 2;
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < size; p++) {
      for (let q = p + 1; q < size; q++) {
        const apq = a[p * size + q]!;
        if (apq === 0) continue;
        const theta = (a[q * size + q]! - a[p * size + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← JᵀAJ and V ← VJ, with J the identity but J_pp = J_qq = c, J_pq = s, J_qp = −s.
        for (let k = 0; k < size; k++) {
          const akp = a[k * size + p]!;
          const akq = a[k * size + q]!;
          a[k * size + p] = c * akp - s * akq;
          a[k * size + q] = s * akp + c * akq;
          const vkp = v[k * size + p]!;
          const vkq = v[k * size + q]!;
          v[k * size + p] = c * vkp - s * vkq;
          v[k * size + q] = s * vkp + c * vkq;
        }
        for (let k = 0; k < size; k++) {
          const apk = a[p * size + k]!;
          const aqk = a[q * size + k]!;
          a[p * size + k] = c * apk - s * aqk;
          a[q * size + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: size }, (_, i) => a[i * size + i]!), vectors: v };
}

/** A seeded uniform generator on [low, high), so test data repeat. */
export function uniform(seed: number, low = 0, high = 1): () => number {
  const next = seededRandom(seed);
  return () => low + (high - low) * next();
}

/** Largest |a[i] − b[i]|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
