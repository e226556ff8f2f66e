import type { EvaluationMetric, MetricInputs } from './metric.js';

export interface ConfidenceScores {
  /** Average drop %, eq. 22 of arXiv:1710.11063: mean of max(0, Y − O) / Y × 100; lower is better. */
  averageDrop: number;
  /** Increase in confidence %, eq. 23: the percentage of images with O > Y; higher is better. */
  increaseInConfidence: number;
}

/**
 * Y and O of Chattopadhay et al. ("Grad-CAM++", WACV 2018, eq. 22-23 in
 * arXiv:1710.11063) from the class probabilities of the images (Y) and of
 * the images masked by their upsampled maps, X ⊙ M in the model's input space (O).
 */
export function confidenceChange(original: ArrayLike<number>, masked: ArrayLike<number>): ConfidenceScores {
  const n = original.length;
  let drop = 0;
  let increased = 0;
  for (let i = 0; i < n; i++) {
    const y = original[i]!;
    const o = masked[i]!;
    if (y > 0) drop += Math.max(0, y - o) / y;
    if (o > y) increased++;
  }
  return { averageDrop: n === 0 ? NaN : (drop / n) * 100, increaseInConfidence: n === 0 ? NaN : (increased / n) * 100 };
}

/** Each image multiplied, channel by channel, by its map: X ⊙ M, [N, H, W, C]. */
export function maskedByMaps(inputs: Pick<MetricInputs, 'count' | 'height' | 'width' | 'channels' | 'images' | 'maps'>): Float32Array {
  const { images, maps, channels } = inputs;
  const masked = new Float32Array(images.length);
  for (let v = 0; v < images.length; v++) masked[v] = images[v]! * maps[Math.floor(v / channels)]!;
  return masked;
}

/** Average drop and increase in confidence (Chattopadhay et al. 2018, eq. 22-23 in arXiv:1710.11063). */
export const confidence: EvaluationMetric<ConfidenceScores> = {
  title: 'Average drop / increase in confidence',
  reference: 'Chattopadhay et al., WACV 2018, eq. 22-23 in arXiv:1710.11063',
  run: (inputs) => {
    const masked = inputs.score(maskedByMaps(inputs), Array.from({ length: inputs.count }, (_, i) => i));
    inputs.onImages?.(inputs.count);
    return confidenceChange(inputs.original, masked);
  },
};
