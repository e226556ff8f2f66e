/**
 * Structural similarity (Wang, Bovik, Sheikh, Simoncelli, "Image Quality
 * Assessment: From Error Visibility to Structural Similarity", IEEE TIP 2004),
 * eq. 13 with the paper's constants: an 11×11 Gaussian window of σ = 1.5
 * (normalised to sum 1), K1 = 0.01, K2 = 0.03, C1 = (K1·L)², C2 = (K2·L)²,
 * L the dynamic range (1 for maps in [0, 1]); the mean over every window
 * that fits inside the image (eq. 17, "MSSIM"; no padding). Images smaller
 * than the window use a window of their smaller side (odd), σ kept.
 */
export const SSIM_CONSTANTS = { window: 11, sigma: 1.5, k1: 0.01, k2: 0.03 } as const;

/** The normalised Gaussian window, side × side. */
function gaussianWindow(side: number, sigma: number): Float64Array {
  const r = (side - 1) / 2;
  const w = new Float64Array(side * side);
  let total = 0;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const v = Math.exp(-((y - r) ** 2 + (x - r) ** 2) / (2 * sigma * sigma));
      w[y * side + x] = v;
      total += v;
    }
  for (let i = 0; i < w.length; i++) w[i]! /= total;
  return w;
}

/**
 * Mean SSIM of two H×W images.
 * @param range L, the dynamic range of the values (default 1).
 */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, height: number, width: number, range = 1): number {
  if (a.length !== height * width || b.length !== height * width) throw new Error(`ssim: expected ${height}×${width} values`);
  let side = Math.min(SSIM_CONSTANTS.window, height, width);
  if (side % 2 === 0) side--;
  const w = gaussianWindow(side, SSIM_CONSTANTS.sigma);
  const c1 = (SSIM_CONSTANTS.k1 * range) ** 2;
  const c2 = (SSIM_CONSTANTS.k2 * range) ** 2;
  let total = 0;
  let windows = 0;
  for (let top = 0; top + side <= height; top++)
    for (let left = 0; left + side <= width; left++) {
      let ma = 0;
      let mb = 0;
      let aa = 0;
      let bb = 0;
      let ab = 0;
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const weight = w[y * side + x]!;
          const p = (top + y) * width + left + x;
          const va = a[p]!;
          const vb = b[p]!;
          ma += weight * va;
          mb += weight * vb;
          aa += weight * va * va;
          bb += weight * vb * vb;
          ab += weight * va * vb;
        }
      const varA = aa - ma * ma;
      const varB = bb - mb * mb;
      const cov = ab - ma * mb;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (varA + varB + c2));
      windows++;
    }
  return total / windows;
}
