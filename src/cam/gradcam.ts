import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from '../errors.js';
import { evaluateGraph, findExplainableLayer, inputFeeds } from './layer-graph.js';
import type { ScoreKind } from './score-kinds.js';

export { SCORE_KINDS, type ScoreKind } from './score-kinds.js';

/**
 * Added to each map's maximum before dividing, so an all-zero map (no positive
 * evidence for the class) normalises to zeros instead of NaN.
 */
export const NORMALISATION_EPSILON = 1e-7;

/** Grad-CAM maps and predictions for a batch of N images. */
export interface GradcamBatch {
  count: number;
  /** Height and width of the explained layer's feature maps (11×11 for the tutorial's conv2). */
  mapHeight: number;
  mapWidth: number;
  classCount: number;
  /** [N, H, W] float32 in [0, 1]: ReLU(Σ_c w_c A^c) divided by its maximum (+ epsilon), per image. */
  heatmaps: Float32Array;
  /** [N, H, W] float32: ReLU(Σ_c w_c A^c) before the division, in score units. */
  unnormalised: Float32Array;
  /** [N, C] float32: α_k, the spatial mean of ∂score/∂A^k per channel k (Grad-CAM eq. 1). */
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

/** Grad-CAM bound to one model, layer and score kind. */
export interface GradcamExplainer {
  readonly layerName: string;
  readonly score: ScoreKind;
  readonly mapHeight: number;
  readonly mapWidth: number;
  readonly classCount: number;
  /**
   * Explains a batch. One forward pass to the layer, and for the classes one
   * backward pass through the rest of the model; the per-image class scores
   * are summed, which keeps each image's gradient its own (images do not
   * interact in inference mode).
   *
   * @param images [N, H, W, C] float32, normalised as the model expects. Not disposed.
   * @param classes the class to explain per image; default the predicted class.
   */
  explain(images: tf.Tensor4D, classes?: readonly number[]): GradcamBatch;
}

/** The part of the model after the explained layer. */
interface ModelHead {
  /**
   * Logits and probabilities from the explained layer's activation. The images
   * are there for branches that bypass the layer (constants for the gradient).
   * Call inside tidy.
   */
  (activation: tf.Tensor4D, images: tf.Tensor4D): { logits: tf.Tensor2D; probabilities: tf.Tensor2D };
  /** False when the model does not end in a softmax: its output serves as logits and probabilities alike. */
  readonly softmax: boolean;
}

/**
 * Prepares Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from
 * Deep Networks via Gradient-based Localization", ICCV 2017, eq. 1–2) for a
 * model: channel weights are the spatial mean of ∂score/∂A, the map is the
 * ReLU of the weighted sum of the feature maps A.
 *
 * @param layerName the layer to explain; default the last convolutional layer.
 * @param score 'logit' (default) or 'prob'; see {@link SCORE_KINDS}.
 */
export function createGradcam(
  model: tfl.LayersModel,
  options: { layerName?: string; score?: ScoreKind } = {},
): GradcamExplainer {
  const score = options.score ?? 'logit';
  const layer = findExplainableLayer(model, options.layerName);
  const layerOutput = layer.output as tfl.SymbolicTensor;
  const [, mapHeight = 0, mapWidth = 0, channels = 0] = layerOutput.shape as number[];
  const head = buildHead(model, layerOutput, score);
  const outputShape = model.outputs[0]!.shape;
  const classCount = outputShape[outputShape.length - 1] as number;

  const features = (images: tf.Tensor4D): tf.Tensor4D =>
    evaluateGraph([layerOutput], inputFeeds(model, [images]))[0] as tf.Tensor4D;

  const explain = (images: tf.Tensor4D, requestedClasses?: readonly number[]): GradcamBatch => {
    const count = images.shape[0];
    if (requestedClasses !== undefined) validateClasses(requestedClasses, count, classCount);
    const activation = tf.tidy(() => features(images));
    const outputs: tf.Tensor[] = [];
    try {
      outputs.push(...tf.tidy(() => Object.values(head(activation, images))));
      const [logits, probabilities] = outputs.map((t) => t.dataSync() as Float32Array) as [Float32Array, Float32Array];
      const classes = requestedClasses ? [...requestedClasses] : argMaxRows(probabilities, classCount);
      // ∂score/∂A = Σ_k (∂score/∂z_k) ∂z_k/∂A: the backward pass starts from
      // the logits z with the score's derivative as the upstream gradient.
      const upstream = scoreGradientOnLogits(score === 'prob' && head.softmax, logits, classes, classCount);
      outputs.push(
        ...tf.tidy(() => {
          const weightsOnLogits = tf.tensor2d(upstream, [count, classCount]);
          const gradient = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(head(a as tf.Tensor4D, images).logits, weightsOnLogits)))(
            activation,
          );
          // Eq. 1: α_k^c = mean over i,j of ∂y^c/∂A^k_ij; eq. 2: ReLU(Σ_k α_k^c A^k).
          const channelWeights = tf.mean(gradient, [1, 2], true);
          const cam = tf.relu(tf.sum(tf.mul(activation, channelWeights), -1));
          const peak = tf.max(cam, [1, 2], true);
          return [tf.div(cam, tf.add(peak, NORMALISATION_EPSILON)), cam, channelWeights];
        }),
      );
      const [heatmaps, unnormalised, channelWeights] = outputs.slice(2).map((t) => t.dataSync() as Float32Array) as [
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      return {
        count,
        mapHeight,
        mapWidth,
        classCount,
        heatmaps,
        unnormalised,
        channelWeights,
        channels,
        probabilities,
        logits,
        classes,
      };
    } finally {
      tf.dispose([activation, ...outputs]);
    }
  };

