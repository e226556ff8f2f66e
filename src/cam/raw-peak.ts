/**
 * The raw peak of a class activation map: its maximum before the pipeline
 * divides it by that maximum (+ epsilon) to get [0, 1] (pipeline.ts). It is
 * what "1" on a colour bar stands for, in the score's units (e.g. logit per
 * unit of activation for Grad-CAM), so two maps that both look fully hot can
 * still be told apart: a "why not 3?" map at p < 0.01% has a far lower peak
 * than the predicted class's (issue 13). With several layers the maps are
 * averaged after each is normalised, so the peak is then a unitless mean.
 *
 * No TensorFlow.js: it reads the batch's `unnormalised` Float32Array.
 */

/**
 * @param unnormalised [N, H, W] float32, row-major (CamBatch.unnormalised).
 * @param count N, the number of maps.
 * @returns N peaks, one per map (0 for an empty or all-zero map: ReLU leaves nothing below 0).
 */
export function rawPeaks(unnormalised: Float32Array, count: number): number[] {
  if (count === 0) return [];
  const size = unnormalised.length / count;
  const peaks: number[] = [];
  for (let n = 0; n < count; n++) {
    let peak = 0;
    for (let i = n * size; i < (n + 1) * size; i++) {
      const v = unnormalised[i]!;
      if (v > peak) peak = v;
    }
    peaks.push(peak);
  }
  return peaks;
}
