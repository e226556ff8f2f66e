import type { HeatmapStats } from './manifest.js';

/** Pixels of the model's input at or above this grey level (0..1) count as ink (the level photo preprocessing crops at, photo/find-digit.ts CROP_LEVEL). */
export const INK_LEVEL = 0.2;

/**
 * Where a heatmap puts its heat relative to the digit.
 * @param heat height×width normalised map (0..1), already at the image's resolution.
 * @param image height×width grey levels (0..1), white ink on black.
 */
export function heatmapStats(heat: Float32Array, image: Float32Array, width: number): HeatmapStats {
  let peakAt = 0;
  let total = 0;
  let onInk = 0;
  for (let i = 0; i < heat.length; i++) {
    const h = heat[i]!;
    if (h > heat[peakAt]!) peakAt = i;
    total += h;
    if (image[i]! >= INK_LEVEL) onInk += h;
  }
  return {
    peak: { x: peakAt % width, y: Math.floor(peakAt / width) },
    mean: heat.length > 0 ? total / heat.length : 0,
    inkShare: total > 0 ? onInk / total : 0,
  };
}
