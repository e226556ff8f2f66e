import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CamMethod } from './cam-method.js';
import { CAM_METHODS, DEFAULT_CAM_METHOD, type CamMethodName } from './cam-methods.js';
import { evaluateGraph, findExplainableLayer, inputFeeds } from './layer-graph.js';
import { buildHead } from './model-head.js';
import { scoreGradientOnLogits } from './score-gradient.js';
import { DEFAULT_SCORE_KIND, type ScoreKind } from './score-kinds.js';
import { targetClasses, validateClasses } from './targets.js';

/**
 * Added to each map's maximum before dividing, so an all-zero map (no positive
 * evidence for the class) normalises to zeros instead of NaN.
 */
export const NORMALISATION_EPSILON = 1e-7;

/** Class activation maps and predictions for a batch of N images. */
export interface CamBatch {
  count: number;
  /** Height and width of the explained layer's feature maps (11×11 for the tutorial's conv2). */
  mapHeight: number;
  mapWidth: number;
  classCount: number;
  /** [N, H, W] float32 in [0, 1]: ReLU(Σ_k w_k ⊙ A^k) divided by its maximum (+ epsilon), per image. */
  heatmaps: Float32Array;
  /** [N, H, W] float32: ReLU(Σ_k w_k ⊙ A^k) before the division, in score units. */
  unnormalised: Float32Array;
  /**
   * [N, C] float32: the method's channel weights (Grad-CAM's α_k, eq. 1); for
   * a method with one weight per activation, their spatial mean.
   */
  channelWeights: Float32Array;
  /** Number of channels C of the explained layer. */
  channels: number;
  /** [N, K] float32: the model's class probabilities. */
  probabilities: Float32Array;
  /** [N, K] float32: the pre-softmax logits (equal to `probabilities` when the model has no final softmax). */
  logits: Float32Array;
  /** The class explained for each image (the predicted one unless given). */
  classes: number[];
}

/** A CAM method bound to one model, layer and score kind. */
export interface CamExplainer {
  readonly method: CamMethod;
  readonly layerName: string;
  readonly score: ScoreKind;
  readonly mapHeight: number;
  readonly mapWidth: number;
  readonly classCount: number;
  /**
   * Explains a batch. One forward pass to the layer, and when the method needs
   * gradients one backward pass through the rest of the model; the per-image
   * class scores are summed, which keeps each image's gradient its own (images
   * do not interact in inference mode).
   *
   * @param images [N, H, W, C] float32, normalised as the model expects. Not disposed.
   * @param classes the class to explain per image; default the predicted class.
   */
  explain(images: tf.Tensor4D, classes?: readonly number[]): CamBatch;
}

export interface CamOptions {
  /** A name from {@link CAM_METHODS} (default 'gradcam'), or a method of your own. */
  method?: CamMethodName | CamMethod;
  /** The layer to explain; default the last convolutional layer. */
  layerName?: string;
  /** 'logit' (default) or 'prob'; see SCORE_KINDS. */
  score?: ScoreKind;
}

/**
 * Binds a CAM method to a model. The pipeline, shared by every method:
 * activations A of the layer → the target class of each image → ∂y^c/∂A
 * when the method needs it → the method's weights w → ReLU(Σ_k w_k ⊙ A^k) →
 * divided by its maximum (+ {@link NORMALISATION_EPSILON}).
 */
export function createCam(model: tfl.LayersModel, options: CamOptions = {}): CamExplainer {
  const method = typeof options.method === 'object' ? options.method : CAM_METHODS[options.method ?? DEFAULT_CAM_METHOD];
  const score = options.score ?? DEFAULT_SCORE_KIND;
  const layer = findExplainableLayer(model, options.layerName);
  const layerOutput = layer.output as tfl.SymbolicTensor;
  const [, mapHeight = 0, mapWidth = 0, channels = 0] = layerOutput.shape as number[];
  const head = buildHead(model, layerOutput, score);
  const outputShape = model.outputs[0]!.shape;
  const classCount = outputShape[outputShape.length - 1] as number;

  const features = (images: tf.Tensor4D): tf.Tensor4D =>
    evaluateGraph([layerOutput], inputFeeds(model, [images]))[0] as tf.Tensor4D;

  /** ∂(Σ_i y_i^{c_i})/∂A, [N, H, W, C]: the backward pass starts from the logits z with ∂score/∂z as the upstream gradient. */
  const scoreGradients = (activation: tf.Tensor4D, images: tf.Tensor4D, logits: Float32Array, classes: number[]) =>
    tf.tidy(() => {
      const upstream = scoreGradientOnLogits(score === 'prob' && head.softmax, logits, classes, classCount);
      const weightsOnLogits = tf.tensor2d(upstream, [classes.length, classCount]);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(head(a as tf.Tensor4D, images).logits, weightsOnLogits)))(
        activation,
      ) as tf.Tensor4D;
    });

  const explain = (images: tf.Tensor4D, requestedClasses?: readonly number[]): CamBatch => {
    const count = images.shape[0];
    if (requestedClasses !== undefined) validateClasses(requestedClasses, count, classCount);
    const activation = tf.tidy(() => features(images));
    const owned: tf.Tensor[] = [];
    try {
      const [logitsTensor, probabilitiesTensor] = tf.tidy(() => {
        const { logits, probabilities } = head(activation, images);
        return [logits, probabilities];
      });
      owned.push(logitsTensor, probabilitiesTensor);
      const logits = logitsTensor.dataSync() as Float32Array;
      const probabilities = probabilitiesTensor.dataSync() as Float32Array;
      const classes = targetClasses(requestedClasses, probabilities, count, classCount);
      const gradients = method.needsGradients ? scoreGradients(activation, images, logits, classes) : undefined;
      if (gradients !== undefined) owned.push(gradients);
      const [heatmaps, unnormalised, channelWeights] = tf.tidy(() => {
        const weights = method.weights({ activations: activation, gradients, classes, tf });
        const cam = tf.relu(tf.sum(tf.mul(activation, weights), -1));
        const peak = tf.max(cam, [1, 2], true);
        const perChannel = weights.shape[1] === 1 && weights.shape[2] === 1 ? weights : tf.mean(weights, [1, 2]);
        return [tf.div(cam, tf.add(peak, NORMALISATION_EPSILON)), cam, perChannel];
      });
      owned.push(heatmaps, unnormalised, channelWeights);
      return {
        count,
        mapHeight,
        mapWidth,
        classCount,
        heatmaps: heatmaps.dataSync() as Float32Array,
        unnormalised: unnormalised.dataSync() as Float32Array,
        channelWeights: channelWeights.dataSync() as Float32Array,
        channels,
        probabilities,
        logits,
        classes,
      };
    } finally {
      tf.dispose([activation, ...owned]);
    }
  };

  return { method, layerName: layer.name, score, mapHeight, mapWidth, classCount, explain };
}
