import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blendHeatmap, blendTable } from '../../src/render/blend.js';
import { colormapLookupFloat } from '../../src/render/colormaps.js';
import { isGradcamError } from '../helpers/render-fixtures.js';

describe('blendHeatmap', () => {
  // jet's float LUT: row 0 = (0, 0, 0.5), row 255 = (0.5, 0, 0), row 192 = (1, g, 0) with
  // g = 1 - (192/255 - 0.64) / 0.27 = 0.581699..., row 64 = (0, 0.503921..., 1).
  const g192 = 1 - (192 / 255 - 0.64) / 0.27;
  const g64 = (64 / 255 - 0.125) / 0.25;
  const cases: Array<{ grey: number; heat: number; alpha: number; rgb: number[]; why: string }> = [
    { grey: 0, heat: 0, alpha: 0.4, rgb: [0, 0, 51], why: 'black under jet(0): 0.4 * 0.5 * 255 = 51' },
    { grey: 1, heat: 1, alpha: 0.4, rgb: [204, 153, 153], why: 'white under jet(1): 0.6 * 255 + 0.4 * 127.5' },
    {
      grey: 0.2,
      heat: 0.75,
      alpha: 0.4,
      rgb: [Math.round(30.6 + 102), Math.round(30.6 + 102 * g192), 31],
      why: '0.6 * 0.2 * 255 = 30.6 plus 0.4 * 255 * jet(0.75)',
    },
    {
      grey: 0.5,
      heat: 0.25,
      alpha: 0.25,
      rgb: [Math.round(95.625), Math.round(95.625 + 63.75 * g64), Math.round(95.625 + 63.75)],
      why: '0.75 * 0.5 * 255 = 95.625 plus 0.25 * 255 * jet(0.25)',
    },
    { grey: 0.3, heat: 0.9, alpha: 0, rgb: [77, 77, 77], why: 'alpha 0 is the grey image: round(0.3 * 255 = 76.5)' },
    { grey: 0.3, heat: 1, alpha: 1, rgb: [128, 0, 0], why: 'alpha 1 is the colormap: round(127.5)' },
    { grey: -1, heat: -1, alpha: 0.4, rgb: [0, 0, 51], why: 'values below 0 clip to 0' },
    { grey: 2, heat: 2, alpha: 0.4, rgb: [204, 153, 153], why: 'values above 1 clip to 1' },
  ];
  for (const { grey, heat, alpha, rgb, why } of cases) {
    it(`grey ${grey}, heat ${heat}, alpha ${alpha} -> (${rgb.join(', ')}): ${why}`, () => {
      const out = blendHeatmap(new Float32Array([grey]), new Float32Array([heat]), { alpha, colormap: 'jet' });
      assert.deepEqual(Array.from(out), rgb);
    });
  }

  it('uses the chosen colormap: hot(1) is white, so white stays white at any alpha', () => {
    const out = blendHeatmap(new Float32Array([1]), new Float32Array([1]), { alpha: 0.7, colormap: 'hot' });
    assert.deepEqual(Array.from(out), [255, 255, 255]);
  });

  it('keeps pixel order: 3 bytes per pixel', () => {
    const out = blendHeatmap(new Float32Array([0, 1]), new Float32Array([0, 1]), { alpha: 0.4, colormap: 'jet' });
    assert.deepEqual(Array.from(out), [0, 0, 51, 204, 153, 153]);
  });

  it('rejects different lengths, NaN, a bad alpha and an unknown colormap', () => {
    const one = new Float32Array([0.5]);
    assert.throws(
      () => blendHeatmap(one, new Float32Array(2), { alpha: 0.4, colormap: 'jet' }),
      isGradcamError(/same number of pixels to blend, got 1 and 2/),
    );
    assert.throws(
      () => blendHeatmap(one, new Float32Array([Number.NaN]), { alpha: 0.4, colormap: 'jet' }),
      isGradcamError(/heatmap\[0\] is NaN/),
    );
    for (const alpha of [-0.1, 1.5, Number.NaN]) {
      assert.throws(() => blendHeatmap(one, one, { alpha, colormap: 'jet' }), isGradcamError(/alpha must be between 0 and 1/, 2));
    }
    assert.throws(
      () => blendHeatmap(one, one, { alpha: 0.4, colormap: 'parula' as 'jet' }),
      isGradcamError(/unknown colormap "parula"/, 2),
    );
  });
});

describe('blendTable', () => {
  it('is alpha * LUT * 255 per row and channel, and keeps (1 - alpha) * 255 of the grey', () => {
    const { paint, keep } = blendTable(0.25, 'jet');
    const lut = colormapLookupFloat('jet');
    assert.equal(paint.length, 256 * 3);
    assert.equal(paint[2], 0.25 * (lut[2] as number) * 255); // jet(0) blue 0.5: 31.875
    assert.equal(paint[2], 31.875);
    assert.equal(keep, 0.75 * 255);
  });

  it('rejects a bad alpha and an unknown colormap as usage errors', () => {
    assert.throws(() => blendTable(2, 'jet'), isGradcamError(/alpha must be between 0 and 1/, 2));
    assert.throws(() => blendTable(0.4, 'parula' as 'jet'), isGradcamError(/unknown colormap "parula"/, 2));
  });
});
