import type tf = require('@tensorflow/tfjs-core');
import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/**
 * Guided Grad-CAM (Selvaraju et al., ICCV 2017, §3.1 "Guided Grad-CAM"): the
 * guided backpropagation map (guided-backprop.ts) multiplied point-wise with
 * the Grad-CAM map, ReLU(Σ_k α_k A^k) divided by its maximum and upsampled
 * to the input (bilinear, half-pixel centres, as the paper's and
 * pytorch-grad-cam's examples do). At the input's resolution; summed over
 * input channels and ReLU'd by the pipeline like guided backprop.
 *
 * @returns weighted activations [N, H, W, Cin] float32.
 */
export const guidedGradcam: CamMethod = {
  title: 'Guided Grad-CAM',
  reference: 'Selvaraju et al., ICCV 2017, §3.1',
  needsGradients: true,
  classSpecific: true,
  resolution: 'input',
  weightedActivations: (context) => {
    const { activations, images, inputGradients, tf } = context;
    const gradients = requireGradients(context, 'Guided Grad-CAM');
    const [, height, width] = images.shape;
    const cam = tf.relu(tf.sum(tf.mul(activations, tf.mean(gradients, [1, 2], true)), -1, true));
    const normalised = tf.div(cam, tf.add(tf.max(cam, [1, 2], true), 1e-7)) as tf.Tensor4D;
    const upsampled = tf.image.resizeBilinear(normalised, [height, width], false, true);
    return tf.mul(inputGradients(true), upsampled) as tf.Tensor4D;
  },
};
