import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from '../errors.js';
import type { CamContext, CamMethod } from './cam-method.js';
import { CAM_METHODS, DEFAULT_CAM_METHOD, type CamMethodName } from './cam-methods.js';
import { withGuidedRelu } from './guided-relu.js';
import { evaluateGraph, findExplainableLayer, inputFeeds } from './layer-graph.js';
import { buildHead } from './model-head.js';
import { projectOnFirstComponent } from './principal-projection.js';
import { scoreGradientOnLogits } from './score-gradient.js';
import { DEFAULT_SCORE_KIND, type ScoreKind } from './score-kinds.js';
import { targetClasses, validateClasses } from './targets.js';

/**
 * Added to each map's maximum before dividing, so an all-zero map (no positive
 * evidence for the class) normalises to zeros instead of NaN.
 */
export const NORMALISATION_EPSILON = 1e-7;

/** Seed of the random baseline and of SmoothGrad's noise when none is given. */
export const DEFAULT_CAM_SEED = 0;

/** Class activation maps and predictions for a batch of N images. */
export interface CamBatch {
  count: number;
  /**
   * Height and width of the maps: the explained layer's feature maps (11×11
   * for the tutorial's conv2), or the input's for input-resolution methods
   * (guided backpropagation) and several layers at once.
   */
  mapHeight: number;
  mapWidth: number;
  classCount: number;
  /** [N, H, W] float32 in [0, 1]: the unnormalised map divided by its maximum (+ epsilon), per image. */
  heatmaps: Float32Array;
  /** [N, H, W] float32: ReLU(Σ_k w_k ⊙ A^k) (or the method's combination) before the division, in score units. */
  unnormalised: Float32Array;
  /**
   * [N, C] float32: the method's channel weights (Grad-CAM's α_k, eq. 1); for
   * a method with one weight per activation, their spatial mean. Empty for
   * methods without channel weights (Eigen-CAM, element-wise and guided
   * maps, baselines, several layers).
   */
  channelWeights: Float32Array;
  /** Number of channels C of the explained layer (0 with several layers). */
  channels: number;
  /** [N, K] float32: the model's class probabilities. */
  probabilities: Float32Array;
  /** [N, K] float32: the pre-softmax logits (equal to `probabilities` when the model has no final softmax). */
  logits: Float32Array;
  /** The class explained for each image (the predicted one unless given). */
  classes: number[];
}

