import type { CamMethod } from '../cam-method.js';

/**
 * Guided backpropagation (Springenberg et al., "Striving for Simplicity: The
 * All Convolutional Net", ICLR workshop 2015, §3.4, eq. 6): the gradient of
 * the class score with respect to the input, where every ReLU passes gradient
 * back only where its input and the incoming gradient are both positive
 * (guided-relu.ts). A map at the input's resolution, not the layer's.
 *
 * pytorch-grad-cam shows the raw guided gradient as a colour image (both
 * signs, every input channel); a heatmap needs one non-negative value per
 * pixel, so here the pipeline sums the guided gradient over the input's
 * channels and keeps its positive part (its ReLU), then divides by the maximum.
 *
 * @returns weighted activations [N, H, W, Cin] float32: the guided gradient.
 */
export const guidedBackprop: CamMethod = {
  title: 'Guided Backprop',
  reference: 'Springenberg et al., ICLR-W 2015, eq. 6',
  needsGradients: false,
  classSpecific: true,
  resolution: 'input',
  weightedActivations: ({ inputGradients }) => inputGradients(true),
};
