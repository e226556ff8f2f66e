/**
 * `node build/bench/photos/sheet.js [--out DIR] [--per-kind N] [--seed S] [--sheet FILE] [--only KIND] [--existing]`: writes the
 * corpus and a contact sheet of it (every picture shrunk to a 200 px tile, labelled with its file
 * name), for looking at the corpus by eye.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { generatePhotoCorpus, MANIFEST_FILE, type CorpusManifest } from './corpus.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'build/photo-corpus' },
    'per-kind': { type: 'string', default: '20' },
    seed: { type: 'string', default: '11' },
    sheet: { type: 'string', default: '/tmp/corpus-sheet.png' },
    columns: { type: 'string', default: '12' },
    only: { type: 'string' },
    existing: { type: 'boolean', default: false },
  },
});
const started = performance.now();
// --existing: draw the sheet of a corpus already written (its manifest.json), without regenerating it.
const entries = args.existing
  ? (JSON.parse(await fs.readFile(path.join(args.out, MANIFEST_FILE), 'utf8')) as CorpusManifest).entries
  : await generatePhotoCorpus(args.out, { seed: Number(args.seed), perKind: Number(args['per-kind']) });
console.log(`${entries.length} pictures in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const shown = entries.filter((e) => args.only === undefined || e.kind === args.only || e.file.includes(args.only));
const tile = 200;
const columns = Number(args.columns);
const rows = Math.ceil(shown.length / columns);
const tiles = await Promise.all(
  shown.map(async (entry, i) => {
    const picture = await sharp(path.join(args.out, entry.file)).autoOrient().flatten({ background: '#ff00ff' }).resize(tile, tile - 16, { fit: 'contain', background: '#808080' }).png().toBuffer();
    const label = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${tile}" height="16"><rect width="100%" height="100%" fill="white"/><text x="2" y="12" font-size="11" font-family="DejaVu Sans">${entry.file}</text></svg>`);
    return [
      { input: picture, left: (i % columns) * tile, top: Math.floor(i / columns) * tile },
      { input: label, left: (i % columns) * tile, top: Math.floor(i / columns) * tile + tile - 16 },
    ];
  }),
);
await sharp({ create: { width: columns * tile, height: rows * tile, channels: 3, background: '#404040' } }).composite(tiles.flat()).png().toFile(args.sheet);
console.log(`contact sheet: ${args.sheet}`);
