/**
 * Noisy linear imputation of ROAD (Rong et al., "A Consistent and Efficient
 * Evaluation Strategy for Attribution Methods", ICML 2022, §4.2): every
 * removed pixel becomes the weighted mean of its 8 neighbours, direct
 * neighbours weighted 1/6 and diagonal ones 1/12, where neighbours that were
 * removed too are unknowns of the same system. For removed pixel i with
 * in-image neighbours N(i) and s_i = Σ_{j∈N(i)} w_ij:
 *
 *   s_i x_i − Σ_{j∈N(i) removed} w_ij x_j = Σ_{j∈N(i) kept} w_ij v_j
 *
 * (the system of the authors' `NoisyLinearImputer`, solved there by a sparse
 * direct solver). The matrix is symmetric and, when some pixel is kept,
 * positive definite, so conjugate gradients converge; we iterate to a
 * residual below {@link CG_TOLERANCE} of the right-hand side (at most
 * {@link CG_MAX_ITERATIONS} steps). ROAD then adds N(0, 0.01²) to each
 * imputed value, as the authors do ({@link addImputationNoise}).
 */

/** Neighbour offsets [dy, dx, weight]: 1/6 direct, 1/12 diagonal (the weights sum to 1). */
const NEIGHBOURS: readonly (readonly [number, number, number])[] = [
  [-1, 0, 1 / 6], [1, 0, 1 / 6], [0, -1, 1 / 6], [0, 1, 1 / 6],
  [-1, -1, 1 / 12], [-1, 1, 1 / 12], [1, -1, 1 / 12], [1, 1, 1 / 12],
];

/** Relative residual ‖b − Ax‖ / ‖b‖ at which conjugate gradients stop. */
export const CG_TOLERANCE = 1e-5;
export const CG_MAX_ITERATIONS = 400;

/** ROAD's noise: the standard deviation added to imputed values, in the model's input units. */
export const ROAD_NOISE = 0.01;

export interface ImputationOptions {
  /** Starting values of the unknowns, [H, W, C] (e.g. the previous, smaller removal's result); default the known-neighbour means. */
  start?: Float32Array;
}

/**
 * Imputes the removed pixels of one image.
 *
 * @param image H·W·C values, [H, W, C] order.
 * @param removed H·W flags: 1 where the pixel (all channels) is removed.
 * @returns a new H·W·C array: kept pixels as they were, removed ones imputed.
 */
export function imputeLinear(
  image: Float32Array,
  removed: Uint8Array,
  height: number,
  width: number,
  channels: number,
  options: ImputationOptions = {},
): Float32Array {
  const out = image.slice();
  const pixels = height * width;
  // The unknowns live on a grid padded by one pixel on every side, so the
  // 8 neighbours of any pixel are at fixed offsets and need no bounds checks;
  // vectors are zero outside the unknowns (kept pixels and padding), so
  // A v is a fixed 8-point stencil over the unknowns (no index arrays).
  const stride = width + 2;
  const cells = (height + 2) * stride;
  const at = (p: number) => (Math.floor(p / width) + 1) * stride + (p % width) + 1;
  let k = 0;
  for (let p = 0; p < pixels; p++) if (removed[p]) k++;
  if (k === 0) return out;
  const unknowns = new Int32Array(k);
  const cellOf = new Int32Array(k);
  const kept = new Uint8Array(cells);
  for (let p = 0, u = 0; p < pixels; p++) {
    if (removed[p]) {
      unknowns[u] = p;
      cellOf[u++] = at(p);
    } else kept[at(p)] = 1;
  }
  // s_i: the weights of the neighbours inside the image (corners and edges have fewer).
  const diagonal = new Float64Array(k);
  for (let u = 0; u < k; u++) {
    const p = unknowns[u]!;
    const y = Math.floor(p / width);
    const x = p - y * width;
    for (const [dy, dx, w] of NEIGHBOURS) {
      const ny = y + dy;
      const nx = x + dx;
      if (ny >= 0 && ny < height && nx >= 0 && nx < width) diagonal[u]! += w;
    }
  }
  const system: StencilSystem = { cellOf, diagonal, stride };
  const known = new Float64Array(cells);
  const b = new Float64Array(k);
  const x = new Float64Array(k);
  const work = { grid: new Float64Array(cells), r: new Float64Array(k), d: new Float64Array(k), q: new Float64Array(k) };
  for (let c = 0; c < channels; c++) {
    // Right-hand side: the weighted kept neighbours, by the same stencil over the kept values.
    for (let p = 0; p < pixels; p++) known[at(p)] = removed[p] ? 0 : image[p * channels + c]!;
    stencilSum(system, known, b);
    for (let u = 0; u < k; u++) x[u] = options.start ? options.start[unknowns[u]! * channels + c]! : b[u]! / diagonal[u]!;
    conjugateGradient(system, b, x, work);
    for (let u = 0; u < k; u++) out[unknowns[u]! * channels + c] = x[u]!;
  }
  return out;
}