  return { layerName: layer.name, score, mapHeight, mapWidth, classCount, explain };
}

/**
 * ∂score/∂z for each image's class c, as an [N, K] float32 array:
 * - logit score: the one-hot row e_c;
 * - probability score: ∂p_c/∂z_k = p_c (δ_ck − p_k), computed in float64 with
 *   1 − p_c taken as Σ_{k≠c} p_k. Autodiff through tfjs's softmax forms
 *   p_c − p_c² in float32, which cancels catastrophically for a confident
 *   prediction (p_c = 0.999997 leaves 1 − p_c with ~2% error), and the maps of
 *   two backends then differ by several percent; this form is exact to
 *   float32 rounding of the small terms. Softmax is shift-invariant, so logits
 *   known only up to a constant (log-probabilities) give the same result.
 */
export function scoreGradientOnLogits(
  probabilityScore: boolean,
  logits: Float32Array,
  classes: readonly number[],
  classCount: number,
): Float32Array {
  const upstream = new Float32Array(classes.length * classCount);
  classes.forEach((c, i) => {
    const row = i * classCount;
    if (!probabilityScore) {
      upstream[row + c] = 1;
      return;
    }
    let peak = -Infinity;
    for (let k = 0; k < classCount; k++) peak = Math.max(peak, logits[row + k]!);
    const exp = Array.from({ length: classCount }, (_, k) => Math.exp(logits[row + k]! - peak));
    const total = exp.reduce((a, b) => a + b, 0);
    const p = exp.map((e) => e / total);
    let rest = 0;
    for (let k = 0; k < classCount; k++) {
      if (k === c) continue;
      rest += p[k]!;
      upstream[row + k] = -p[c]! * p[k]!;
    }
    upstream[row + c] = p[c]! * rest;
  });
  return upstream;
}

function argMaxRows(values: Float32Array, width: number): number[] {
  const rows: number[] = [];
  for (let start = 0; start < values.length; start += width) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[start + k]! > values[start + best]!) best = k;
    rows.push(best);
  }
  return rows;
}

function validateClasses(classes: readonly number[], count: number, classCount: number): void {
  if (classes.length !== count) {
    throw new GradcamError(`got ${classes.length} classes for ${count} images; give one class per image`);
  }
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= classCount) {
      throw new GradcamError(`class ${c} is out of range: this model has ${classCount} classes (0..${classCount - 1})`);
    }
  }
}

/**
 * The part of the model after the explained layer, returning logits and
 * probabilities. For a model ending in a softmax (an Activation/Softmax layer,
 * or a Dense layer with softmax activation) the logits are the softmax's
 * input; otherwise the output itself serves as both.
 */
function buildHead(model: tfl.LayersModel, layerOutput: tfl.SymbolicTensor, score: ScoreKind): ModelHead {
  if (model.outputs.length !== 1) {
    throw new GradcamError(`model "${model.name}" has ${model.outputs.length} outputs; gradcam explains single-output classifiers`);
  }
  const output = model.outputs[0]!;
  const outputLayer = output.sourceLayer;
  const className = outputLayer.getClassName();
  const activation = (outputLayer.getConfig() as { activation?: unknown }).activation;
  const feedsFor = (a: tf.Tensor4D, images: tf.Tensor4D) => inputFeeds(model, [images]).set(layerOutput.id, a);

  if ((className === 'Activation' && activation === 'softmax') || className === 'Softmax') {
    const preSoftmax = outputLayer.inboundNodes[output.nodeIndex]!.inputTensors[0]!;
    return withSoftmax(true, (a, images) => {
      const [logits, probabilities] = evaluateGraph([preSoftmax, output], feedsFor(a, images));
      return { logits: logits as tf.Tensor2D, probabilities: probabilities as tf.Tensor2D };
    });
  }
  if (activation === 'softmax') {
    const denseInput = outputLayer.inboundNodes[output.nodeIndex]!.inputTensors[0]!;
    if (className !== 'Dense' || denseInput.rank !== 2) {
      if (score === 'logit') {
        throw new GradcamError(
          `cannot take logits from output layer "${outputLayer.name}" (${className} with softmax); use --score prob`,
        );
      }
      // log p equals the logits up to a per-image constant, which the softmax ignores.
      return withSoftmax(true, (a, images) => {
        const probabilities = evaluateGraph([output], feedsFor(a, images))[0] as tf.Tensor2D;
        return { logits: tf.log(probabilities), probabilities };
      });
    }
    // Dense(softmax): logits = x·W + b, the exact input of its softmax.
    return withSoftmax(true, (a, images) => {
      const [kernel, bias] = outputLayer.getWeights();
      const x = evaluateGraph([denseInput], feedsFor(a, images))[0] as tf.Tensor2D;
      let logits: tf.Tensor2D = tf.matMul(x, kernel as tf.Tensor2D);
      if (bias !== undefined) logits = tf.add(logits, bias);
      return { logits, probabilities: tf.softmax(logits) };
    });
  }
  return withSoftmax(false, (a, images) => {
    const out = evaluateGraph([output], feedsFor(a, images))[0] as tf.Tensor2D;
    return { logits: out, probabilities: out };
  });
}

function withSoftmax(softmax: boolean, head: (activation: tf.Tensor4D, images: tf.Tensor4D) => ReturnType<ModelHead>): ModelHead {
  return Object.assign(head, { softmax });
}
