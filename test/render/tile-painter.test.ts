import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blendHeatmap } from '../../src/render/blend.js';
import { blankCanvas } from '../../src/render/canvas.js';
import { resizeBilinear, resizeNearest } from '../../src/render/resize.js';
import { TilePainter, tilePainter, type TileSpec } from '../../src/render/tile-painter.js';
import { digit, heatmap11, isGradcamError, pixelAt } from '../helpers/render-fixtures.js';

const spec: TileSpec = { imageHeight: 28, imageWidth: 28, heatmapHeight: 11, heatmapWidth: 11, tileHeight: 56, tileWidth: 56, alpha: 0.4, colormap: 'jet' };

describe('TilePainter', () => {
  it('paints at an offset of a larger canvas exactly blendHeatmap(resizeNearest, resizeBilinear), leaving the rest alone', () => {
    const canvas = blankCanvas(70, 60);
    new TilePainter(spec).paintTile(canvas, 9, 3, digit, heatmap11);
    const expected = blendHeatmap(resizeNearest(digit, 28, 28, 56, 56), resizeBilinear(heatmap11, 11, 11, 56, 56), { alpha: 0.4, colormap: 'jet' });
    for (let y = 0; y < 56; y++) {
      for (let x = 0; x < 56; x++) assert.deepEqual(pixelAt(canvas, 9 + x, 3 + y), pixelAt({ data: expected, width: 56 }, x, y), `(${x}, ${y})`);
    }
    assert.deepEqual(pixelAt(canvas, 8, 3), [255, 255, 255]);
    assert.deepEqual(pixelAt(canvas, 9, 59), [255, 255, 255]);
  });

  it('tilePainter returns the same painter for an equal spec and a new one for another', () => {
    const painter = tilePainter({ ...spec });
    assert.equal(tilePainter({ ...spec }), painter);
    assert.notEqual(tilePainter({ ...spec, alpha: 0.5 }), painter);
  });

  it('rejects bad specs and tiles with messages naming them', () => {
    assert.throws(() => new TilePainter({ ...spec, heatmapHeight: 0 }), isGradcamError(/heatmap size must be positive integers, got 0x11/));
    assert.throws(() => new TilePainter({ ...spec, tileWidth: 1.5 }), isGradcamError(/tile size must be positive integers/));
    assert.throws(() => new TilePainter({ ...spec, alpha: -1 }), isGradcamError(/alpha must be between 0 and 1/, 2));
    const painter = new TilePainter(spec);
    assert.throws(
      () => painter.paintTile(blankCanvas(50, 60), 0, 0, digit, heatmap11, 'item 3'),
      isGradcamError(/^item 3: a 56x56 tile at \(0, 0\) does not fit a 50x60 canvas/),
    );
    assert.throws(
      () => painter.paintTile(blankCanvas(56, 56), 0, 0, digit.subarray(1), heatmap11),
      isGradcamError(/^tile: image has 783 values but 28x28 = 784 were expected/),
    );
  });
});
