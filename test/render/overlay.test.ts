import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp = require('sharp');
import { blendHeatmap } from '../../src/render/blend.js';
import { renderOverlay, renderPanel, type PanelOptions } from '../../src/render/overlay.js';
import { panelLayout } from '../../src/render/panel-layout.js';
import { resizeBilinear, resizeNearest } from '../../src/render/resize.js';
import { overlayTile } from '../../src/render/tiles.js';
import { baseOptions, digit, heatmap11, pixelAt, rawPixels } from '../helpers/render-fixtures.js';

const panelOptions: PanelOptions = {
  ...baseOptions,
  titles: { original: 'Original (label 7)', gradcam: 'Grad-CAM' },
  subtitle: 'conv2 · score: logit',
};

describe('renderOverlay', () => {
  it('is a PNG of the bare tile whose pixels are overlayTile', async () => {
    const png = await renderOverlay(baseOptions);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, 280);
    assert.equal(meta.height, 280);
    const raw = await rawPixels(png);
    assert.equal(raw.channels, 3);
    assert.deepEqual(new Uint8Array(raw.data), overlayTile(baseOptions).data);
  });

  it('works at scale 1 (28x28) and with another colormap and alpha', async () => {
    const options = { ...baseOptions, scale: 1, alpha: 0.7, colormap: 'hot' as const };
    const raw = await rawPixels(await renderOverlay(options));
    assert.equal(raw.width, 28);
    assert.equal(raw.height, 28);
    const heat = resizeBilinear(heatmap11, 11, 11, 28, 28);
    const expected = blendHeatmap(digit, heat, { alpha: 0.7, colormap: 'hot' });
    assert.deepEqual(pixelAt(raw, 13, 20), pixelAt({ data: expected, width: 28 }, 13, 20));
  });
});

describe('renderPanel', () => {
  let png: Buffer;
  let raw: Awaited<ReturnType<typeof rawPixels>>;
  const layout = panelLayout(280, 280, panelOptions.titles, panelOptions.subtitle);

  before(async () => {
    png = await renderPanel(panelOptions);
    raw = await rawPixels(png);
  });

  it('is a PNG of the laid-out size, two 280 px tiles plus margins', async () => {
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, layout.width);
    assert.equal(meta.height, layout.height);
    // Independent bounds: two tiles side by side with some, but not much, room around them.
    assert.ok(layout.width >= 2 * 280 + 20 && layout.width <= 2 * 280 + 150, `width ${layout.width}`);
    assert.ok(layout.height >= 280 + 40 && layout.height <= 280 + 150, `height ${layout.height}`);
    assert.ok(layout.gradcamTile.left >= layout.originalTile.left + 280, 'tiles do not overlap');
  });

  it('holds the overlay tile pixel for pixel (no text or margin bleeds onto it)', () => {
    const tile = overlayTile(panelOptions);
    const { left, top } = layout.gradcamTile;
    for (let y = 0; y < 280; y++) {
      for (let x = 0; x < 280; x++) {
        const o = ((top + y) * raw.width + left + x) * 3;
        const t = (y * 280 + x) * 3;
        if (raw.data[o] !== tile.data[t] || raw.data[o + 1] !== tile.data[t + 1] || raw.data[o + 2] !== tile.data[t + 2]) {
          assert.fail(`overlay pixel (${x}, ${y}) differs: ${pixelAt(raw, left + x, top + y)} vs ${pixelAt(tile, x, y)}`);
        }
      }
    }
  });

  it('has at a known position the blendHeatmap colour of that pixel', () => {
    // Tile pixel (x 203, y 121) shows digit pixel (12, 20) and heatmap sample 121 * 280 + 203.
    const grey = resizeNearest(digit, 28, 28, 280, 280);
    const heat = resizeBilinear(heatmap11, 11, 11, 280, 280);
    const i = 121 * 280 + 203;
    assert.equal(grey[i], digit[12 * 28 + 20]);
    const expected = blendHeatmap(grey.subarray(i, i + 1), heat.subarray(i, i + 1), { alpha: 0.4, colormap: 'jet' });
    assert.deepEqual(pixelAt(raw, layout.gradcamTile.left + 203, layout.gradcamTile.top + 121), Array.from(expected));
  });

  it('shows the digit in the left tile and white around the tiles', () => {
    const v = Math.round((digit[7 * 28 + 10] as number) * 255);
    assert.deepEqual(pixelAt(raw, layout.originalTile.left + 105, layout.originalTile.top + 75), [v, v, v]);
    assert.deepEqual(pixelAt(raw, layout.originalTile.left - 1, layout.originalTile.top + 100), [255, 255, 255]);
    assert.deepEqual(pixelAt(raw, layout.gradcamTile.left + 280, layout.gradcamTile.top + 100), [255, 255, 255]);
    assert.deepEqual(pixelAt(raw, layout.gradcamTile.left + 100, layout.gradcamTile.top + 280), [255, 255, 255]);
  });

  it('draws the titles above the tiles and the subtitle below', () => {
    const darkPixels = (x0: number, x1: number, y0: number, y1: number): number => {
      let count = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if ((pixelAt(raw, x, y)[0] as number) < 128) count++;
      return count;
    };
    const top = layout.originalTile.top;
    assert.ok(darkPixels(layout.originalTile.left, layout.originalTile.left + 280, 0, top) > 50, 'left title');
    assert.ok(darkPixels(layout.gradcamTile.left, layout.gradcamTile.left + 280, 0, top) > 50, 'right title');
    assert.ok(darkPixels(0, raw.width, top + 281, raw.height) > 30, 'subtitle');
  });

  it('without a subtitle is shorter and has nothing under the tiles', async () => {
    const plain = await rawPixels(await renderPanel({ ...panelOptions, subtitle: undefined }));
    assert.equal(plain.width, raw.width);
    assert.ok(plain.height < raw.height);
    const bottom = panelLayout(280, 280, panelOptions.titles).originalTile.top + 280;
    for (let y = bottom; y < plain.height; y++) {
      for (let x = 0; x < plain.width; x++) assert.deepEqual(pixelAt(plain, x, y), [255, 255, 255]);
    }
  });

  const awkwardTitles: Array<[string, string]> = [
    ['<script>&amp;', `"quoted" 'single' & <tag>`],
    ['control \u0000\u0007\u001b chars', 'emoji 🔥 and ünïcödé'],
    ['', '   '],
    ['a very long title that is much wider than the 28 pixel tile it sits on', 'x'],
  ];
  for (const [original, gradcam] of awkwardTitles) {
    it(`survives titles ${JSON.stringify(original)} / ${JSON.stringify(gradcam)} at scales 1 and 10`, async () => {
      for (const scale of [1, 10]) {
        const out = await renderPanel({ ...baseOptions, scale, titles: { original, gradcam }, subtitle: '<&>' });
        const meta = await sharp(out).metadata();
        const expected = panelLayout(28 * scale, 28 * scale, { original, gradcam }, '<&>');
        assert.equal(meta.width, expected.width);
        assert.equal(meta.height, expected.height);
      }
    });
  }

  it('renders scale 1 with the digit in place', async () => {
    const out = await rawPixels(await renderPanel({ ...panelOptions, scale: 1 }));
    const small = panelLayout(28, 28, panelOptions.titles, panelOptions.subtitle);
    assert.equal(out.width, small.width);
    assert.equal(out.height, small.height);
    const v = Math.round((digit[7 * 28 + 10] as number) * 255);
    assert.deepEqual(pixelAt(out, small.originalTile.left + 10, small.originalTile.top + 7), [v, v, v]);
  });
});
