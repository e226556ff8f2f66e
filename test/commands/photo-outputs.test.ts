/** predict and explain on photos: the preprocessing report, the honesty notes and the figure with the user's picture (issue 11). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import { predict, type Prediction } from '../../src/commands/predict.js';
import { SEVERAL_DIGITS_NOTE } from '../../src/data/preprocessing-report.js';
import { CROP_BOX_COLOUR } from '../../src/render/picture-tile.js';
import { BAR, barPng, twoBarsPng, unsureXPng } from '../helpers/photo-pictures.js';
import { runCli } from '../helpers/run-cli.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

function success(p: Prediction | { error: string } | undefined): Prediction {
  assert.ok(p !== undefined && !('error' in p), JSON.stringify(p));
  return p;
}

describe('photo outputs (issue 11)', { concurrency: false }, () => {
  const tmpDir = temporaryDirectory('gradcam-photo-outputs-', async (dir) => {
    await fs.writeFile(path.join(dir, 'bar.png'), await barPng());
    await fs.writeFile(path.join(dir, 'two.png'), await twoBarsPng());
    await fs.writeFile(path.join(dir, 'unsure.png'), await unsureXPng());
  });

  it('predict: the report for image files, none for MNIST records; notes for two digits and an unsure call', async () => {
    const result = await predict({ images: ['bar.png', 'two.png', 'unsure.png'], mnistIndex: '0', cwd: tmpDir(), backend: 'cpu' });
    const [bar, two, unsure, mnist] = result.predictions.map(success);
    assert.deepEqual(bar!.preprocessing?.cropBox, BAR.box);
    assert.equal(bar!.notes, undefined, 'a confident single bar has no notes');
    assert.deepEqual(two!.notes, [SEVERAL_DIGITS_NOTE]);
    // The premise first: the bundled model is unsure of this X.
    assert.ok(unsure!.probability < 0.5, `probability ${unsure!.probability}`);
    assert.deepEqual(unsure!.notes, [`low confidence (${Math.floor(unsure!.probability * 100)}%)`]);
    assert.equal(mnist!.preprocessing, undefined);
    assert.ok(mnist!.probability >= 0.5 && mnist!.notes === undefined);
  });

  it('CLI predict: --json carries preprocessing and notes, the text line the notes', async () => {
    const json = await runCli(['predict', 'bar.png', 'unsure.png', '--json', '--backend', 'cpu'], tmpDir());
    assert.equal(json.code, 0, json.stderr);
    const [bar, unsure] = JSON.parse(json.stdout).predictions;
    const { strokeWidth, ...barPreprocessing } = bar.preprocessing;
    assert.deepEqual(barPreprocessing, { rotation: 1, inverted: true, cropBox: BAR.box, removed: { specks: 0, lines: 0, border: 0, frames: 0 }, digitParts: 1, thinned: true, usedAsIs: false });
    assert.equal(typeof strokeWidth, 'number');
    assert.match(unsure.notes[0], /^low confidence \(\d+%\)$/);
    const text = await runCli(['predict', 'unsure.png', 'two.png', '--backend', 'cpu'], tmpDir());
    assert.match(text.stdout, /unsure\.png .*\(low confidence \(\d+%\)\)/);
    assert.match(text.stdout, /two\.png .*\(several digits\? gradcam classifies one\)/);
  });

  it('CLI explain: the figure has the user\'s picture with the crop box; --json has preprocessing', async () => {
    const run = await runCli(['explain', 'bar.png', '-o', 'bar-fig.png', '--json', '--backend', 'cpu'], tmpDir());
    assert.equal(run.code, 0, run.stderr);
    const { explanation } = JSON.parse(run.stdout);
    assert.deepEqual(explanation.preprocessing.cropBox, BAR.box);
    const mnist = await runCli(['explain', '--mnist-index', '0', '-o', 'mnist-fig.png', '--backend', 'cpu'], tmpDir());
    assert.equal(mnist.code, 0, mnist.stderr);
    const figure = await sharp(path.join(tmpDir(), 'bar-fig.png')).raw().toBuffer({ resolveWithObject: true });
    const plain = await sharp(path.join(tmpDir(), 'mnist-fig.png')).metadata();
    // The 200×100 picture at the 280-px tile height is 560 px wide: a column the MNIST figure does not have.
    assert.ok(figure.info.width >= plain.width! + 560, `${figure.info.width} vs ${plain.width}`);
    assert.equal(figure.info.height, plain.height);
    // Magenta pixels: exactly the crop box's outline, scaled by 280/100 = 2.8.
    const { data, info } = figure;
    const magenta: [number, number][] = [];
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const o = info.channels * (y * info.width + x);
        if (data[o] === CROP_BOX_COLOUR[0] && data[o + 1] === CROP_BOX_COLOUR[1] && data[o + 2] === CROP_BOX_COLOUR[2]) magenta.push([x, y]);
      }
    }
    const xs = magenta.map(([x]) => x);
    const ys = magenta.map(([, y]) => y);
    const width = Math.max(...xs) - Math.min(...xs) + 1;
    const height = Math.max(...ys) - Math.min(...ys) + 1;
    assert.deepEqual([width, height], [Math.round(70 * 2.8) - Math.round(50 * 2.8), Math.round(80 * 2.8) - Math.round(20 * 2.8)]);
    // A 2-px outline: 2·2·(w + h) − 16 pixels.
    assert.equal(magenta.length, 4 * (width + height) - 16);
  });

  it('CLI explain --method all: the picture, fitted to one tile, with its crop box', async () => {
    const run = await runCli(['explain', 'bar.png', '--method', 'all', '-o', 'bar-all.png', '--backend', 'cpu'], tmpDir());
    assert.equal(run.code, 0, run.stderr);
    const { data, info } = await sharp(path.join(tmpDir(), 'bar-all.png')).raw().toBuffer({ resolveWithObject: true });
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        const o = info.channels * (y * info.width + x);
        if (data[o] === CROP_BOX_COLOUR[0] && data[o + 1] === CROP_BOX_COLOUR[1] && data[o + 2] === CROP_BOX_COLOUR[2]) [xs.push(x), ys.push(y)];
      }
    }
    // 200×100 in a 280-px tile: 280×140, 1.4 tile pixels a picture pixel.
    assert.deepEqual([Math.max(...xs) - Math.min(...xs) + 1, Math.max(...ys) - Math.min(...ys) + 1], [98 - 70, 112 - 28]);
  });

  it('batch explain: manifest records carry preprocessing and notes, MNIST records neither', async () => {
    const run = await runCli(['explain', 'bar.png', 'two.png', 'unsure.png', '--mnist-index', '0', '--out-dir', 'batch', '--figures', '--backend', 'cpu'], tmpDir());
    assert.equal(run.code, 0, run.stderr);
    const records = (await fs.readFile(path.join(tmpDir(), 'batch', 'manifest.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const bySource = new Map(records.map((r) => [r.source, r]));
    assert.deepEqual(bySource.get('bar.png').preprocessing.cropBox, BAR.box);
    assert.deepEqual(bySource.get('two.png').notes, [SEVERAL_DIGITS_NOTE]);
    assert.ok(bySource.get('unsure.png').probability < 0.5);
    assert.match(bySource.get('unsure.png').notes[0], /^low confidence/);
    const mnist = bySource.get('mnist:test/0');
    assert.equal(mnist.preprocessing, undefined);
    assert.equal(mnist.notes, undefined);
  });
});
