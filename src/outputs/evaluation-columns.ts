/**
 * The columns of the evaluation table, shared by the terminal (src/cli/) and
 * evaluate.html so both show the same numbers under the same names.
 */
import type { SanityScores } from '../evaluate/evaluate-methods.js';
import type { MethodScores } from '../evaluate/metrics.js';

export interface EvaluationColumn {
  /** Header, with ↓ (lower is better) or ↑. */
  title: string;
  better: 'lower' | 'higher';
  value(scores: MethodScores, sanity: SanityScores | undefined): number | undefined;
  /** Decimals shown. */
  digits: number;
}

/** The last step of the cascade: every layer with weights randomised. */
function fullyRandomised(sanity: SanityScores | undefined) {
  return sanity?.cascade.at(-1);
}

export const EVALUATION_COLUMNS: readonly EvaluationColumn[] = [
  { title: 'deletion AUC ↓', better: 'lower', digits: 3, value: (s) => s.deletionAuc },
  { title: 'insertion AUC ↑', better: 'higher', digits: 3, value: (s) => s.insertionAuc },
  { title: 'avg drop % ↓', better: 'lower', digits: 1, value: (s) => s.averageDrop },
  { title: 'increase % ↑', better: 'higher', digits: 1, value: (s) => s.increaseInConfidence },
  { title: 'ROAD MoRF ↓', better: 'lower', digits: 3, value: (s) => s.road.morfMean },
  { title: 'ROAD LeRF ↑', better: 'higher', digits: 3, value: (s) => s.road.lerfMean },
];

/** With --sanity: similarity to the trained model's maps once every layer is randomised (low passes). */
export const SANITY_COLUMNS: readonly EvaluationColumn[] = [
  { title: 'random |ρ| ↓', better: 'lower', digits: 3, value: (_, sanity) => fullyRandomised(sanity)?.spearman },
  { title: 'random SSIM ↓', better: 'lower', digits: 3, value: (_, sanity) => fullyRandomised(sanity)?.ssim },
];

/** The columns of a result: the metrics, and the sanity ones when it has them. */
export function columnsFor(hasSanity: boolean): readonly EvaluationColumn[] {
  return hasSanity ? [...EVALUATION_COLUMNS, ...SANITY_COLUMNS] : EVALUATION_COLUMNS;
}

/** For each column, the method with the best value (ties: the first), for highlighting. */
export function bestMethods(
  methods: Record<string, MethodScores>,
  sanity: Record<string, SanityScores> | undefined,
  columns: readonly EvaluationColumn[],
): (string | undefined)[] {
  return columns.map((column) => {
    let best: string | undefined;
    let bestValue = NaN;
    for (const [name, scores] of Object.entries(methods)) {
      const v = column.value(scores, sanity?.[name]);
      if (v === undefined || !Number.isFinite(v)) continue;
      if (best === undefined || (column.better === 'lower' ? v < bestValue : v > bestValue)) {
        best = name;
        bestValue = v;
      }
    }
    return best;
  });
}
