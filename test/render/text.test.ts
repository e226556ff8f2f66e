import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blankCanvas } from '../../src/render/canvas.js';
import { drawText, escapeXml, warmUpTextRendering } from '../../src/render/text.js';
import { isGradcamError, pixelAt } from '../helpers/render-fixtures.js';

describe('text', () => {
  const escapes: Array<[string, string]> = [
    ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
    [`"double" 'single'`, '&quot;double&quot; &apos;single&apos;'],
    ['&amp;', '&amp;amp;'],
    ['bell\u0007 and nul\u0000 dropped, tab\tkept', 'bell and nul dropped, tab\tkept'],
    ['conv2 · 7 → 1 ✓', 'conv2 · 7 → 1 ✓'],
  ];
  for (const [text, escaped] of escapes) {
    it(`escapeXml(${JSON.stringify(text)})`, () => assert.equal(escapeXml(text), escaped));
  }

  it('drawText draws dark anti-aliased text and leaves the rest of the canvas white', async () => {
    const canvas = blankCanvas(200, 40);
    await drawText(canvas, [{ text: 'Grad-CAM', x: 100, y: 28, fontSize: 18, color: '#000' }]);
    let darkest = 255;
    let inkLeft = Infinity;
    let inkRight = -1;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 200; x++) {
        const [r] = pixelAt(canvas, x, y) as [number];
        darkest = Math.min(darkest, r);
        if (r < 255) {
          inkLeft = Math.min(inkLeft, x);
          inkRight = Math.max(inkRight, x);
        }
      }
    }
    assert.ok(darkest < 60, `text should be dark, darkest pixel ${darkest}`);
    // Centred on x = 100 (within a pixel or two of glyph side bearings).
    assert.ok(Math.abs((inkLeft + inkRight) / 2 - 100) <= 3, `ink spans ${inkLeft}..${inkRight}`);
    assert.deepEqual(pixelAt(canvas, 5, 5), [255, 255, 255]);
  });

  it('drawText rejects a colour it cannot parse', async () => {
    await assert.rejects(
      drawText(blankCanvas(10, 10), [{ text: 'x', x: 5, y: 8, fontSize: 8, color: 'red' }]),
      isGradcamError(/text colour must be "#rgb" or "#rrggbb", got "red"/),
    );
  });

  it('warmUpTextRendering resolves', async () => {
    assert.equal(await warmUpTextRendering(), undefined);
  });
});