/** A CAM method bound to one model, layer(s) and score kind. */
export interface CamExplainer {
  readonly method: CamMethod;
  /** The explained layer; several are joined with ",". */
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

/** SmoothGrad (Smilkov et al., "SmoothGrad: removing noise by adding noise", 2017, eq. 3). */
export interface SmoothGradOptions {
  /** Number of noisy copies n averaged. */
  samples: number;
  /** σ / (x_max − x_min): the noise's standard deviation relative to the input's range (the paper finds 0.1–0.2 best). */
  noise: number;
}

export interface CamOptions {
  /** A name from {@link CAM_METHODS} (default 'gradcam'), or a method of your own. */
  method?: CamMethodName | CamMethod;
  /**
   * The layer to explain; default the last convolutional layer. Several
   * layers: one map per layer, each normalised and upsampled to the input
   * size, averaged and normalised again (pytorch-grad-cam's multi-layer rule).
   */
  layerName?: string | readonly string[];
  /** 'logit' (default) or 'prob'; see SCORE_KINDS. */
  score?: ScoreKind;
  /** Combine the weighted activations by their first principal component instead of their sum (pytorch-grad-cam's `eigen_smooth`). */
  eigenSmooth?: boolean;
  /** Average the maps of noisy copies of each input. */
  smoothGrad?: SmoothGradOptions;
  /** Seed for the random baseline and SmoothGrad's noise (default {@link DEFAULT_CAM_SEED}). */
  seed?: number;
}

/** The unnormalised maps of one layer, with predictions; tensors owned by the caller. */
interface LayerMaps {
  /** [N, h, w] float32, after ReLU. */
  maps: tf.Tensor3D;
  /** [N, C] float32, or undefined for methods without channel weights. */
  channelWeights: tf.Tensor2D | undefined;
}

/** Resolves a method name or object, and checks it defines exactly one way to weigh activations. */
export function resolveCamMethod(method: CamMethodName | CamMethod | undefined): CamMethod {
  const resolved = typeof method === 'object' ? method : CAM_METHODS[method ?? DEFAULT_CAM_METHOD];
  if (resolved === undefined) throw new GradcamError(`unknown CAM method "${String(method)}"`);
  if ((resolved.weights === undefined) === (resolved.weightedActivations === undefined)) {
    throw new GradcamError(`CAM method "${resolved.title}" must define exactly one of weights() and weightedActivations()`);
  }
  return resolved;
}

/**
 * Binds a CAM method to a model. The pipeline, shared by every method:
 * activations A of the layer → the target class of each image → ∂y^c/∂A
 * when the method needs it → the method's weighted activations (w ⊙ A) →
 * summed over channels (or projected on their first principal component) →
 * ReLU → divided by its maximum (+ {@link NORMALISATION_EPSILON}).
 */
export function createCam(model: tfl.LayersModel, options: CamOptions = {}): CamExplainer {
  const method = resolveCamMethod(options.method);
  const score = options.score ?? DEFAULT_SCORE_KIND;
  const seed = options.seed ?? DEFAULT_CAM_SEED;
  const requestedLayers = typeof options.layerName === 'string' || options.layerName === undefined ? [options.layerName] : [...options.layerName];
  if (requestedLayers.length === 0) throw new GradcamError('no layer to explain: give at least one layer name');
  const layers = requestedLayers.map((name) => findExplainableLayer(model, name));
  const layerOutputs = layers.map((layer) => layer.output as tfl.SymbolicTensor);
  const heads = layerOutputs.map((output) => buildHead(model, output, score));
  const outputShape = model.outputs[0]!.shape;
  const classCount = outputShape[outputShape.length - 1] as number;
  const [, inputHeight = 0, inputWidth = 0] = model.inputs[0]!.shape as number[];
  const several = layers.length > 1;
  const atInput = several || method.resolution === 'input';
  const [, layerHeight = 0, layerWidth = 0, layerChannels = 0] = layerOutputs[0]!.shape as number[];
  const mapHeight = atInput ? inputHeight : layerHeight;
  const mapWidth = atInput ? inputWidth : layerWidth;
  const channels = several ? 0 : layerChannels;

  const features = (index: number, images: tf.Tensor4D): tf.Tensor4D =>
    evaluateGraph([layerOutputs[index]!], inputFeeds(model, [images]))[0] as tf.Tensor4D;

  /** Logits and probabilities of the whole model; call inside tidy. */
  const predictions = (images: tf.Tensor4D) => heads[0]!(features(0, images), images);

  /** The class score of each row of a [M, K] output pair for the class of image `imageOf[m]`. */
  const pickScores = (out: { logits: tf.Tensor2D; probabilities: tf.Tensor2D }, classes: readonly number[], imageOf: readonly number[]) => {
    const chosen = score === 'prob' ? out.probabilities : out.logits;
    const oneHot = tf.oneHot(tf.tensor1d(imageOf.map((i) => classes[i]!), 'int32'), classCount);
    return tf.sum(tf.mul(chosen, oneHot), 1) as tf.Tensor1D;
  };

  /**
   * The unnormalised maps of layer `index` for the given classes. One forward
   * pass to the layer, then whatever the method needs. Returns tensors the
   * caller disposes.
   */
  const layerMaps = (index: number, images: tf.Tensor4D, logits: Float32Array, classes: readonly number[]): LayerMaps => {
    const head = heads[index]!;
    const activations = tf.tidy(() => features(index, images));
    let gradients: tf.Tensor4D | undefined;
    try {
      const upstreamOnLogits = () =>
        tf.tensor2d(scoreGradientOnLogits(score === 'prob' && head.softmax, logits, classes, classCount), [classes.length, classCount]);
      // ∂(Σ_i y_i^{c_i})/∂A: the backward pass starts from the logits z with ∂score/∂z as the upstream gradient.
      if (method.needsGradients) {
        gradients = tf.tidy(() => {
          const upstream = upstreamOnLogits();
          return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(head(a as tf.Tensor4D, images).logits, upstream)))(activations) as tf.Tensor4D;
        });
      }
      const context: CamContext = {
        activations,
        gradients,
        images,
        classes,
        seed,
        tf,
        scoreActivations: (variants, imageOf) =>
          tf.tidy(() => pickScores(head(variants, tf.gather(images, tf.tensor1d([...imageOf], 'int32'))), classes, imageOf)),
        scoreInputs: (inputs, imageOf) => tf.tidy(() => pickScores(predictions(inputs), classes, imageOf)),
        inputGradients: (guided) =>
          tf.tidy(() => {
            const upstream = upstreamOnLogits();
            const gradient = () =>
              tf.grad((x: tf.Tensor) => tf.sum(tf.mul(predictions(x as tf.Tensor4D).logits, upstream)))(images) as tf.Tensor4D;
            return guided ? withGuidedRelu(model, gradient) : gradient();
          }),
      };
      return tf.tidy(() => {
        const weights = method.weights?.(context);
        const weighted = weights !== undefined ? tf.mul(activations, weights) : method.weightedActivations!(context);
        const combined = options.eigenSmooth === true || method.combine === 'projection' ? projection(weighted) : tf.sum(weighted, -1);
        const maps = tf.relu(combined) as tf.Tensor3D;
        const channelWeights =
          weights === undefined || several
            ? undefined
            : tf.reshape(weights.shape[1] === 1 && weights.shape[2] === 1 ? weights : tf.mean(weights, [1, 2], true), [
                weights.shape[0],
                weights.shape[3],
              ]) as tf.Tensor2D;
        return { maps, channelWeights };
      });
    } finally {
      tf.dispose(activations);
      if (gradients !== undefined) gradients.dispose();
    }
  };

  /** All layers' maps for one input batch: one layer as it is; several upsampled, normalised, averaged. */
  const combinedMaps = (images: tf.Tensor4D, logits: Float32Array, classes: readonly number[]): LayerMaps => {
    if (!atInput) return layerMaps(0, images, logits, classes);
    const perLayer = layers.map((_, index) => layerMaps(index, images, logits, classes));
    try {
      return tf.tidy(() => {
        const resized = perLayer.map(({ maps }) => {
          const up = resizeMaps(maps, inputHeight, inputWidth);
          return several ? tf.div(up, tf.add(tf.max(up, [1, 2], true), NORMALISATION_EPSILON)) : up;
        });
        const mean = tf.relu(resized.length === 1 ? resized[0]! : tf.div(tf.addN(resized), resized.length)) as tf.Tensor3D;
        return { maps: mean, channelWeights: several ? undefined : perLayer[0]!.channelWeights?.clone() };
      });
    } finally {
      for (const { maps, channelWeights } of perLayer) tf.dispose([maps, ...(channelWeights ? [channelWeights] : [])]);
    }
  };

  const explain = (images: tf.Tensor4D, requestedClasses?: readonly number[]): CamBatch => {
    const count = images.shape[0];
    if (requestedClasses !== undefined) validateClasses(requestedClasses, count, classCount);
    const owned: tf.Tensor[] = [];
    try {
      const [logitsTensor, probabilitiesTensor] = tf.tidy(() => {
        const { logits, probabilities } = predictions(images);
        return [logits, probabilities];
      });
      owned.push(logitsTensor, probabilitiesTensor);
      const logits = logitsTensor.dataSync() as Float32Array;
      const probabilities = probabilitiesTensor.dataSync() as Float32Array;
      const classes = targetClasses(requestedClasses, probabilities, count, classCount);
      const { maps, channelWeights } =
        options.smoothGrad === undefined ? combinedMaps(images, logits, classes) : smoothedMaps(images, classes, options.smoothGrad);
      owned.push(maps, ...(channelWeights ? [channelWeights] : []));
      const heatmaps = tf.tidy(() => tf.div(maps, tf.add(tf.max(maps, [1, 2], true), NORMALISATION_EPSILON)));
      owned.push(heatmaps);
      return {
        count,
        mapHeight,
        mapWidth,
        classCount,
        heatmaps: heatmaps.dataSync() as Float32Array,
        unnormalised: maps.dataSync() as Float32Array,
        channelWeights: channelWeights ? (channelWeights.dataSync() as Float32Array) : new Float32Array(0),
        channels,
        probabilities,
        logits,
        classes,
      };
    } finally {
      tf.dispose(owned);
    }
  };

  /**
   * SmoothGrad: the maps of n copies x + 𝒩(0, σ²), σ = noise·(x_max − x_min)
   * per image, averaged, each explained for the clean input's class. The
   * logits that seed the score's gradient are the noisy copy's own.
   */
  const smoothedMaps = (images: tf.Tensor4D, classes: readonly number[], smooth: SmoothGradOptions): LayerMaps => {
    if (!Number.isInteger(smooth.samples) || smooth.samples < 1) throw new GradcamError(`SmoothGrad needs at least 1 sample, got ${smooth.samples}`);
    if (!(smooth.noise >= 0) || !Number.isFinite(smooth.noise)) throw new GradcamError(`SmoothGrad noise must be a number ≥ 0, got ${smooth.noise}`);
    let sum: tf.Tensor3D | undefined;
    let weightSum: tf.Tensor2D | undefined;
    try {
      for (let s = 0; s < smooth.samples; s++) {
        const noisy = tf.tidy(() => {
          const range = tf.sub(tf.max(images, [1, 2, 3], true), tf.min(images, [1, 2, 3], true));
          const noise = tf.randomNormal(images.shape, 0, 1, 'float32', seed + 7919 * (s + 1));
          return tf.add(images, tf.mul(noise, tf.mul(range, smooth.noise))) as tf.Tensor4D;
        });
        let noisyLogits: Float32Array;
        let sample: LayerMaps;
        try {
          const logitsTensor = tf.tidy(() => predictions(noisy).logits);
          noisyLogits = logitsTensor.dataSync() as Float32Array;
          logitsTensor.dispose();
          sample = combinedMaps(noisy, noisyLogits, classes);
        } finally {
          noisy.dispose();
        }
        sum = accumulate(sum, sample.maps);
        if (sample.channelWeights !== undefined) weightSum = accumulate(weightSum, sample.channelWeights);
      }
      const n = smooth.samples;
      return tf.tidy(() => ({
        maps: tf.div(sum!, n) as tf.Tensor3D,
        channelWeights: weightSum === undefined ? undefined : (tf.div(weightSum, n) as tf.Tensor2D),
      }));
    } finally {
      tf.dispose([...(sum ? [sum] : []), ...(weightSum ? [weightSum] : [])]);
    }
  };

  return {
    method,
    layerName: layers.map((layer) => layer.name).join(','),
    score,
    mapHeight,
    mapWidth,
    classCount,
    explain,
  };
}

