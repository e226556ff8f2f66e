/**
 * The colour of the report's headline (issue 13): it followed "any mistake
 * → red", so a 98.99% run looked like a failure. Now it follows accuracy in
 * three bands, and failed inputs (files that could not be read or explained)
 * keep a run out of the green, since something needs a look.
 *
 *   good  (green)  accuracy ≥ 95%, and no input failed
 *   fair  (amber)  accuracy ≥ 80%, or ≥ 95% with failed inputs
 *   bad   (red)    accuracy < 80%
 *   none  (black)  no labels: nothing to judge (red only if inputs failed)
 */
import type { BatchSummary } from '../manifest.js';

/** Lowest accuracy of each band, as a fraction. */
export const VERDICT_THRESHOLDS = { good: 0.95, fair: 0.8 } as const;

export type VerdictLevel = 'good' | 'fair' | 'bad' | 'none';

/** The headline's band for a run's summary (see the module comment). */
export function verdictLevel(summary: Pick<BatchSummary, 'accuracy' | 'failed'>): VerdictLevel {
  const { accuracy, failed } = summary;
  if (accuracy === null) return failed > 0 ? 'bad' : 'none';
  if (accuracy >= VERDICT_THRESHOLDS.good) return failed > 0 ? 'fair' : 'good';
  return accuracy >= VERDICT_THRESHOLDS.fair ? 'fair' : 'bad';
}
