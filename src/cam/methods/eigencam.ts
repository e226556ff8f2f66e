import type { CamMethod } from '../cam-method.js';

/**
 * Eigen-CAM (Muhammad & Yeasin, "Eigen-CAM: Class Activation Map using
 * Principal Components", IJCNN 2020, eq. 5-6): the map is the projection of
 * the layer's activations on their first principal component, with the h·w
 * positions as samples and the C channels as variables. It uses no
 * gradients and does not depend on the class.
 *
 * As pytorch-grad-cam's EigenCAM rather than the paper, the channels are
 * centred over the positions before the decomposition (principal-projection.ts).
 * Where pytorch-grad-cam keeps whatever sign the SVD returns, the map is
 * negated when its most negative value outweighs its most positive one
 * (Seg-Eigen-CAM, eq. 13), so the strongest response survives the ReLU.
 *
 * @returns weighted activations: A itself, [N, h, w, C] float32, combined by 'projection'.
 */
export const eigencam: CamMethod = {
  title: 'Eigen-CAM',
  reference: 'Muhammad & Yeasin, IJCNN 2020, eq. 5-6',
  needsGradients: false,
  classSpecific: false,
  combine: 'projection',
  weightedActivations: ({ activations }) => activations,
};
