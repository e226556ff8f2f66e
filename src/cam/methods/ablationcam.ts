import type tf = require('@tensorflow/tfjs-core');
import type { CamMethod } from '../cam-method.js';

/** Ablated copies of the activations per pass of the model's head. */
const VARIANTS_PER_PASS = 512;

/**
 * The value an ablated channel takes when the layer's activations can be
 * negative: zero would then not remove the channel's evidence. pytorch-grad-cam
 * (AblationLayer) uses a large negative value in that case; so do we.
 */
export const ABLATION_LOW_VALUE = -1e7;

/**
 * Ablation-CAM (Desai & Ramaswamy, "Ablation-CAM: Visual Explanations for
 * Deep Convolutional Network via Gradient-free Localization", WACV 2020,
 * eq. 3): w_k = (y^c − y^c_k) / y^c, where y^c_k is the class score with
 * channel k of the layer ablated. Ablated means set to 0, or to
 * {@link ABLATION_LOW_VALUE} when the batch's activations have a negative
 * value (pytorch-grad-cam's rule). Only the part of the model after the layer
 * runs for the C variants, batched. When y^c = 0 the ratio is undefined; the
 * weight is then y^c − y^c_k (the unscaled drop), which keeps the map's shape.
 *
 * @returns weights [N, 1, 1, C] float32.
 */
export const ablationcam: CamMethod = {
  title: 'Ablation-CAM',
  reference: 'Desai & Ramaswamy, WACV 2020, eq. 3',
  needsGradients: false,
  classSpecific: true,
  weights: ({ activations, scoreActivations, tf }) => {
    const [count, height, width, channels] = activations.shape;
    const values = activations.dataSync() as Float32Array;
    let lowest = 0;
    for (const v of values) lowest = Math.min(lowest, v);
    const ablated = lowest < 0 ? ABLATION_LOW_VALUE : 0;
    const all = Array.from({ length: count }, (_, i) => i);
    const original = scoreActivations(activations, all);
    const positions = height * width;
    const perImage = positions * channels;
    const drops: tf.Tensor1D[] = [];
    // The variants are built in JavaScript: copies of one image's activations with one channel
    // overwritten. As tensor ops (tile, then a broadcast multiply) this took ~90% of the time on
    // wasm (BENCHMARKS.md, "CAM methods").
    for (let image = 0; image < count; image++) {
      const source = values.subarray(image * perImage, (image + 1) * perImage);
      for (let start = 0; start < channels; start += VARIANTS_PER_PASS) {
        const size = Math.min(VARIANTS_PER_PASS, channels - start);
        const variants = new Float32Array(size * perImage);
        for (let v = 0; v < size; v++) {
          const offset = v * perImage;
          variants.set(source, offset);
          for (let p = 0; p < positions; p++) variants[offset + p * channels + start + v] = ablated;
        }
        drops.push(
          tf.tidy(() =>
            scoreActivations(tf.tensor4d(variants, [size, height, width, channels]), new Array<number>(size).fill(image)),
          ),
        );
      }
    }
    const scores = tf.reshape(tf.concat(drops), [count, channels]);
    const y = tf.reshape(original, [count, 1]);
    const drop = tf.sub(y, scores);
    const weights = tf.where(tf.equal(tf.broadcastTo(y, [count, channels]), 0), drop, tf.div(drop, y));
    return tf.reshape(weights, [count, 1, 1, channels]) as tf.Tensor4D;
  },
};
