/**
 * Grad-CAM, the method this tool started with, under the names the library
 * has always exported: {@link createGradcam} is {@link createCam} with the
 * Grad-CAM member of the method table (methods/gradcam.ts).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { createCam, type CamBatch, type CamExplainer } from './pipeline.js';
import type { ScoreKind } from './score-kinds.js';

export { NORMALISATION_EPSILON } from './pipeline.js';
export { scoreGradientOnLogits } from './score-gradient.js';
export { SCORE_KINDS, type ScoreKind } from './score-kinds.js';

/** Grad-CAM maps and predictions for a batch of N images (see {@link CamBatch}). */
export type GradcamBatch = CamBatch;
/** Grad-CAM bound to one model, layer and score kind. */
export type GradcamExplainer = CamExplainer;

/**
 * Prepares Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from
 * Deep Networks via Gradient-based Localization", ICCV 2017, eq. 1–2) for a
 * model: channel weights are the spatial mean of ∂score/∂A, the map is the
 * ReLU of the weighted sum of the feature maps A.
 *
 * @param layerName the layer to explain; default the last convolutional layer.
 * @param score 'logit' (default) or 'prob'; see SCORE_KINDS.
 */
export function createGradcam(
  model: tfl.LayersModel,
  options: { layerName?: string; score?: ScoreKind } = {},
): GradcamExplainer {
  return createCam(model, { ...options, method: 'gradcam' });
}
