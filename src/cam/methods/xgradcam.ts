import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/** Keeps the normalisation finite for a channel that is zero everywhere (pytorch-grad-cam's value). */
const ACTIVATION_SUM_EPSILON = 1e-7;

/**
 * XGrad-CAM (Fu, Hu, Dong, Gu, Wang & Zhang, "Axiom-based Grad-CAM: Towards
 * Accurate Visualization and Explanation of CNNs", BMVC 2020). The weight of
 * channel k is the gradient averaged with the activations as weights:
 *
 *   α_k^c = Σ_ij (A^k_ij / Σ_ab A^k_ab) ∂y^c/∂A^k_ij,
 *
 * chosen so the map satisfies the paper's sensitivity and conservation
 * axioms. As pytorch-grad-cam's XGradCAM, the denominator gets ε = 1e-7 (the
 * paper has none).
 *
 * @returns weights [N, 1, 1, C] float32.
 */
export const xgradcam: CamMethod = {
  title: 'XGrad-CAM',
  reference: 'Fu et al., BMVC 2020, "Axiom-based Grad-CAM" (XGrad-CAM weights)',
  needsGradients: true,
  classSpecific: true,
  weights: (context) => {
    const { tf, activations } = context;
    const g = requireGradients(context, 'XGrad-CAM');
    const activationSums = tf.add(tf.sum(activations, [1, 2], true), ACTIVATION_SUM_EPSILON);
    return tf.div(tf.sum(tf.mul(activations, g), [1, 2], true), activationSums);
  },
};
