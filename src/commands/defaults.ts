/**
 * Command defaults that the CLI shows in its help and the commands apply, in
 * one place. A light module (no TensorFlow.js): `gradcam --help` reads it.
 * The explain defaults live with what they configure: RENDER_DEFAULTS
 * (render/render-style.ts), DEFAULT_CAM_METHOD (cam/cam-methods.ts),
 * DEFAULT_SCORE_KIND (cam/score-kinds.ts), DEFAULT_TOP_K (model/ranking.ts).
 */

/** `gradcam train`: the Keras tutorial's settings. */
export const TRAIN_DEFAULTS = {
  epochs: 3,
  batchSize: 32,
  validationSplit: 0.1,
  learningRate: 0.001,
  output: 'gradcam-model',
} as const;

/** `gradcam explain`: the batch output directory when several inputs are given without --out-dir. */
export const DEFAULT_OUT_DIR = 'gradcam-out';

/**
 * Options merged over defaults, ignoring options that are `undefined` (an
 * absent CLI flag arrives as undefined and must not erase the default).
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): D & O {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...given } as D & O;
}