/**
 * The noise of ROAD's noisy linear imputer: N(0, σ²) added to every value of
 * the removed pixels, in place.
 * @param normal standard normal draws ({@link gaussian}).
 */
export function addImputationNoise(image: Float32Array, removed: Uint8Array, channels: number, normal: () => number, sigma = ROAD_NOISE): void {
  for (let p = 0; p < removed.length; p++) if (removed[p]) for (let c = 0; c < channels; c++) image[p * channels + c]! += sigma * normal();
}

/** The system over the unknowns: A_uu = diagonal[u]; A_uv = −w for unknown neighbours v of u (1/6 direct, 1/12 diagonal). */
interface StencilSystem {
  /** Padded-grid cell of each unknown. */
  cellOf: Int32Array;
  diagonal: Float64Array;
  /** Row length of the padded grid. */
  stride: number;
}

/** The neighbour weights as factors (a multiplication costs a few cycles, a division tens). */
const DIRECT = 1 / 6;
const DIAGONAL = 1 / 12;

/** Σ_n w_n · grid[p + offset_n]: the weighted 8 neighbours of padded cell p. */
function neighbourSum(grid: Float64Array, p: number, stride: number): number {
  return (
    DIRECT * (grid[p - 1]! + grid[p + 1]! + grid[p - stride]! + grid[p + stride]!) +
    DIAGONAL * (grid[p - stride - 1]! + grid[p - stride + 1]! + grid[p + stride - 1]! + grid[p + stride + 1]!)
  );
}

/** into[u] = the weighted 8 neighbours of each unknown in `grid`. */
function stencilSum({ cellOf, stride }: StencilSystem, grid: Float64Array, into: Float64Array): void {
  for (let u = 0; u < cellOf.length; u++) into[u] = neighbourSum(grid, cellOf[u]!, stride);
}

/**
 * q = A d through `grid` (the padded grid, zero outside the unknowns), fused
 * with the dot product d·q that conjugate gradients needs next.
 * @returns d·q
 */
function multiplyAndDot(system: StencilSystem, d: Float64Array, q: Float64Array, grid: Float64Array): number {
  const { cellOf, diagonal, stride } = system;
  const n = cellOf.length;
  for (let u = 0; u < n; u++) grid[cellOf[u]!] = d[u]!;
  let dq = 0;
  for (let u = 0; u < n; u++) {
    const value = diagonal[u]! * d[u]! - neighbourSum(grid, cellOf[u]!, stride);
    q[u] = value;
    dq += d[u]! * value;
  }
  return dq;
}

/** Solves A x = b in place from the x given (A symmetric positive definite). */
function conjugateGradient(
  system: StencilSystem,
  b: Float64Array,
  x: Float64Array,
  work: { grid: Float64Array; r: Float64Array; d: Float64Array; q: Float64Array },
): void {
  const { grid, r, d, q } = work;
  const n = b.length;
  multiplyAndDot(system, x, q, grid);
  let bNorm = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    r[i] = b[i]! - q[i]!;
    d[i] = r[i]!;
    rr += r[i]! * r[i]!;
    bNorm += b[i]! * b[i]!;
  }
  const stop = CG_TOLERANCE * CG_TOLERANCE * Math.max(bNorm, 1e-12);
  for (let iteration = 0; iteration < CG_MAX_ITERATIONS && rr > stop; iteration++) {
    const dq = multiplyAndDot(system, d, q, grid);
    if (!(dq > 0)) break;
    const alpha = rr / dq;
    let next = 0;
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * d[i]!;
      const ri = r[i]! - alpha * q[i]!;
      r[i] = ri;
      next += ri * ri;
    }
    const beta = next / rr;
    rr = next;
    for (let i = 0; i < n; i++) d[i] = r[i]! + beta * d[i]!;
  }
}

/** Standard normal draws from uniform ones (Box–Muller). */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}
