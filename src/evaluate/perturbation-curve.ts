import type { MetricInputs } from './metric.js';
import { copyPixels, importanceOrder, trapezoidArea } from './pixel-order.js';

/**
 * Steps of the deletion and insertion curves: each step removes (or puts
 * back) 1/20 of the pixels, so a curve has 21 points, 0% to 100%
 * (RISE removes 224 pixels a step of 224×224 images, 1/224; 1/20 keeps
 * 1000 images × 2 curves × 2 methods at 76,000 forward passes).
 */
export const CURVE_STEPS = 20;

/** Images whose curves are built and scored together (× 19 inputs each in one scorer call). */
const IMAGES_PER_GROUP = 64;

/** A deletion or insertion curve, averaged over the images. */
export interface PerturbationCurve {
  /** Mean over images of each image's area under its curve (trapezoid rule over the fraction [0, 1]). */
  auc: number;
  /** The mean class probability at each fraction k / CURVE_STEPS, k = 0..CURVE_STEPS. */
  curve: number[];
}

/** Pixels changed after step k of n for P pixels: round(k·P/n). */
export function pixelsAtStep(step: number, steps: number, pixels: number): number {
  return Math.round((step * pixels) / steps);
}

/**
 * The deletion or insertion curve of Petsiuk et al. (RISE, BMVC 2018, §4.1).
 * Deletion starts from the image and sets the most important pixels to the
 * baseline, CURVE_STEPS steps to the full baseline; insertion starts from the
 * baseline and puts the image's pixels back in the same order. The two ends
 * (the image itself and its baseline) are the same for every method, so they
 * come from `inputs.original` and `inputs.baselineScore`; the 19 steps
 * between are scored in chunked forward passes, except steps that change no
 * value (deleting a digit's black background into a black baseline), which
 * repeat the step before's score without a pass: the model sees the same input. Area by the trapezoid rule
 * over the fraction of pixels changed, round(k·P/20)/P.
 */
export function perturbationCurve(inputs: MetricInputs, kind: 'deletion' | 'insertion', steps = CURVE_STEPS): PerturbationCurve {
  const { count, height, width, channels, images, maps, baseline } = inputs;
  const pixels = height * width;
  const size = pixels * channels;
  const fractions = Array.from({ length: steps + 1 }, (_, k) => pixelsAtStep(k, steps, pixels) / pixels);
  const inner = steps - 1;
  const sums = new Float64Array(steps + 1);
  let aucSum = 0;
  const [start, end] = kind === 'deletion' ? [images, baseline] : [baseline, images];
  const [first, last] = kind === 'deletion' ? [inputs.original, inputs.baselineScore] : [inputs.baselineScore, inputs.original];
  for (let g = 0; g < count; g += IMAGES_PER_GROUP) {
    const group = Math.min(IMAGES_PER_GROUP, count - g);
    const rows = new Float32Array(group * inner * size);
    const imageOf: number[] = [];
    // rowOf[i·inner + k − 1]: the scored row of step k of image g + i, or −1 where the step
    // changed no value (its score is the step before's: the model sees the same input).
    const rowOf = new Int32Array(group * inner);
    for (let i = 0; i < group; i++) {
      const image = g + i;
      const order = importanceOrder(maps.subarray(image * pixels, (image + 1) * pixels));
      const current = start.slice(image * size, (image + 1) * size);
      const target = end.subarray(image * size, (image + 1) * size);
      let done = 0;
      for (let k = 1; k < steps; k++) {
        const upTo = pixelsAtStep(k, steps, pixels);
        const changed = copyPixels(current, target, order, done, upTo, channels);
        done = upTo;
        if (!changed) {
          rowOf[i * inner + k - 1] = -1;
          continue;
        }
        rowOf[i * inner + k - 1] = imageOf.length;
        rows.set(current, imageOf.length * size);
        imageOf.push(image);
      }
    }
    const scores = inputs.score(rows.subarray(0, imageOf.length * size), imageOf);
    for (let i = 0; i < group; i++) {
      const image = g + i;
      const curve = [first[image]!];
      for (let k = 1; k < steps; k++) {
        const row = rowOf[i * inner + k - 1]!;
        curve.push(row < 0 ? curve[k - 1]! : scores[row]!);
      }
      curve.push(last[image]!);
      curve.forEach((p, k) => (sums[k]! += p));
      aucSum += trapezoidArea(fractions, curve);
    }
    inputs.onImages?.(group);
  }
  return { auc: count === 0 ? NaN : aucSum / count, curve: Array.from(sums, (s) => (count === 0 ? NaN : s / count)) };
}
