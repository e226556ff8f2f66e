/**
 * How maps of a batch are scaled to [0, 1] before they are coloured
 * (`--normalize`, issue 13). No TensorFlow.js, so the CLI can list the
 * choices without loading it.
 *
 * - `image`: each map divided by its own maximum (the pipeline's rule, and
 *   pytorch-grad-cam's): every map's hottest pixel gets the colormap's top
 *   colour, however weak the evidence.
 * - `batch`: every map divided by one number, the largest raw peak among the
 *   run's explained inputs, so a weak explanation looks weak beside a strong
 *   one. Maps of different runs (or shards) are not on one scale.
 */
export const NORMALIZE_MODES = {
  image: 'each map scaled to its own maximum',
  batch: "one scale for the whole run: every map divided by the run's largest raw peak",
} as const;
export type NormalizeMode = keyof typeof NORMALIZE_MODES;
export const NORMALIZE_MODE_NAMES = Object.keys(NORMALIZE_MODES) as NormalizeMode[];
export const DEFAULT_NORMALIZE_MODE: NormalizeMode = 'image';

/**
 * Unnormalised maps divided by one shared peak, as the pipeline divides each
 * by its own: `v / (peak + epsilon)`, so an all-zero batch stays zeros.
 *
 * @param unnormalised any number of maps, float32 (CamBatch.unnormalised); not modified.
 * @param peak the shared scale, ≥ every value (e.g. the run's largest raw peak).
 * @param epsilon the pipeline's NORMALISATION_EPSILON, so a map whose own peak is the batch's gets the same values under both modes.
 * @returns new Float32Array of the same length, in [0, 1].
 */
export function scaleToPeak(unnormalised: Float32Array, peak: number, epsilon: number): Float32Array {
  const out = new Float32Array(unnormalised.length);
  const divisor = peak + epsilon;
  for (let i = 0; i < unnormalised.length; i++) out[i] = unnormalised[i]! / divisor;
  return out;
}
