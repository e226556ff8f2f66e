/**
 * Exact Euclidean distance transform of a binary mask, after Felzenszwalb &
 * Huttenlocher, "Distance Transforms of Sampled Functions", Theory of
 * Computing 8 (2012), §2.1: the 1-D transform is the lower envelope of the
 * parabolas (x − q)² + f(q), computed in linear time, and the 2-D transform is
 * the 1-D one along columns and then along rows.
 */

/** "Infinitely" far, yet small enough that FAR + q² still resolves q² (so parabolas order correctly). */
const FAR = 1e12;

/**
 * One 1-D squared distance transform, in place: d[i] = min_q (i − q)² + f[q]
 * over the `n` values f[offset + k·stride] (F&H 2012, algorithm DT(f)).
 */
function transformLine(f: Float64Array, offset: number, stride: number, n: number, scratch: { v: Int32Array; z: Float64Array; d: Float64Array }): void {
  const { v, z, d } = scratch;
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    const fq = f[offset + q * stride]! + q * q;
    let p = v[k]!;
    // Where parabola q starts to lie below the envelope's last one; z[0] = −∞ stops the loop.
    let s = (fq - (f[offset + p * stride]! + p * p)) / (2 * (q - p));
    while (s <= z[k]!) {
      k--;
      p = v[k]!;
      s = (fq - (f[offset + p * stride]! + p * p)) / (2 * (q - p));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    d[q] = (q - p) * (q - p) + f[offset + p * stride]!;
  }
  for (let q = 0; q < n; q++) f[offset + q * stride] = d[q]!;
}

/**
 * Euclidean distance from each set pixel's centre to the centre of the nearest
 * unset pixel; pixels outside the image count as unset, so a stroke touching
 * the edge ends there.
 * @param mask `width * height` values, 1 for set pixels, row-major.
 * @returns `width * height` distances (0 on unset pixels).
 */
export function distanceToUnset(mask: Uint8Array, width: number, height: number): Float32Array {
  // One pixel of unset margin on every side stands for the outside.
  const pw = width + 2;
  const ph = height + 2;
  const f = new Float64Array(pw * ph);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (mask[y * width + x] === 1) f[(y + 1) * pw + x + 1] = FAR;
  }
  const longest = Math.max(pw, ph);
  const scratch = { v: new Int32Array(longest), z: new Float64Array(longest + 1), d: new Float64Array(longest) };
  for (let x = 0; x < pw; x++) transformLine(f, x, pw, ph, scratch);
  for (let y = 0; y < ph; y++) transformLine(f, y * pw, 1, pw, scratch);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = Math.sqrt(f[(y + 1) * pw + x + 1]!);
  }
  return out;
}
