/**
 * ∂score/∂z for each image's class c, as an [N, K] float32 array:
 * - logit score: the one-hot row e_c;
 * - probability score: ∂p_c/∂z_k = p_c (δ_ck − p_k), computed in float64 with
 *   1 − p_c taken as Σ_{k≠c} p_k. Autodiff through tfjs's softmax forms
 *   p_c − p_c² in float32, which cancels catastrophically for a confident
 *   prediction (p_c = 0.999997 leaves 1 − p_c with ~2% error), and the maps of
 *   two backends then differ by several percent; this form is exact to
 *   float32 rounding of the small terms. Softmax is shift-invariant, so logits
 *   known only up to a constant (log-probabilities) give the same result.
 *
 * @param probabilityScore true to differentiate the softmax probability, false for the logit.
 * @param logits [N, K] float32 logits z.
 */
export function scoreGradientOnLogits(
  probabilityScore: boolean,
  logits: Float32Array,
  classes: readonly number[],
  classCount: number,
): Float32Array {
  const upstream = new Float32Array(classes.length * classCount);
  classes.forEach((c, i) => {
    const row = i * classCount;
    if (!probabilityScore) {
      upstream[row + c] = 1;
      return;
    }
    let peak = -Infinity;
    for (let k = 0; k < classCount; k++) peak = Math.max(peak, logits[row + k]!);
    const exp = Array.from({ length: classCount }, (_, k) => Math.exp(logits[row + k]! - peak));
    const total = exp.reduce((a, b) => a + b, 0);
    const p = exp.map((e) => e / total);
    let rest = 0;
    for (let k = 0; k < classCount; k++) {
      if (k === c) continue;
      rest += p[k]!;
      upstream[row + k] = -p[c]! * p[k]!;
    }
    upstream[row + c] = p[c]! * rest;
  });
  return upstream;
}
