import type tf = require('@tensorflow/tfjs-core');

/**
 * What the CAM pipeline hands a method, for a batch of N images explained at a
 * layer with H×W feature maps of C channels. Every tensor belongs to the
 * pipeline: a method must not dispose them, and it is called inside `tf.tidy`,
 * so its intermediates are freed for it.
 */
export interface CamContext {
  /** A: [N, H, W, C] float32, the explained layer's activations. */
  readonly activations: tf.Tensor4D;
  /**
   * ∂y^c/∂A: [N, H, W, C] float32, the gradient of each image's class score
   * with respect to the activations; present when the method sets
   * {@link CamMethod.needsGradients}, else undefined.
   */
  readonly gradients: tf.Tensor4D | undefined;
  /** The class explained for each image (N entries). */
  readonly classes: readonly number[];
  /**
   * The TensorFlow.js ops, handed in so that a method file imports only types:
   * the method table then loads without TensorFlow.js, and the CLI lists
   * `--method` choices without paying for it (cold start, issue 8).
   */
  readonly tf: typeof tf;
}

/**
 * One member of the CAM family: how the weights of the feature maps are
 * found. The pipeline (pipeline.ts) does everything else, as pytorch-grad-cam's
 * `BaseCAM` does: activations → targets → gradients (when needed) → weights →
 * map = ReLU(Σ_k w_k ⊙ A^k) → divide by the map's maximum.
 */
export interface CamMethod {
  /** The method's name as figures and reports print it, e.g. "Grad-CAM". */
  readonly title: string;
  /** The paper that defines the method, and the equation implemented. */
  readonly reference: string;
  /** Whether the pipeline runs the backward pass to fill {@link CamContext.gradients}. */
  readonly needsGradients: boolean;
  /**
   * The weights w of the feature maps: [N, 1, 1, C] (one weight per channel,
   * as Grad-CAM's α) or [N, H, W, C] (one per activation), float32. The
   * pipeline multiplies them with A, sums over channels and applies ReLU.
   */
  weights(context: CamContext): tf.Tensor4D;
}
