import type { EvaluationOutcome } from './evaluate-methods.js';

/**
 * The mean of equally shaped values weighted by `weights`: numbers averaged,
 * arrays and objects leaf by leaf, strings kept from the first part.
 */
function weightedMean(values: readonly unknown[], weights: readonly number[], total: number): unknown {
  const first = values[0];
  if (typeof first === 'number') return values.reduce<number>((sum, v, i) => sum + (v as number) * weights[i]!, 0) / total;
  if (Array.isArray(first)) return first.map((_, k) => weightedMean(values.map((v) => (v as unknown[])[k]), weights, total));
  if (typeof first === 'object' && first !== null) {
    return Object.fromEntries(
      Object.keys(first).map((key) => [key, weightedMean(values.map((v) => (v as Record<string, unknown>)[key]), weights, total)]),
    );
  }
  return first;
}

/**
 * Joins the outcomes of consecutive parts of one evaluation (one per worker
 * thread) into the outcome of the whole: every score is a mean over images,
 * so the whole's is the parts' means weighted by their image counts (exact,
 * not an approximation). Classes are concatenated in order; the example maps
 * are the first part's (its first image is the whole's first image).
 */
export function mergeOutcomes(parts: readonly EvaluationOutcome[]): EvaluationOutcome {
  const scored = parts.filter((part) => part.count > 0);
  const first = scored[0] ?? parts[0];
  if (first === undefined) throw new Error('mergeOutcomes: no parts');
  if (scored.length <= 1) return first;
  const weights = scored.map((part) => part.count);
  const count = weights.reduce((a, b) => a + b, 0);
  return {
    ...first,
    count,
    classes: scored.flatMap((part) => part.classes),
    methods: weightedMean(scored.map((part) => part.methods), weights, count) as EvaluationOutcome['methods'],
    ...(first.sanity === undefined ? {} : { sanity: weightedMean(scored.map((part) => part.sanity), weights, count) as EvaluationOutcome['sanity'] }),
  };
}
