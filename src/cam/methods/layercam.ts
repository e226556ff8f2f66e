import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/**
 * LayerCAM (Jiang, Zhang, Hou, Cheng & Wei, "LayerCAM: Exploring
 * Hierarchical Class Activation Maps for Localization", IEEE TIP 2021).
 * Eq. 5: each activation gets its own weight, the positive part of its
 * gradient, w^kc_ij = ReLU(∂y^c/∂A^k_ij); eq. 6: the map is
 * ReLU(Σ_k w^kc ⊙ A^k), which the pipeline forms. As pytorch-grad-cam's
 * LayerCAM, the paper's tanh rescaling of maps from shallow layers (its
 * fusion step) is not applied.
 *
 * @returns weights [N, h, w, C] float32 (one per activation).
 */
export const layercam: CamMethod = {
  title: 'LayerCAM',
  reference: 'Jiang et al., IEEE TIP 2021, eq. 5-6',
  needsGradients: true,
  classSpecific: true,
  weights: (context) => context.tf.relu(requireGradients(context, 'LayerCAM')),
};
