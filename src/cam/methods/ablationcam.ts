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
    const ablated = tf.min(activations).dataSync()[0]! < 0 ? ABLATION_LOW_VALUE : 0;
    const all = Array.from({ length: count }, (_, i) => i);
    const original = scoreActivations(activations, all);
    const drops: tf.Tensor1D[] = [];
    for (let image = 0; image < count; image++) {
      for (let start = 0; start < channels; start += VARIANTS_PER_PASS) {
        const size = Math.min(VARIANTS_PER_PASS, channels - start);
        drops.push(
          tf.tidy(() => {
            const one = tf.slice(activations, [image, 0, 0, 0], [1, -1, -1, -1]);
            // keep[v, k] = 0 for k = start + v: variant v ablates one channel.
            const which = tf.range(start, start + size, 1, 'int32');
            const ablate = tf.reshape(tf.oneHot(which, channels), [size, 1, 1, channels]);
            const kept = tf.mul(tf.tile(one, [size, 1, 1, 1]), tf.sub(1, ablate));
            const variants = tf.add(kept, tf.mul(ablate, ablated)) as tf.Tensor4D;
            return scoreActivations(variants, new Array<number>(size).fill(image));
          }),
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
