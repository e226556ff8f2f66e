/** Multi-frame image fixtures (issue 12, item 13): animated GIF and WebP, multi-page TIFF. */
import sharp = require('sharp');
import { readMnistRecords } from '../../src/data/mnist.js';

/**
 * A 28×28 animation of the MNIST test digits 0..frames-1 (7, 2, 1, …), one
 * per frame, encoded by sharp from a vertical strip of frames.
 */
export async function animatedDigits(format: 'gif' | 'webp' | 'tiff', frames = 3): Promise<Buffer> {
  const records = await readMnistRecords('test', Array.from({ length: frames }, (_, i) => i));
  const strip = sharp(Buffer.from(records.images), { raw: { width: 28, height: 28 * frames, channels: 1, pageHeight: 28 } });
  return strip.toFormat(format).toBuffer();
}
