import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blendHeatmap } from '../../src/render/blend.js';
import { MAX_TILE_SIDE } from '../../src/render/render-checks.js';
import { RENDER_DEFAULTS } from '../../src/render/render-style.js';
import { resizeBilinear, resizeNearest } from '../../src/render/resize.js';
import { imageTile, overlayTile } from '../../src/render/tiles.js';
import { baseOptions, digit, heatmap11, isGradcamError, pixelAt } from '../helpers/render-fixtures.js';

describe('tiles', () => {
  it('overlayTile = blendHeatmap(nearest-enlarged digit, bilinear-enlarged heatmap), 280x280 by default', () => {
    const tile = overlayTile(baseOptions);
    assert.equal(tile.width, 280);
    assert.equal(tile.height, 280);
    const grey = resizeNearest(digit, 28, 28, 280, 280);
    const heat = resizeBilinear(heatmap11, 11, 11, 280, 280);
    assert.deepEqual(tile.data, blendHeatmap(grey, heat, { alpha: 0.4, colormap: 'jet' }));
    assert.deepEqual(RENDER_DEFAULTS, { scale: 10, alpha: 0.4, colormap: 'jet' });
  });

  const painterCases: [number, number, number, number, 'jet' | 'hot' | 'gray'][] = [
    [4, 11, 11, 0.4, 'jet'], // batch mode's tiles
    [1, 26, 26, 0.25, 'hot'], // conv1's map, no enlargement
    [3, 7, 5, 1, 'jet'], // non-square map, colour only
    [2, 40, 33, 0, 'gray'], // map larger than the tile, grey only
  ];
  for (const [scale, mapHeight, mapWidth, alpha, colormap] of painterCases) {
    it(`overlayTile = blend(resize) at scale ${scale}, ${mapHeight}x${mapWidth} map, alpha ${alpha}, ${colormap}`, () => {
      const map = Float32Array.from({ length: mapHeight * mapWidth }, (_, i) => ((i * 37) % 101) / 100);
      const tile = overlayTile({ ...baseOptions, heatmap: map, heatmapHeight: mapHeight, heatmapWidth: mapWidth, scale, alpha, colormap });
      const side = 28 * scale;
      const grey = resizeNearest(digit, 28, 28, side, side);
      const heat = resizeBilinear(map, mapHeight, mapWidth, side, side);
      assert.deepEqual(tile.data, blendHeatmap(grey, heat, { alpha, colormap }));
    });
  }

  it('a constant heatmap of 1 over black and white pixels gives the hand-computed colours everywhere', () => {
    const image = new Float32Array(28 * 28);
    image.fill(1, 0, 14 * 28); // top half white
    const tile = overlayTile({ ...baseOptions, image, heatmap: new Float32Array(121).fill(1), scale: 2 });
    assert.deepEqual(pixelAt(tile, 10, 5), [204, 153, 153]); // white: 0.6 * 255 + 0.4 * (127.5, 0, 0)
    assert.deepEqual(pixelAt(tile, 10, 40), [51, 0, 0]); // black: 0.4 * (127.5, 0, 0) = 51
  });

  it('imageTile shows the digit in grey, crisp blocks of round(v * 255)', () => {
    const tile = imageTile(digit, 28, 28, 10);
    assert.equal(tile.width, 280);
    const v = digit[12 * 28 + 17] as number;
    const level = Math.round(v * 255);
    for (const [x, y] of [
      [170, 120],
      [179, 129],
    ] as const) {
      assert.deepEqual(pixelAt(tile, x, y), [level, level, level]);
    }
  });

  it('rejects bad scales and sizes with messages naming them', () => {
    assert.throws(() => overlayTile({ ...baseOptions, scale: 0 }), isGradcamError(/scale must be a whole number >= 1.*got 0/, 2));
    assert.throws(() => overlayTile({ ...baseOptions, scale: 2.5 }), isGradcamError(/got 2.5/, 2));
    assert.throws(
      () => overlayTile({ ...baseOptions, scale: 1000 }),
      isGradcamError(new RegExp(`28000x28000 px tile; the limit is ${MAX_TILE_SIDE}`), 2),
    );
    assert.throws(
      () => overlayTile({ ...baseOptions, heatmapHeight: 12 }),
      isGradcamError(/heatmap has 121 values but 12x11 = 132 were expected/),
    );
    const withNaN = heatmap11.slice();
    withNaN[40] = Number.NaN;
    // The index is the heatmap's own (40), not a pixel of the enlarged tile.
    assert.throws(() => overlayTile({ ...baseOptions, heatmap: withNaN }), isGradcamError(/heatmap\[40\] is NaN/));
    const digitWithNaN = digit.slice();
    digitWithNaN[100] = Number.NaN;
    assert.throws(() => imageTile(digitWithNaN, 28, 28, 10), isGradcamError(/image\[100\] is NaN/));
  });
});
