import type { CamMethod } from '../cam-method.js';

/**
 * The centre baseline: a Gaussian centred on the map, σ = a quarter of the
 * map's side on each axis, at the layer's resolution; the same for every
 * image and class. Digits are centred by their preprocessing, so this is the
 * map a method must beat to show it looks at the digit and not at the middle.
 */
export const center: CamMethod = {
  title: 'Centre',
  reference: 'baseline: centred Gaussian, σ = side / 4',
  needsGradients: false,
  classSpecific: false,
  weightedActivations: ({ activations, tf }) => {
    const [count, height, width] = activations.shape;
    const axis = (n: number) => {
      const sigma = n / 4;
      const mid = (n - 1) / 2;
      return Array.from({ length: n }, (_, i) => Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma)));
    };
    const rows = tf.tensor2d(axis(height), [height, 1]);
    const cols = tf.tensor2d(axis(width), [1, width]);
    const map = tf.reshape(tf.mul(rows, cols), [1, height, width, 1]);
    return tf.tile(map, [count, 1, 1, 1]) as typeof activations;
  },
};
