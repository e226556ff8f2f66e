import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blankCanvas } from '../../src/render/canvas.js';
import { glyphRun, glyphRunWidth, isGlyphRunText } from '../../src/render/glyph-run.js';
import { drawText } from '../../src/render/text.js';
import { drawTextBlock } from '../../src/render/text-block.js';
import type { RgbImage } from '../../src/render/rgb-image.js';

/** Columns holding any ink (green < 200: black and red text both) on a white canvas. */
function inkColumns(canvas: RgbImage): number[] {
  const columns: number[] = [];
  for (let x = 0; x < canvas.width; x++) {
    for (let y = 0; y < canvas.height; y++) {
      if (canvas.data[(y * canvas.width + x) * 3 + 1]! < 200) {
        columns.push(x);
        break;
      }
    }
  }
  return columns;
}

describe('glyphRun', () => {
  it('knows digits, #, %, <, >, space and dot, nothing else', () => {
    assert.equal(isGlyphRunText('#4217 <1%'), true);
    assert.equal(isGlyphRunText('7_a.png'), false);
    assert.equal(glyphRun('a', 0, 0, 10), undefined);
  });

  it('advances every digit by the same 1303/2048 em (DejaVu Sans is tabular)', () => {
    const labels = glyphRun('0123', 100, 20, 20)!;
    const step = labels[1]!.x - labels[0]!.x;
    assert.ok(Math.abs(step - (1303 / 2048) * 20) < 1e-9);
    assert.ok(Math.abs(labels[3]!.x - labels[2]!.x - step) < 1e-9);
    assert.ok(Math.abs(labels[0]!.x - (100 - glyphRunWidth('0123', 20)! / 2)) < 1e-9, 'centred on x');
  });

  it('renders like the whole string drawn as one label (same ink extent within 2 px)', async () => {
    const text = '#4217 97%';
    const whole = blankCanvas(200, 40);
    await drawText(whole, [{ text, x: 100, y: 28, fontSize: 18 }]);
    const glyphs = blankCanvas(200, 40);
    await drawText(glyphs, glyphRun(text, 100, 28, 18)!);
    const a = inkColumns(whole);
    const b = inkColumns(glyphs);
    assert.ok(a.length > 50, 'the label has ink');
    assert.ok(Math.abs(a[0]! - b[0]!) <= 2 && Math.abs(a.at(-1)! - b.at(-1)!) <= 2, `extents ${a[0]}..${a.at(-1)} vs ${b[0]}..${b.at(-1)}`);
  });
});

describe('drawTextBlock', () => {
  it('draws every label in one rendering, in the given colour, and nothing for no labels', async () => {
    const canvas = blankCanvas(300, 60);
    await drawTextBlock(canvas, [], '#555');
    assert.deepEqual(inkColumns(canvas), []);
    await drawTextBlock(canvas, [{ text: 'left.png', x: 50, y: 30, fontSize: 14 }, { text: 'right.png', x: 230, y: 30, fontSize: 14 }], '#d62728');
    const ink = inkColumns(canvas);
    assert.ok(ink.some((x) => x < 100) && ink.some((x) => x > 190), 'both labels drawn');
    // The darkest pixel is the given red, not black.
    let darkest = [255, 255, 255];
    for (let i = 0; i < canvas.data.length; i += 3) if (canvas.data[i + 1]! < darkest[1]!) darkest = [canvas.data[i]!, canvas.data[i + 1]!, canvas.data[i + 2]!];
    assert.ok(darkest[0]! > 180 && darkest[1]! < 80, `darkest ${darkest}`);
  });
});
