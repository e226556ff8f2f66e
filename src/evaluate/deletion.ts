import type { EvaluationMetric } from './metric.js';
import { perturbationCurve } from './perturbation-curve.js';

export interface DeletionScores {
  /** Area under the deletion curve; lower is better (the class drops fast as the important pixels go). */
  deletionAuc: number;
  /** Mean class probability after removing k/20 of the pixels, k = 0..20. */
  deletionCurve: number[];
}

/** Deletion (Petsiuk et al., "RISE", BMVC 2018, §4.1): remove pixels most important first. */
export const deletion: EvaluationMetric<DeletionScores> = {
  title: 'Deletion AUC',
  reference: 'Petsiuk et al., BMVC 2018, §4.1 (deletion)',
  run: (inputs) => {
    const { auc, curve } = perturbationCurve(inputs, 'deletion');
    return { deletionAuc: auc, deletionCurve: curve };
  },
};