/** total + addend as a new tensor, disposing both (the first addend becomes the total). */
function accumulate<T extends tf.Tensor>(total: T | undefined, addend: T): T {
  if (total === undefined) return addend;
  const sum = tf.add(total, addend) as T;
  tf.dispose([total, addend]);
  return sum;
}

/** First-principal-component projection of [N, h, w, D] → [N, h, w] (principal-projection.ts). */
function projection(weighted: tf.Tensor): tf.Tensor3D {
  const [count = 0, height = 0, width = 0, depth = 0] = weighted.shape;
  const values = projectOnFirstComponent(weighted.dataSync() as Float32Array, count, height * width, depth);
  return tf.tensor3d(values, [count, height, width]);
}

/**
 * Bilinear resize of [N, h, w] maps to H×W with half-pixel centres, the
 * convention of the rendered heatmaps (render/resize.ts) and of OpenCV's
 * `cv2.resize`, which pytorch-grad-cam uses.
 */
export function resizeMaps(maps: tf.Tensor3D, height: number, width: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [, h, w] = maps.shape;
    if (h === height && w === width) return maps.clone();
    return tf.squeeze(tf.image.resizeBilinear(tf.expandDims(maps, -1) as tf.Tensor4D, [height, width], false, true), [3]) as tf.Tensor3D;
  });
}
