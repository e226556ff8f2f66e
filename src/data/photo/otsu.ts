/**
 * Otsu's threshold (N. Otsu, "A threshold selection method from gray-level
 * histograms", IEEE Trans. SMC 9(1), 1979): the level that maximises the
 * between-class variance σ_B²(t) = ω₀(t)·ω₁(t)·(μ₀(t) − μ₁(t))² of a
 * 256-bin histogram (eq. 18 of the paper, in its ω/μ form).
 */

/** Histogram bins of `otsuThreshold`. */
export const OTSU_BINS = 256;

/**
 * @param values levels in [0, `top`] (values outside are clamped into the first/last bin).
 * @param top the level of the last bin's upper edge; must be > 0.
 * @returns the threshold t in [0, top]: values > t form the upper class. 0 when all values fall in one bin.
 */
export function otsuThreshold(values: Float32Array, top: number): number {
  const histogram = new Float64Array(OTSU_BINS);
  const scale = OTSU_BINS / top;
  for (let i = 0; i < values.length; i++) {
    const bin = Math.min(OTSU_BINS - 1, Math.max(0, Math.floor(values[i]! * scale)));
    histogram[bin]! += 1;
  }
  let total = 0;
  let totalMoment = 0;
  for (let b = 0; b < OTSU_BINS; b++) {
    total += histogram[b]!;
    totalMoment += b * histogram[b]!;
  }
  let weightBelow = 0;
  let momentBelow = 0;
  let bestVariance = -1;
  let bestBin = 0;
  for (let b = 0; b < OTSU_BINS - 1; b++) {
    weightBelow += histogram[b]!;
    momentBelow += b * histogram[b]!;
    const weightAbove = total - weightBelow;
    if (weightBelow === 0 || weightAbove === 0) continue;
    const meanBelow = momentBelow / weightBelow;
    const meanAbove = (totalMoment - momentBelow) / weightAbove;
    const variance = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      bestBin = b;
    }
  }
  // The threshold is the upper edge of the last bin of the lower class.
  return bestVariance < 0 ? 0 : (bestBin + 1) / scale;
}
