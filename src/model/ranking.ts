/** Ranking classes by probability (no TensorFlow.js, so batch code and reports can use it freely). */

/** One class and its probability. */
export interface ClassProbability {
  /** The class index. */
  class: number;
  probability: number;
}

/**
 * A class with its name and probability: the one vocabulary of every JSON
 * gradcam writes (issue 13): `class` (index), `className`, `probability`.
 */
export interface RankedClass extends ClassProbability {
  className: string;
}

/** {@link topClasses} with the classes' names (`name(index)`). */
export function rankedClasses(probabilities: ArrayLike<number>, k: number, name: (index: number) => string): RankedClass[] {
  return topClasses(probabilities, k).map((c) => ({ class: c.class, className: name(c.class), probability: c.probability }));
}

/** The `k` most probable classes, most probable first (ties: lower class index first). */
export function topClasses(probabilities: ArrayLike<number>, k: number): ClassProbability[] {
  return Array.from(probabilities, (probability, index) => ({ class: index, probability }))
    .sort((a, b) => b.probability - a.probability || a.class - b.class)
    .slice(0, Math.max(0, k));
}

/**
 * The index of the largest of `width` values starting at `start` (the first
 * on ties, as {@link topClasses}), relative to `start`: the predicted class
 * of one row of an [N, K] probability array.
 */
export function argMax(values: ArrayLike<number>, start = 0, width = values.length - start): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[start + k]! > values[start + best]!) best = k;
  return best;
}

/** Classes listed per image by `predict` and per manifest entry, when not asked otherwise. */
export const DEFAULT_TOP_K = 3;
