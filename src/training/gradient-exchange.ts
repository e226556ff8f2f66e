/**
 * The all-reduce of data-parallel training, over one SharedArrayBuffer: every
 * worker writes the gradients of its share of the batch (and its loss sum,
 * correct count and image count) into its own slot; after a barrier, every
 * worker forms the same weighted mean of all slots, in the same order, so the
 * replicas apply bit-identical updates without exchanging weights.
 *
 * Slots are double-buffered by step parity: a worker may write step k+1 while
 * a slower one still reads step k, and cannot reach step k+2 before every
 * worker has passed the barrier of step k+1, i.e. finished reading step k. One
 * barrier per step suffices.
 *
 * This module holds no tensors (plain typed arrays), so it is cheap to test.
 */

/** Double buffering: steps alternate between two sets of slots. */
const PHASES = 2;
/** Float64 cells per worker and phase: images, lossSum, correct. */
const STATS_CELLS = 3;

/** One worker's figures for one step (or for its share of the validation images). */
export interface ShareStats {
  /** Images in this worker's share; 0 means the slot holds nothing to average. */
  images: number;
  /** Σ of per-image losses over the share (batch mean × images). */
  lossSum: number;
  /** Correct predictions in the share. */
  correct: number;
}

export class GradientExchange {
  private readonly gradients: Float32Array[];
  private readonly stats: Float64Array;
  private readonly weights: Float64Array;

  /**
   * @param buffer from `GradientExchange.createBuffer(workers, parameterCount)`.
   * @param parameterCount length of the flat gradient vector (all trainable weights, concatenated).
   */
  constructor(
    buffer: SharedArrayBuffer,
    readonly workers: number,
    readonly parameterCount: number,
  ) {
    const gradientBytes = gradientRegionBytes(workers, parameterCount);
    if (buffer.byteLength !== GradientExchange.byteLength(workers, parameterCount)) {
      throw new Error(`gradient exchange buffer holds ${buffer.byteLength} bytes, expected ${GradientExchange.byteLength(workers, parameterCount)}`);
    }
    this.gradients = Array.from(
      { length: PHASES * workers },
      (_, i) => new Float32Array(buffer, i * parameterCount * Float32Array.BYTES_PER_ELEMENT, parameterCount),
    );
    // One extra stats phase (index PHASES) for validation sums.
    this.stats = new Float64Array(buffer, gradientBytes, (PHASES + 1) * workers * STATS_CELLS);
    this.weights = new Float64Array(workers);
  }

  /** Bytes of shared memory for `workers` slots of `parameterCount` float32 gradients, double-buffered, plus statistics. */
  static byteLength(workers: number, parameterCount: number): number {
    return gradientRegionBytes(workers, parameterCount) + (PHASES + 1) * workers * STATS_CELLS * Float64Array.BYTES_PER_ELEMENT;
  }

  static createBuffer(workers: number, parameterCount: number): SharedArrayBuffer {
    return new SharedArrayBuffer(GradientExchange.byteLength(workers, parameterCount));
  }

  /** The shared slot worker `worker` writes its flat gradient into for step `step` (0-based, counted over the whole run). */
  slot(step: number, worker: number): Float32Array {
    return this.gradients[(step % PHASES) * this.workers + worker]!;
  }

  /** Records `worker`'s figures for step `step` (write before the barrier). */
  setStats(step: number, worker: number, stats: ShareStats): void {
    this.writeStats(step % PHASES, worker, stats);
  }

  /** Σ over workers of the figures of step `step`, added in worker order (read after the barrier). */
  totals(step: number): ShareStats {
    return this.sumStats(step % PHASES);
  }

  /** Records `worker`'s validation sums (once per epoch, before a barrier). */
  setValidationStats(worker: number, stats: ShareStats): void {
    this.writeStats(PHASES, worker, stats);
  }

  /** Σ over workers of the validation sums, in worker order. */
  validationTotals(): ShareStats {
    return this.sumStats(PHASES);
  }

  /**
   * The gradient of the mean loss over the whole batch, from the workers' slots
   * of step `step`: Σ_w (images_w / images) × slot_w, accumulated in float64 in
   * worker order and rounded once to float32, so every worker computes the
   * same bits. Workers with an empty share are skipped.
   * @param out receives elements `from..to-1` (default: all).
   * @returns `out`
   */
  average(step: number, out: Float32Array, from = 0, to = this.parameterCount): Float32Array {
    const phase = step % PHASES;
    const total = this.sumStats(phase).images;
    const weights = this.weights;
    const slots: Float32Array[] = [];
    const slotWeights: number[] = [];
    for (let w = 0; w < this.workers; w++) {
      const images = this.stats[(phase * this.workers + w) * STATS_CELLS]!;
      weights[w] = total > 0 ? images / total : 0;
      if (images > 0) {
        slots.push(this.gradients[phase * this.workers + w]!);
        slotWeights.push(weights[w]!);
      }
    }
    if (slots.length === 1) {
      // One contributing worker: its weight is exactly 1, so the mean is its slot, bit for bit.
      out.set(slots[0]!.subarray(from, to), from);
      return out;
    }
    if (slots.length === 2) {
      // The common case (two cores), without the inner loop.
      const [a, b] = slots as [Float32Array, Float32Array];
      const [wa, wb] = slotWeights as [number, number];
      for (let i = from; i < to; i++) out[i] = wa * a[i]! + wb * b[i]!;
      return out;
    }
    for (let i = from; i < to; i++) {
      let sum = 0;
      for (let s = 0; s < slots.length; s++) sum += slotWeights[s]! * slots[s]![i]!;
      out[i] = sum;
    }
    return out;
  }

  private writeStats(phase: number, worker: number, stats: ShareStats): void {
    const base = (phase * this.workers + worker) * STATS_CELLS;
    this.stats[base] = stats.images;
    this.stats[base + 1] = stats.lossSum;
    this.stats[base + 2] = stats.correct;
  }

  private sumStats(phase: number): ShareStats {
    const totals: ShareStats = { images: 0, lossSum: 0, correct: 0 };
    for (let w = 0; w < this.workers; w++) {
      const base = (phase * this.workers + w) * STATS_CELLS;
      totals.images += this.stats[base]!;
      totals.lossSum += this.stats[base + 1]!;
      totals.correct += this.stats[base + 2]!;
    }
    return totals;
  }
}

/** Bytes of the float32 gradient slots, rounded up to a multiple of 8 so the float64 statistics that follow are aligned. */
function gradientRegionBytes(workers: number, parameterCount: number): number {
  const bytes = PHASES * workers * parameterCount * Float32Array.BYTES_PER_ELEMENT;
  return Math.ceil(bytes / Float64Array.BYTES_PER_ELEMENT) * Float64Array.BYTES_PER_ELEMENT;
}

/**
 * The contiguous part `[start, end)` of a batch of `size` images that worker
 * `worker` of `workers` takes: sizes differ by at most one (16 + 16 of 32,
 * 8 + 8 of a last batch of 16, 1 + 0 of a last batch of 1).
 */
export function shareOf(size: number, worker: number, workers: number): { start: number; end: number } {
  return { start: Math.floor((worker * size) / workers), end: Math.floor(((worker + 1) * size) / workers) };
}
