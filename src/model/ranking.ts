/** Ranking classes by probability (no TensorFlow.js, so batch code and reports can use it freely). */

/** One class and its probability. */
export interface ClassProbability {
  classIndex: number;
  probability: number;
}

/** The `k` most probable classes, most probable first (ties: lower class index first). */
export function topClasses(probabilities: ArrayLike<number>, k: number): ClassProbability[] {
  return Array.from(probabilities, (probability, classIndex) => ({ classIndex, probability }))
    .sort((a, b) => b.probability - a.probability || a.classIndex - b.classIndex)
    .slice(0, Math.max(0, k));
}
