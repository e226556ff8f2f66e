import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/**
 * Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep
 * Networks via Gradient-based Localization", ICCV 2017). Eq. 1: the weight
 * of channel k is the spatial mean of the gradient, α_k^c = (1/Z) Σ_ij
 * ∂y^c/∂A^k_ij; eq. 2: the map is ReLU(Σ_k α_k^c A^k), which the pipeline forms.
 */
export const gradcam: CamMethod = {
  title: 'Grad-CAM',
  reference: 'Selvaraju et al., ICCV 2017, eq. 1-2',
  needsGradients: true,
  classSpecific: true,
  weights: (context) => context.tf.mean(requireGradients(context, 'Grad-CAM'), [1, 2], true),
};
