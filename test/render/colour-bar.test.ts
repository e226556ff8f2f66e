/** The colour bar (issue 13): gradient endpoints are the colormap's ends, labels are placed, figures carry it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blankCanvas } from '../../src/render/canvas.js';
import { colourBarImage, colourBarLayout, paintColourBar } from '../../src/render/colour-bar.js';
import { COLORMAP_NAMES, applyColormap, colormapLookup } from '../../src/render/colormaps.js';
import { renderComparison } from '../../src/render/comparison-figure.js';
import { renderPanel } from '../../src/render/overlay.js';
import { panelLayout } from '../../src/render/panel-layout.js';
import { GradcamError } from '../../src/errors.js';
import { baseOptions, digit, heatmap11, pixelAt, rawPixels } from '../helpers/render-fixtures.js';

/** Row `row` of a colormap's byte LUT. */
function lutRow(name: (typeof COLORMAP_NAMES)[number], row: number): number[] {
  return Array.from(colormapLookup(name).subarray(row * 3, row * 3 + 3));
}

describe('colourBarImage', () => {
  for (const name of COLORMAP_NAMES) {
    it(`${name}: first column is colormap(0) = LUT row 0, last is colormap(1) = row 255, on every row`, () => {
      const bar = colourBarImage(100, 4, name);
      for (let y = 0; y < 4; y++) {
        assert.deepEqual(pixelAt(bar, 0, y), lutRow(name, 0));
        assert.deepEqual(pixelAt(bar, 99, y), lutRow(name, 255));
      }
    });
  }

  it('column i is the colour of i / (width - 1), so the middle of a 257 px bar is colormap(0.5) = row 128', () => {
    const bar = colourBarImage(257, 1, 'viridis');
    assert.deepEqual(pixelAt(bar, 128, 0), lutRow('viridis', 128));
    assert.deepEqual(pixelAt(bar, 64, 0), Array.from(applyColormap(new Float32Array([0.25]), 'viridis')));
  });

  it('refuses a bar shorter than 2 px (0 and 1 need a column each)', () => {
    assert.throws(() => colourBarImage(1, 5, 'jet'), GradcamError);
    assert.throws(() => colourBarLayout(0, 0, 1, 10), GradcamError);
  });
});

describe('colourBarLayout', () => {
  it('puts the tick labels 0, 0.5, 1 under the bar ends and middle, and the caption below them', () => {
    const layout = colourBarLayout(10, 20, 201, 12, '1 = raw peak 3.27 (logit)');
    assert.deepEqual(layout.bar, { left: 10, top: 20, width: 201, height: layout.bar.height });
    assert.deepEqual(layout.labels.map((l) => l.text), ['0', '0.5', '1', '1 = raw peak 3.27 (logit)']);
    assert.deepEqual(layout.labels.slice(0, 3).map((l) => l.x), [10, 110, 210]);
    assert.deepEqual(layout.ticks.map((t) => t.left), [10, 110, 210]);
    const [zero, , , caption] = layout.labels;
    assert.ok(zero!.y - zero!.fontSize * 0.93 >= 20 + layout.bar.height, 'tick labels sit under the bar');
    assert.ok(caption!.y > zero!.y + 12, 'the caption is under the tick labels');
    assert.ok(20 + layout.height >= caption!.y, 'the band holds the caption');
    assert.ok(colourBarLayout(10, 20, 201, 12).height < layout.height, 'no caption, shorter band');
  });

  it('paints the gradient and tick marks where it laid them out', () => {
    const canvas = blankCanvas(220, 80);
    const layout = colourBarLayout(10, 20, 201, 12);
    paintColourBar(canvas, layout, 'magma');
    assert.deepEqual(pixelAt(canvas, 10, 20), lutRow('magma', 0));
    assert.deepEqual(pixelAt(canvas, 210, 20 + layout.bar.height - 1), lutRow('magma', 255));
    assert.deepEqual(pixelAt(canvas, 9, 20), [255, 255, 255], 'nothing left of the bar');
    assert.deepEqual(pixelAt(canvas, 110, layout.ticks[1]!.top), [0x44, 0x44, 0x44]);
  });
});

