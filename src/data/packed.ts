/**
 * Concatenates equally long arrays into one `arrays.length × size` array: the
 * unit in which images and maps cross to worker threads (one transfer instead
 * of one per image).
 */
export function packed(arrays: readonly Float32Array[], size: number): Float32Array {
  const out = new Float32Array(arrays.length * size);
  arrays.forEach((array, i) => out.set(array, i * size));
  return out;
}
