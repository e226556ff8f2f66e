import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/**
 * HiResCAM (Draelos & Carin, "Use HiResCAM instead of Grad-CAM for faithful
 * explanations of convolutional neural networks", arXiv:2011.08891, 2020).
 * Each activation is weighted by its own gradient instead of the channel's
 * mean gradient: the map is ReLU(Σ_k ∂y^c/∂A^k ⊙ A^k), which the pipeline
 * forms from these weights. For a model that averages the layer spatially
 * before its classifier the gradient is constant over space and HiResCAM
 * equals Grad-CAM. pytorch-grad-cam's HiResCAM computes the same.
 *
 * @returns weights [N, h, w, C] float32 (one per activation).
 */
export const hirescam: CamMethod = {
  title: 'HiResCAM',
  reference: 'Draelos & Carin, arXiv:2011.08891, 2020',
  needsGradients: true,
  classSpecific: true,
  weights: (context) => requireGradients(context, 'HiResCAM'),
};
