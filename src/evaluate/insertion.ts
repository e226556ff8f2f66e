import type { EvaluationMetric } from './metric.js';
import { perturbationCurve } from './perturbation-curve.js';

export interface InsertionScores {
  /** Area under the insertion curve; higher is better (the class comes back fast as the important pixels return). */
  insertionAuc: number;
  /** Mean class probability after putting back k/20 of the pixels into the baseline, k = 0..20. */
  insertionCurve: number[];
}

/** Insertion (Petsiuk et al., "RISE", BMVC 2018, §4.1): put pixels back into the baseline, most important first. */
export const insertion: EvaluationMetric<InsertionScores> = {
  title: 'Insertion AUC',
  reference: 'Petsiuk et al., BMVC 2018, §4.1 (insertion)',
  run: (inputs) => {
    const { auc, curve } = perturbationCurve(inputs, 'insertion');
    return { insertionAuc: auc, insertionCurve: curve };
  },
};
