/**
 * Measures the stroke widths of MNIST's training digits the way the photo
 * preprocessing measures a picture's (src/data/photo/stroke-width.ts): each
 * digit cropped to its ink (≥ CROP_LEVEL), brought to the working size,
 * thresholded, and the median width of its medial axis taken as a fraction of
 * its long side. Prints the distribution the constants MNIST_STROKE_WIDTH and
 * HEAVY_STROKE_WIDTH come from.
 *
 *   npm run build:test && node scripts/mnist-stroke-width.mjs [--split train|test]
 */
import { parseArgs } from 'node:util';
import { loadMnistSplit } from '../build/src/data/mnist.js';
import { CROP_LEVEL } from '../build/src/data/photo/find-digit.js';
import { atWorkingSize, HEAVY_STROKE_WIDTH, medianStrokeWidth } from '../build/src/data/photo/stroke-width.js';

const { values } = parseArgs({ options: { split: { type: 'string', default: 'train' } } });
const split = await loadMnistSplit(values.split);
const side = split.rows;
const widths = [];
for (let n = 0; n < split.count; n++) {
  const image = split.images.subarray(n * side * side, (n + 1) * side * side);
  let x0 = side, y0 = side, x1 = -1, y1 = -1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (image[y * side + x] / 255 < CROP_LEVEL) continue;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) continue;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const crop = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) crop[y * w + x] = image[(y + y0) * side + x + x0] / 255;
  const work = atWorkingSize(crop, w, h);
  widths.push(medianStrokeWidth(work.mask, work.width, work.height) / Math.max(work.width, work.height));
}
widths.sort((a, b) => a - b);
const at = (q) => widths[Math.min(widths.length - 1, Math.floor(q * widths.length))].toFixed(3);
console.log(`MNIST ${values.split}: ${widths.length} digits; stroke width / long side:`);
console.log(`  p5 ${at(0.05)}  p25 ${at(0.25)}  median ${at(0.5)}  p75 ${at(0.75)}  p95 ${at(0.95)}  p99 ${at(0.99)}`);
const heavier = widths.filter((w) => w > HEAVY_STROKE_WIDTH).length;
console.log(`  wider than HEAVY_STROKE_WIDTH (${HEAVY_STROKE_WIDTH}): ${heavier} (${((100 * heavier) / widths.length).toFixed(1)}%)`);
