/**
 * The projection of feature maps on their first principal component, the map
 * of Eigen-CAM (Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using
 * Principal Components", IJCNN 2020, eq. 5–6) and of `eigenSmooth` for any
 * method. As pytorch-grad-cam's `get_2d_projection`: the h·w positions are
 * the samples, the D channels the variables, each channel is centred over
 * the positions, and the map is X·v₁ with v₁ the first right singular vector
 * of the centred X.
 */

/** Power-iteration budget: stops earlier once the vector changes by less than {@link TOLERANCE}. */
const MAX_ITERATIONS = 1000;
const TOLERANCE = 1e-12;

/**
 * @param values [N, h, w, D] row-major (as `dataSync()` of a NHWC tensor).
 * @returns [N, h, w] float32: per image, the centred activations projected on
 *   their first principal component. An SVD's sign is arbitrary; as in
 *   Seg-Eigen-CAM (eq. 13) the map is negated when its most negative value is
 *   larger in magnitude than its most positive one, so the strongest
 *   response is positive and survives the pipeline's ReLU.
 */
export function projectOnFirstComponent(values: Float32Array, count: number, positions: number, depth: number): Float32Array {
  const out = new Float32Array(count * positions);
  const centred = new Float64Array(positions * depth);
  for (let n = 0; n < count; n++) {
    const base = n * positions * depth;
    for (let d = 0; d < depth; d++) {
      let mean = 0;
      for (let p = 0; p < positions; p++) mean += values[base + p * depth + d]!;
      mean /= positions;
      for (let p = 0; p < positions; p++) centred[p * depth + d] = values[base + p * depth + d]! - mean;
    }
    const projection = depth <= positions ? projectViaChannels(centred, positions, depth) : projectViaPositions(centred, positions, depth);
    let low = 0;
    let high = 0;
    for (const v of projection) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const sign = Math.abs(low) > Math.abs(high) ? -1 : 1;
    for (let p = 0; p < positions; p++) out[n * positions + p] = sign * projection[p]!;
  }
  return out;
}

/** X·v₁ with v₁ the top eigenvector of the D×D matrix XᵀX. */
function projectViaChannels(x: Float64Array, positions: number, depth: number): Float64Array {
  const gram = new Float64Array(depth * depth);
  for (let p = 0; p < positions; p++) {
    const row = p * depth;
    for (let i = 0; i < depth; i++) {
      const xi = x[row + i]!;
      if (xi === 0) continue;
      for (let j = i; j < depth; j++) gram[i * depth + j] = gram[i * depth + j]! + xi * x[row + j]!;
    }
  }
  for (let i = 0; i < depth; i++) for (let j = 0; j < i; j++) gram[i * depth + j] = gram[j * depth + i]!;
  const { vector } = topEigenvector(gram, depth);
  const projection = new Float64Array(positions);
  for (let p = 0; p < positions; p++) {
    let sum = 0;
    for (let d = 0; d < depth; d++) sum += x[p * depth + d]! * vector[d]!;
    projection[p] = sum;
  }
  return projection;
}

/** The same when there are fewer positions than channels: X·v₁ = σ₁u₁, u₁ the top eigenvector of XXᵀ (h·w × h·w), σ₁² its eigenvalue. */
function projectViaPositions(x: Float64Array, positions: number, depth: number): Float64Array {
  const gram = new Float64Array(positions * positions);
  for (let i = 0; i < positions; i++) {
    for (let j = i; j < positions; j++) {
      let sum = 0;
      for (let d = 0; d < depth; d++) sum += x[i * depth + d]! * x[j * depth + d]!;
      gram[i * positions + j] = sum;
      gram[j * positions + i] = sum;
    }
  }
  const { vector, value } = topEigenvector(gram, positions);
  const sigma = Math.sqrt(Math.max(0, value));
  return vector.map((u) => sigma * u);
}

/**
 * The eigenvector of the largest eigenvalue of a symmetric positive
 * semi-definite matrix, by power iteration from a fixed start (so results
 * repeat). A zero matrix (constant feature maps) gives a zero vector.
 */
function topEigenvector(matrix: Float64Array, size: number): { vector: Float64Array; value: number } {
  const vector = new Float64Array(size);
  // Start from the matrix's largest column: never orthogonal to the top
  // eigenvector unless the matrix is zero.
  let best = 0;
  let bestNorm = -1;
  for (let j = 0; j < size; j++) {
    let norm = 0;
    for (let i = 0; i < size; i++) norm += matrix[i * size + j]! ** 2;
    if (norm > bestNorm) {
      bestNorm = norm;
      best = j;
    }
  }
  if (bestNorm <= 0) return { vector, value: 0 };
  for (let i = 0; i < size; i++) vector[i] = matrix[i * size + best]!;
  normalise(vector);
  let value = 0;
  const next = new Float64Array(size);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    for (let i = 0; i < size; i++) {
      let sum = 0;
      for (let j = 0; j < size; j++) sum += matrix[i * size + j]! * vector[j]!;
      next[i] = sum;
    }
    value = normalise(next);
    let change = 0;
    for (let i = 0; i < size; i++) change = Math.max(change, Math.abs(next[i]! - vector[i]!));
    vector.set(next);
    if (change < TOLERANCE) break;
  }
  return { vector, value };
}

/** Scales `v` to unit length in place; returns its former length. */
function normalise(v: Float64Array): number {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return norm;
}
