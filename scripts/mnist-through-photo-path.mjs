/**
 * Checks that the photo preprocessing does not lose what MNIST itself gets
 * right (issue 11: "do not let MNIST get worse"). Each MNIST test digit is
 * upscaled 8× (224×224, bicubic), inverted to dark ink on white paper, encoded
 * as PNG and sent through the photo path (loadDigitImage on the buffer);
 * the bundled model's accuracy on those is printed beside its accuracy on the
 * same digits as they are (the 28×28 fast path).
 *
 *   npm run build:test && node scripts/mnist-through-photo-path.mjs [--count 3000]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { bundledModelDir, initBackend, loadDigitImage, loadModel, predictProbabilities } from '../build/src/index.js';
import { loadMnistSplit } from '../build/src/data/mnist.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '3000' } } });
await initBackend('auto');
const split = await loadMnistSplit('test');
const count = Math.min(split.count, Number(values.count));
const { model } = await loadModel(bundledModelDir());
const shape = { height: 28, width: 28, channels: 1 };
const side = split.rows;
const asIs = [];
const viaPhoto = [];
const refused = [];
const started = performance.now();
for (let n = 0; n < count; n++) {
  const image = split.images.subarray(n * side * side, (n + 1) * side * side);
  asIs.push(Float32Array.from(image, (v) => v / 255));
  const paper = Buffer.from(image, (v) => 255 - v);
  const png = await sharp(paper, { raw: { width: side, height: side, channels: 1 } }).resize(8 * side, 8 * side, { kernel: 'cubic' }).png().toBuffer();
  try {
    viaPhoto.push({ n, pixels: (await loadDigitImage(png, `mnist test #${n}`)).pixels });
  } catch (error) {
    refused.push(`#${n} (label ${split.labels[n]}): ${error.message}`);
  }
}
const seconds = (performance.now() - started) / 1000;
/** The digits (MNIST indices) the model gets right. */
const rightOnes = (images, indices) => {
  const { values: p, classCount } = predictProbabilities(model, images, shape);
  const right = new Set();
  indices.forEach((n, i) => {
    let best = 0;
    for (let k = 1; k < classCount; k++) if (p[i * classCount + k] > p[i * classCount + best]) best = k;
    if (best === split.labels[n]) right.add(n);
  });
  return right;
};
const rightDirect = rightOnes(asIs, asIs.map((_, n) => n));
const rightPhoto = rightOnes(viaPhoto.map((v) => v.pixels), viaPhoto.map((v) => v.n));
const direct = rightDirect.size;
const photo = rightPhoto.size;
const lost = [...rightDirect].filter((n) => !rightPhoto.has(n));
console.log(`MNIST test digits 0..${count - 1}, bundled model:`);
console.log(`  as they are (28×28):            ${direct}/${count} = ${((100 * direct) / count).toFixed(1)}%`);
console.log(`  8× upscaled, dark on white, through the photo path: ${photo}/${count} = ${((100 * photo) / count).toFixed(1)}% (${refused.length} refused; ${seconds.toFixed(1)} s)`);
console.log(`  right as they are, wrong through the photo path: ${lost.length} (${lost.slice(0, 20).map((n) => `#${n}`).join(' ')}${lost.length > 20 ? ' …' : ''})`);
for (const line of refused.slice(0, 10)) console.log(`  refused ${line}`);
