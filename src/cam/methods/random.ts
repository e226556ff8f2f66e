import type { CamMethod } from '../cam-method.js';

/**
 * The random baseline: a map of uniform noise in [0, 1) at the layer's
 * resolution, the same for every class. Image i of a batch draws from seed
 * `ctx.seed + i`, so a run repeats exactly (images at the same position
 * of different batches get the same noise; it is a baseline, not a sample). A method that does not beat
 * it on deletion/insertion (Petsiuk et al., BMVC 2018, §4.1) explains nothing.
 */
export const random: CamMethod = {
  title: 'Random',
  reference: 'baseline: uniform noise (Petsiuk et al., BMVC 2018, §4.1 compare against it)',
  needsGradients: false,
  classSpecific: false,
  weightedActivations: ({ activations, seed, tf }) => {
    const [count, height, width] = activations.shape;
    const maps = Array.from({ length: count }, (_, i) => tf.randomUniform([height, width, 1], 0, 1, 'float32', seed + i));
    return tf.stack(maps) as typeof activations;
  },
};