describe('the colour bar on the figures', () => {
  const titles = { original: 'Original (label 7)', gradcam: 'Grad-CAM: 7 (99.00%)' };
  for (const scale of [1, 3, 10]) {
    it(`tutorial figure at scale ${scale}: the bar under the heatmap tile runs colormap(0) → colormap(1), the original column untouched`, async () => {
      const options = { ...baseOptions, scale, colormap: 'turbo' as const, titles, subtitle: 'conv2', colourBar: { caption: '1 = raw peak 0.0642 (logit)' } };
      const raw = await rawPixels(await renderPanel(options));
      const layout = panelLayout(28 * scale, 28 * scale, titles, 'conv2', options.colourBar);
      const bar = layout.colourBar!;
      assert.equal(raw.height, layout.height);
      assert.ok(bar.bar.top >= layout.gradcamTile.top + 28 * scale, 'under the tile');
      assert.ok(bar.bar.width >= 28 * scale, 'at least as wide as the tile');
      const y = bar.bar.top + 1;
      assert.deepEqual(pixelAt(raw, bar.bar.left, y), lutRow('turbo', 0));
      assert.deepEqual(pixelAt(raw, bar.bar.left + bar.bar.width - 1, y), lutRow('turbo', 255));
      // The original tile sits where it sits without a bar (a merge with changes to it stays easy).
      assert.deepEqual(layout.originalTile.top, panelLayout(28 * scale, 28 * scale, titles, 'conv2').originalTile.top);
      // Text was drawn under the bar: some dark pixels in the band of tick labels and caption.
      let dark = 0;
      for (let yy = bar.bar.top + bar.bar.height + 1; yy < bar.bar.top + bar.height; yy++) {
        for (let x = bar.bar.left; x < bar.bar.left + bar.bar.width; x++) if (pixelAt(raw, x, yy)[0]! < 128) dark++;
      }
      assert.ok(dark > 10, `tick labels and caption drawn (${dark} dark pixels)`);
    });
  }

  it('a figure without colourBar has none (the band is not there)', () => {
    assert.equal(panelLayout(280, 280, titles).colourBar, undefined);
    assert.ok(panelLayout(280, 280, titles).height < panelLayout(280, 280, titles, undefined, {}).height);
  });

  it('comparison figure: one bar under the grid, endpoints colormap(0) and colormap(1)', async () => {
    const maps = [{ title: 'Grad-CAM · peak 0.06', heatmap: heatmap11, heatmapHeight: 11, heatmapWidth: 11 }];
    const common = { image: digit, imageHeight: 28, imageWidth: 28, originalTitle: 'Original', maps, colormap: 'inferno' as const, scale: 4 };
    const without = await rawPixels(await renderComparison(common));
    const raw = await rawPixels(await renderComparison({ ...common, colourBar: { caption: '1 = each map’s own raw peak' } }));
    assert.ok(raw.height > without.height, 'the bar adds a band');
    // Find the bar without the layout: a row holding a run of non-white pixels that starts at
    // colormap(0) and ends at colormap(1), below the tiles.
    const isWhite = (x: number, y: number) => pixelAt(raw, x, y).every((c) => c === 255);
    let found: { left: number; right: number; y: number } | undefined;
    for (let y = 0; y < raw.height && found === undefined; y++) {
      for (let x = 0; x < raw.width; x++) {
        if (isWhite(x, y) || (x > 0 && !isWhite(x - 1, y))) continue;
        let right = x;
        while (right + 1 < raw.width && !isWhite(right + 1, y)) right++;
        const ends = [pixelAt(raw, x, y), pixelAt(raw, right, y)];
        if (right - x >= 28 * 4 - 1 && String(ends[0]) === String(lutRow('inferno', 0)) && String(ends[1]) === String(lutRow('inferno', 255))) {
          found = { left: x, right, y };
          break;
        }
      }
    }
    assert.ok(found !== undefined, 'a colormap(0) → colormap(1) run exists');
    const { left, right } = found;
    assert.ok(found.y >= without.height - 30, `under the tiles (row ${found.y})`);
    assert.ok(right - left + 1 >= 28 * 4, 'about a tile wide');
  });
});
