import type tf = require('@tensorflow/tfjs-core');

/**
 * What the CAM pipeline hands a method, for a batch of N images explained at a
 * layer with h×w feature maps of C channels. Every tensor belongs to the
 * pipeline: a method must not dispose them, and it is called inside `tf.tidy`,
 * so its intermediates are freed for it (a method that loops over chunks
 * should still wrap each chunk in its own `tf.tidy` to bound memory).
 */
export interface CamContext {
  /** A: [N, h, w, C] float32, the explained layer's activations. */
  readonly activations: tf.Tensor4D;
  /**
   * ∂y^c/∂A: [N, h, w, C] float32, the gradient of each image's class score
   * with respect to the activations; present when the method sets
   * {@link CamMethod.needsGradients}, else undefined.
   */
  readonly gradients: tf.Tensor4D | undefined;
  /** x: [N, H, W, Cin] float32, the model's input, normalised as the model expects. */
  readonly images: tf.Tensor4D;
  /** The class explained for each image (N entries). */
  readonly classes: readonly number[];
  /**
   * The class score y^c (the kind `--score` selects) of M variants of the
   * layer's activations: row m stands for image `imageOf[m]` and is scored for
   * that image's class; branches of the model that bypass the layer see that
   * image. This is the rest of the model after the layer only, so it is cheap
   * (Ablation-CAM).
   *
   * @param activations [M, h, w, C] float32.
   * @returns [M] float32.
   */
  scoreActivations(activations: tf.Tensor4D, imageOf: readonly number[]): tf.Tensor1D;
  /**
   * The class score y^c of M model inputs, through the whole model: row m is
   * scored for the class of image `imageOf[m]` (Score-CAM's masked inputs).
   *
   * @param inputs [M, H, W, Cin] float32, normalised as the model expects.
   * @returns [M] float32.
   */
  scoreInputs(inputs: tf.Tensor4D, imageOf: readonly number[]): tf.Tensor1D;
  /**
   * ∂y^c/∂x: [N, H, W, Cin] float32, the gradient of each image's class score
   * with respect to the input. With `guided`, every ReLU of the model passes
   * gradient back only where both its input and the incoming gradient are
   * positive (guided backpropagation, Springenberg et al. 2015, eq. 6).
   */
  inputGradients(guided: boolean): tf.Tensor4D;
  /** Seed for methods that draw random numbers (the `random` baseline), so runs repeat. */
  readonly seed: number;
  /**
   * The TensorFlow.js ops, handed in so that a method file imports only types:
   * the method table then loads without TensorFlow.js, and the CLI lists
   * `--method` choices without paying for it (cold start, issue 8).
   */
  readonly tf: typeof tf;
}

/**
 * One member of the CAM family. The pipeline (pipeline.ts) does everything
 * else, as pytorch-grad-cam's `BaseCAM` does: activations → targets →
 * gradients (when needed) → the method's weighted activations → combined over
 * channels (summed, or projected on their first principal component) →
 * ReLU → divided by the map's maximum.
 *
 * A method defines exactly one of {@link weights} (the common case: the map is
 * Σ_k w_k ⊙ A^k) and {@link weightedActivations} (anything else).
 */
export interface CamMethod {
  /** The method's name as figures and reports print it, e.g. "Grad-CAM". */
  readonly title: string;
  /** The paper that defines the method, and the equation implemented. */
  readonly reference: string;
  /** Whether the pipeline runs the backward pass to fill {@link CamContext.gradients}. */
  readonly needsGradients: boolean;
  /**
   * False for maps that do not depend on the class (Eigen-CAM, the baselines):
   * figures then say so instead of "why <class>?".
   */
  readonly classSpecific: boolean;
  /**
   * 'layer' (default): maps at the explained layer's h×w. 'input': maps at
   * the input's H×W (guided backpropagation).
   */
  readonly resolution?: 'layer' | 'input';
  /**
   * How the pipeline turns weighted activations [N, h, w, D] into a map:
   * 'sum' over D (default), or 'projection' on their first principal
   * component (Eigen-CAM; `eigenSmooth` asks this of any method).
   */
  readonly combine?: 'sum' | 'projection';
  /**
   * The weights w of the feature maps: [N, 1, 1, C] (one weight per channel,
   * as Grad-CAM's α) or [N, h, w, C] (one per activation), float32. The
   * pipeline forms w ⊙ A.
   */
  weights?(context: CamContext): tf.Tensor4D;
  /**
   * The weighted activations themselves, [N, h', w', D] float32, with h'×w'
   * the layer's (or, for resolution 'input', the input's) size. For methods
   * whose map is not Σ_k w_k ⊙ A^k (element-wise ReLU, Eigen-CAM, guided
   * backpropagation, the baselines).
   */
  weightedActivations?(context: CamContext): tf.Tensor4D;
}
