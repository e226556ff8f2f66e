import type tf = require('@tensorflow/tfjs-core');
import type { CamMethod } from '../cam-method.js';

/** Masked inputs per forward pass: bounds memory for big models (N·C inputs in all). */
const MASKS_PER_PASS = 256;

/**
 * Score-CAM (Wang et al., "Score-CAM: Score-Weighted Visual Explanations for
 * Convolutional Neural Networks", CVPR workshops 2020, eq. 3–5). Each channel
 * A^k is upsampled to the input size (bilinear, half-pixel centres) and
 * min-max normalised to [0, 1] (eq. 5's s(·)); the input masked by it,
 * X ⊙ H^k, is run through the whole model; the weights are the softmax over
 * channels of those class scores (eq. 4 with the softmax of §3.2). No
 * gradients.
 *
 * Where the paper and pytorch-grad-cam differ we follow pytorch-grad-cam:
 * the score is the class score itself (logit by default, as `--score`
 * selects), not its increase over a baseline input; a constant channel gives
 * a zero mask.
 *
 * Cost: C forward passes per image (64 for the tutorial's conv2).
 *
 * @returns weights [N, 1, 1, C] float32.
 */
export const scorecam: CamMethod = {
  title: 'Score-CAM',
  reference: 'Wang et al., CVPRW 2020, eq. 3-5',
  needsGradients: false,
  classSpecific: true,
  weights: ({ activations, images, scoreInputs, tf }) => {
    const [count, , , channels] = activations.shape;
    const [, height, width, inputChannels] = images.shape;
    const scores: tf.Tensor1D[] = [];
    for (let image = 0; image < count; image++) {
      const masks = tf.tidy(() => {
        // [1, h, w, C] → [1, H, W, C] → min-max per channel → [C, H, W, 1]
        const one = tf.slice(activations, [image, 0, 0, 0], [1, -1, -1, -1]);
        const up = tf.image.resizeBilinear(one, [height, width], false, true);
        const low = tf.min(up, [1, 2], true);
        const range = tf.sub(tf.max(up, [1, 2], true), low);
        const scaled = tf.div(tf.sub(up, low), tf.where(tf.greater(range, 0), range, tf.onesLike(range)));
        return tf.transpose(tf.reshape(scaled, [height, width, channels, 1]), [2, 0, 1, 3]) as tf.Tensor4D;
      });
      try {
        for (let start = 0; start < channels; start += MASKS_PER_PASS) {
          const size = Math.min(MASKS_PER_PASS, channels - start);
          scores.push(
            tf.tidy(() => {
              const mask = tf.slice(masks, [start, 0, 0, 0], [size, -1, -1, -1]);
              const picture = tf.slice(images, [image, 0, 0, 0], [1, -1, -1, -1]);
              const masked = tf.mul(tf.tile(picture, [size, 1, 1, 1]), inputChannels === 1 ? mask : tf.tile(mask, [1, 1, 1, inputChannels]));
              return scoreInputs(masked as tf.Tensor4D, new Array<number>(size).fill(image));
            }),
          );
        }
      } finally {
        masks.dispose();
      }
    }
    const perChannel = tf.reshape(tf.concat(scores), [count, channels]);
    return tf.reshape(tf.softmax(perChannel), [count, 1, 1, channels]) as tf.Tensor4D;
  },
};
