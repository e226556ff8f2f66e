/**
 * The README's "Photos and scans" picture: for a few hard corpus pictures, the
 * picture, the 28×28 input an older preprocessing made of it and the one
 * today's makes, with both predictions. The older preprocessing is loaded
 * from another checkout's build (the README names the commit):
 *
 *   node build/bench/photos/before-after.js --before /path/to/old/build/src/data/image.js \
 *     --out docs/images/photos-before-after.png build/photo-corpus/2_scan-border_002.jpg …
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadDigitImage, loadModel, bundledModelDir, initBackend, predictProbabilities, argMax, type DigitImage } from '../../src/index.js';
import { loadSharp } from '../../src/data/image.js';

const { values: args, positionals } = parseArgs({
  options: { before: { type: 'string' }, out: { type: 'string', default: 'photos-before-after.png' } },
  allowPositionals: true,
});
const TILE = 168;
const LABEL = 30;

async function inputTile(pixels: Float32Array, caption: string): Promise<Buffer> {
  const sharp = loadSharp();
  const grey = Buffer.from(pixels.map((v) => Math.round(255 * Math.min(1, Math.max(0, v)))));
  const tile = await sharp(grey, { raw: { width: 28, height: 28, channels: 1 } }).resize(TILE, TILE, { kernel: 'nearest' }).png().toBuffer();
  return captioned(tile, caption);
}

async function captioned(tile: Buffer, caption: string): Promise<Buffer> {
  const sharp = loadSharp();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${LABEL}"><rect width="100%" height="100%" fill="white"/><text x="50%" y="20" font-family="DejaVu Sans" font-size="14" text-anchor="middle">${caption}</text></svg>`;
  return sharp({ create: { width: TILE, height: TILE + LABEL, channels: 3, background: '#fff' } })
    .composite([{ input: tile, top: 0, left: 0 }, { input: Buffer.from(svg), top: TILE, left: 0 }])
    .png()
    .toBuffer();
}

async function main(): Promise<void> {
  if (!args.before || positionals.length === 0) throw new Error('usage: before-after.js --before OLD_IMAGE_JS [--out PNG] PICTURE…');
  const old = (await import(pathToFileURL(path.resolve(args.before)).href)) as { loadDigitImage: (p: string) => Promise<DigitImage> };
  await initBackend('auto');
  const { model } = await loadModel(bundledModelDir());
  const classify = (pixels: Float32Array) => {
    const { values } = predictProbabilities(model, [pixels], { height: 28, width: 28, channels: 1 });
    const best = argMax(values);
    return `${best} (${Math.round(100 * values[best]!)}%)`;
  };
  const sharp = loadSharp();
  const rows: Buffer[] = [];
  for (const file of positionals) {
    const picture = await sharp(file).autoOrient().resize(TILE, TILE, { fit: 'contain', background: '#fff' }).png().toBuffer();
    const before = await old.loadDigitImage(file);
    const after = await loadDigitImage(file);
    const tiles = [
      await captioned(picture, `${path.basename(file).split('_')[0]}: ${path.basename(file).split('_')[1]}`),
      await inputTile(before.pixels, `before: ${classify(before.pixels)}`),
      await inputTile(after.pixels, `now: ${classify(after.pixels)}`),
    ];
    rows.push(
      await sharp({ create: { width: 3 * TILE + 20, height: TILE + LABEL, channels: 3, background: '#fff' } })
        .composite(tiles.map((input, k) => ({ input, top: 0, left: k * (TILE + 10) })))
        .png()
        .toBuffer(),
    );
  }
  await sharp({ create: { width: 3 * TILE + 20, height: rows.length * (TILE + LABEL + 10), channels: 3, background: '#fff' } })
    .composite(rows.map((input, k) => ({ input, top: k * (TILE + LABEL + 10), left: 0 })))
    .png()
    .toFile(args.out);
  model.dispose();
}

await main();
