import type tf = require('@tensorflow/tfjs-core');
import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/**
 * Element-wise Grad-CAM: pytorch-grad-cam's GradCAMElementWise, which no
 * paper defines. Like HiResCAM (Draelos & Carin, arXiv:2011.08891) each
 * activation is weighted by its own gradient, but the ReLU comes before the
 * sum over channels, so negative evidence of one channel cannot cancel
 * positive evidence of another: the map is Σ_k ReLU(∂y^c/∂A^k ⊙ A^k) (the
 * pipeline's final ReLU then changes nothing).
 *
 * @returns weighted activations [N, h, w, C] float32.
 */
export const gradcamElementwise: CamMethod = {
  title: 'Grad-CAM (element-wise)',
  reference: "pytorch-grad-cam's GradCAMElementWise (HiResCAM, arXiv:2011.08891, with the ReLU before the channel sum)",
  needsGradients: true,
  classSpecific: true,
  weightedActivations: (context) => {
    const { tf, activations } = context;
    return tf.relu(tf.mul(requireGradients(context, 'Element-wise Grad-CAM'), activations) as tf.Tensor4D);
  },
};
