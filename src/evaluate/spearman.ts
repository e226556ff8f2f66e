/**
 * Ranks 1..n in increasing order of value; tied values share the mean of the
 * ranks they span (the "fractional" ranking Spearman's ρ needs with ties).
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]!]! === values[order[start]!]!) end++;
    const rank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]!] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: the Pearson correlation of the average ranks
 * (Spearman 1904; with ties this is the standard definition, not the
 * 1 − 6Σd²/(n(n²−1)) shortcut, which holds only without ties). Adebayo et al.
 * (NeurIPS 2018, §3) compare saliency maps by its absolute value.
 *
 * @returns ρ in [−1, 1]; 0 when either input is constant (ρ is undefined
 *   there: a constant map, e.g. an all-zero Grad-CAM of a randomised model,
 *   shares no ranking with anything).
 */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`spearman: lengths differ (${a.length} and ${b.length})`);
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = ra.length;
  const mean = (n + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - mean;
    const db = rb[i]! - mean;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}
