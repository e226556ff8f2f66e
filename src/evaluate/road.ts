import { seededRandom } from '../training/random.js';
import { addImputationNoise, gaussian, imputeLinear } from './linear-imputation.js';
import type { EvaluationMetric } from './metric.js';
import { importanceOrder } from './pixel-order.js';

/** Fractions of the pixels ROAD removes: 10%, 20%, …, 90% (Rong et al. 2022, §5). */
export const ROAD_FRACTIONS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const;

/** Images imputed and scored together (× 18 inputs each in one scorer call). */
const IMAGES_PER_GROUP = 32;

export interface RoadScores {
  road: {
    /** Mean class probability after removing the most relevant fraction f (MoRF), one per ROAD_FRACTIONS; lower is better. */
    morf: number[];
    /** The same removing the least relevant first (LeRF); higher is better. */
    lerf: number[];
    morfMean: number;
    lerfMean: number;
  };
}

/**
 * ROAD, RemOve And Debias (Rong et al., "A Consistent and Efficient Evaluation
 * Strategy for Attribution Methods", ICML 2022): remove a fraction of the
 * pixels, most relevant first (MoRF) or least relevant first (LeRF, ties by
 * index as in pixel-order.ts), and fill them by noisy linear imputation
 * (linear-imputation.ts), which leaks much less of the removed pixels' shape
 * than a constant would. The noise of image i draws from seed + i. Each
 * fraction's solve starts from the previous fraction's result (the removed
 * set only grows), which saves iterations, not accuracy.
 */
export const road: EvaluationMetric<RoadScores> = {
  title: 'ROAD',
  reference: 'Rong et al., ICML 2022, §4 (noisy linear imputation, MoRF/LeRF)',
  run: (inputs) => {
    const { count, height, width, channels, images, maps } = inputs;
    const pixels = height * width;
    const size = pixels * channels;
    const f = ROAD_FRACTIONS.length;
    const sums = { morf: new Float64Array(f), lerf: new Float64Array(f) };
    for (let g = 0; g < count; g += IMAGES_PER_GROUP) {
      const group = Math.min(IMAGES_PER_GROUP, count - g);
      const rows = new Float32Array(group * 2 * f * size);
      const imageOf: number[] = [];
      for (let i = 0; i < group; i++) {
        const image = g + i;
        const pixelsOf = images.subarray(image * size, (image + 1) * size);
        const order = importanceOrder(maps.subarray(image * pixels, (image + 1) * pixels));
        const normal = gaussian(seededRandom(inputs.seed + image));
        (['morf', 'lerf'] as const).forEach((which, o) => {
          const removed = new Uint8Array(pixels);
          let done = 0;
          let previous: Float32Array | undefined;
          ROAD_FRACTIONS.forEach((fraction, s) => {
            const upTo = Math.round(fraction * pixels);
            for (let r = done; r < upTo; r++) removed[which === 'morf' ? order[r]! : order[pixels - 1 - r]!] = 1;
            done = upTo;
            const imputed = imputeLinear(pixelsOf, removed, height, width, channels, previous ? { start: previous } : {});
            previous = imputed;
            const noisy = imputed.slice();
            addImputationNoise(noisy, removed, channels, normal);
            rows.set(noisy, ((i * 2 + o) * f + s) * size);
            imageOf.push(image);
          });
        });
      }
      const scores = inputs.score(rows, imageOf);
      for (let i = 0; i < group; i++) {
        for (let s = 0; s < f; s++) {
          sums.morf[s]! += scores[(i * 2) * f + s]!;
          sums.lerf[s]! += scores[(i * 2 + 1) * f + s]!;
        }
      }
      inputs.onImages?.(group);
    }
    const morf = Array.from(sums.morf, (v) => v / count);
    const lerf = Array.from(sums.lerf, (v) => v / count);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    return { road: { morf, lerf, morfMean: mean(morf), lerfMean: mean(lerf) } };
  },
};

