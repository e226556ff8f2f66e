/**
 * Pixel indices from the most to the least important by a map: descending
 * value, ties broken by the lower index first, so every run orders the same.
 *
 * @param map H·W importance values.
 * @returns H·W indices into the map.
 */
export function importanceOrder(map: Float32Array): Int32Array {
  const order = Int32Array.from({ length: map.length }, (_, i) => i);
  order.sort((a, b) => map[b]! - map[a]! || a - b);
  return order;
}

/**
 * Copies pixels (all C channels) of `from` into `into` at the given pixel
 * indices: deletion copies the baseline into the image, insertion the image
 * into the baseline.
 *
 * @returns whether any value changed (a step that changes nothing, such as
 *   deleting black background pixels of a digit, need not be scored again).
 */
export function copyPixels(into: Float32Array, from: Float32Array, pixels: ArrayLike<number>, start: number, end: number, channels: number): boolean {
  let changed = false;
  for (let k = start; k < end; k++) {
    const o = pixels[k]! * channels;
    for (let c = 0; c < channels; c++) {
      if (into[o + c] !== from[o + c]) {
        into[o + c] = from[o + c]!;
        changed = true;
      }
    }
  }
  return changed;
}

/**
 * Area under a curve by the trapezoid rule.
 * @param xs increasing abscissae; ys the values at them (same length ≥ 1).
 */
export function trapezoidArea(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  let area = 0;
  for (let i = 1; i < xs.length; i++) area += ((xs[i]! - xs[i - 1]!) * (ys[i]! + ys[i - 1]!)) / 2;
  return area;
}
