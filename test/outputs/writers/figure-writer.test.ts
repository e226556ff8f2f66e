/** --figures rendered in groups by bytes, not all of a 256-input chunk at once (issue 12, item 9). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import { MAX_TILE_SIDE } from '../../../src/render/render-checks.js';
import { BATCH_SCALE } from '../../../src/render/render-style.js';
import { FIGURE_GROUP_BYTES, figureBytes, groupsByBytes } from '../../../src/outputs/writers/figure-writer.js';
import { runCli } from '../../helpers/run-cli.js';
import { temporaryDirectory } from '../../helpers/temp-dir.js';

const MNIST = { imageHeight: 28, imageWidth: 28 };
const MIB = 1024 * 1024;

describe('figureBytes', () => {
  const cases: [scale: number, bytes: number][] = [
    [1, 2 * 3 * 28 * 28],
    [10, 2 * 3 * 280 * 280],
    [Math.floor(MAX_TILE_SIDE / 28), 2 * 3 * 8176 * 8176],
  ];
  for (const [scale, bytes] of cases) it(`28×28 at scale ${scale}: ${bytes} bytes`, () => assert.equal(figureBytes({ ...MNIST, style: { scale } }), bytes));
});

describe('groupsByBytes', () => {
  const items = Array.from({ length: 10 }, (_, i) => i);
  const cases: { name: string; bytesEach: number; budget: number; sizes: number[] }[] = [
    { name: 'all fit', bytesEach: 1, budget: 100, sizes: [10] },
    { name: 'exactly 5 a group', bytesEach: 20, budget: 100, sizes: [5, 5] },
    { name: '3 a group, the rest last', bytesEach: 30, budget: 100, sizes: [3, 3, 3, 1] },
    { name: 'each over the budget: one a group', bytesEach: 500, budget: 100, sizes: Array<number>(10).fill(1) },
  ];
  for (const { name, bytesEach, budget, sizes } of cases) {
    it(name, () => {
      const groups = groupsByBytes(items, bytesEach, budget);
      assert.deepEqual(groups.map((g) => g.length), sizes);
      assert.deepEqual(groups.flat(), items);
    });
  }

  it('no items, no groups', () => assert.deepEqual(groupsByBytes([], 10, 100), []));

  it('a 256-input chunk: one group at the batch scale, one figure a group at the largest scale', () => {
    const chunk = Array.from({ length: 256 }, (_, i) => i);
    assert.equal(groupsByBytes(chunk, figureBytes({ ...MNIST, style: { scale: BATCH_SCALE } })).length, 1);
    const largest = figureBytes({ ...MNIST, style: { scale: Math.floor(MAX_TILE_SIDE / 28) } });
    assert.ok(largest > FIGURE_GROUP_BYTES);
    assert.equal(groupsByBytes(chunk, largest).length, 256);
    // In between, a group stays within the budget.
    for (const group of groupsByBytes(chunk, figureBytes({ ...MNIST, style: { scale: 100 } }))) {
      assert.ok(group.length * figureBytes({ ...MNIST, style: { scale: 100 } }) <= 256 * MIB);
    }
  });
});

describe('explain --figures at a large scale', { concurrency: false }, () => {
  const tmpDir = temporaryDirectory('gradcam-figures-');

  it('writes every figure when a chunk is rendered in several groups', async () => {
    // Scale 150: 106 MB a figure, two a group, so three inputs are two groups.
    assert.deepEqual(groupsByBytes([0, 1, 2], figureBytes({ ...MNIST, style: { scale: 150 } })).map((g) => g.length), [2, 1]);
    const run = await runCli(['explain', '--mnist-test', '--limit', '3', '--figures', '--scale', '150', '--no-contact-sheet', '--no-report', '--out-dir', 'out'], tmpDir());
    assert.equal(run.code, 0, run.stderr);
    const images = (await fs.readdir(path.join(tmpDir(), 'out', 'images'))).sort();
    assert.deepEqual(images, ['mnist-test-00000.png', 'mnist-test-00001.png', 'mnist-test-00002.png']);
    for (const image of images) {
      const { width } = await sharp(path.join(tmpDir(), 'out', 'images', image)).metadata();
      assert.ok(width !== undefined && width >= 2 * 28 * 150, `${image}: width ${width}`);
    }
  });
});

describe('figureWriter titles and colour bar (issue 13)', () => {
  const directory = temporaryDirectory('gradcam-figure-');
  it('a non-predicted class reads "explaining 3 (p < 0.01%)", and the bar names the scale', async () => {
    {
      const dir = directory();
      const { figureWriter } = await import('../../../src/outputs/writers/figure-writer.js');
      const { renderPanel } = await import('../../../src/render/overlay.js');
      const style = { alpha: 0.4, colormap: 'magma' as const, scale: 2 };
      const layout = { imageHeight: 28, imageWidth: 28, mapHeight: 11, mapWidth: 11, style };
      const image = new Float32Array(28 * 28).fill(0.5);
      const heatmap = Float32Array.from({ length: 121 }, (_, i) => i / 120);
      const entry = {
        index: 0, source: 'mnist:test/0', output: 'f.png', class: 7, className: '7', probability: 0.99, top: [], label: 7, correct: true,
        explainedClass: 3, layer: 'conv2', method: 'gradcam' as const, score: 'logit' as const, rawPeak: 0.01,
        heatmap: { peak: { x: 0, y: 0 }, mean: 0, inkShare: 0 },
      };
      const writer = figureWriter(dir, layout, { methodTitle: 'Grad-CAM', layerName: 'conv2', score: 'logit', normalize: 'batch', className: String, textReady: Promise.resolve() });
      const errors = await writer.pictures!([{ entry, image, heatmap, peak: 0.5, explainedProbability: 0.00003 }]);
      assert.deepEqual(errors, [null]);
      const expected = await renderPanel({
        image, imageHeight: 28, imageWidth: 28, heatmap, heatmapHeight: 11, heatmapWidth: 11, ...style,
        titles: { original: 'Original (label 7)', gradcam: 'Grad-CAM explaining 3 (p < 0.01%), predicted 7' },
        subtitle: 'layer conv2 · score: logit',
        colourBar: { caption: "1 = the run's largest raw peak 0.5 (logit)" },
      });
      assert.ok(Buffer.compare(await fs.readFile(path.join(dir, 'f.png')), expected) === 0, 'the figure with those words, pixel for pixel');
    }
  });
});
