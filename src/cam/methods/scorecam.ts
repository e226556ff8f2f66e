import type tf = require('@tensorflow/tfjs-core');
import type { CamMethod } from '../cam-method.js';

/** Masked inputs per forward pass, at most: large passes keep the engine's fixed per-call cost small. */
const MASKS_PER_PASS = 1024;
/** Values of masked input per forward pass, at most (16 MB of float32): bounds memory for large inputs. */
const MASKED_VALUES_PER_PASS = 2 ** 22;

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
 * Cost: C forward passes per image (64 for the tutorial's conv2), batched
 * across images: one pass scores the masks of several images (issue 10,
 * "Score-CAM and Ablation-CAM batch their per-channel passes").
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
    const perPass = Math.max(1, Math.min(MASKS_PER_PASS, Math.floor(MASKED_VALUES_PER_PASS / (height * width * inputChannels))));
    // Either several whole images per pass, or one image's channels in slices.
    const imagesPerPass = Math.max(1, Math.floor(perPass / channels));
    const channelsPerPass = Math.min(channels, perPass);
    const rows: tf.Tensor2D[] = [];
    try {
      for (let first = 0; first < count; first += imagesPerPass) {
        const n = Math.min(imagesPerPass, count - first);
        const imageOf = Array.from({ length: n * channelsPerPass }, (_, r) => first + Math.floor(r / channelsPerPass));
        const slices: tf.Tensor2D[] = [];
        try {
          for (let start = 0; start < channels; start += channelsPerPass) {
            const k = Math.min(channelsPerPass, channels - start);
            slices.push(
              tf.tidy(() => {
                // [n, h, w, k] → [n, H, W, k] → min-max per image and channel → [n, k, H, W, 1]
                const part = tf.slice(activations, [first, 0, 0, start], [n, -1, -1, k]);
                const up = tf.image.resizeBilinear(part, [height, width], false, true);
                const low = tf.min(up, [1, 2], true);
                const range = tf.sub(tf.max(up, [1, 2], true), low);
                const scaled = tf.div(tf.sub(up, low), tf.where(tf.greater(range, 0), range, tf.onesLike(range)));
                const masks = tf.expandDims(tf.transpose(scaled, [0, 3, 1, 2]), -1);
                const pictures = tf.reshape(tf.slice(images, [first, 0, 0, 0], [n, -1, -1, -1]), [n, 1, height, width, inputChannels]);
                const masked = tf.reshape(tf.mul(pictures, masks), [n * k, height, width, inputChannels]) as tf.Tensor4D;
                return tf.reshape(scoreInputs(masked, k === channelsPerPass ? imageOf : imageOf.slice(0, n * k)), [n, k]);
              }),
            );
          }
          rows.push(slices.length === 1 ? slices.pop()! : (tf.concat(slices, 1) as tf.Tensor2D));
        } finally {
          tf.dispose(slices);
        }
      }
      const perChannel = rows.length === 1 ? rows[0]! : tf.concat(rows, 0);
      return tf.reshape(tf.softmax(perChannel), [count, 1, 1, channels]) as tf.Tensor4D;
    } finally {
      tf.dispose(rows);
    }
  },
};
