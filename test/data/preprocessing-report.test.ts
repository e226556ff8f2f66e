import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import { loadDigitImage, loadPicturePreview, MAX_DECODE_PIXELS } from '../../src/data/image.js';
import { loadForModel } from '../../src/data/inputs.js';
import { preprocessingNotes, preprocessingReport, scaleBox, SEVERAL_DIGITS_NOTE } from '../../src/data/preprocessing-report.js';
import { HEAVY_STROKE_WIDTH } from '../../src/data/photo/stroke-width.js';
import { BAR, barPng, drawnPng, rotatedBarJpeg, twoBarsPng } from '../helpers/photo-pictures.js';

describe('preprocessingReport (issue 11)', () => {
  it('a black 20×60 bar at (50, 20) on 200×100 white: that crop box, inverted, nothing removed, a heavy stroke thinned', async () => {
    const { strokeWidth, ...report } = preprocessingReport(await loadDigitImage(await barPng(), 'bar.png'));
    assert.deepEqual(report, {
      rotation: 1,
      inverted: true,
      cropBox: BAR.box,
      removed: { specks: 0, lines: 0, border: 0, frames: 0 },
      digitParts: 1,
      thinned: true,
      usedAsIs: false,
    });
    // The bar is a third as wide as it is tall; its square ends' medial-axis branches pull the median
    // down (stroke-width.ts), yet it is well over HEAVY_STROKE_WIDTH.
    assert.ok(strokeWidth !== null && strokeWidth > HEAVY_STROKE_WIDTH && strokeWidth <= 1 / 3, `strokeWidth ${strokeWidth}`);
  });

  it('an EXIF-rotated JPEG (orientation 6): rotation 6, crop box in the upright picture', async () => {
    const jpeg = await rotatedBarJpeg();
    assert.deepEqual([(await sharp(jpeg).metadata()).width, (await sharp(jpeg).metadata()).height], [100, 200], 'stored on its side');
    const digit = await loadDigitImage(jpeg, 'rotated.jpg');
    const { rotation, cropBox } = preprocessingReport(digit);
    assert.equal(rotation, 6);
    assert.deepEqual(digit.original, { width: 200, height: 100, format: 'jpeg' });
    // JPEG may blur an edge by a pixel.
    for (const key of ['x', 'y', 'width', 'height'] as const) {
      assert.ok(Math.abs(cropBox[key] - BAR.box[key]) <= 1, `${key}: ${cropBox[key]} vs ${BAR.box[key]}`);
    }
  });

  it('a picture shrunk before preprocessing: the crop box is in the full picture\'s pixels', async () => {
    // 2000×1000 (2 Mpx, over MAX_DECODE_PIXELS), a 200×600 bar at (500, 200).
    const png = await drawnPng(2000, 1000, (x, y) => x >= 500 && x < 700 && y >= 200 && y < 800);
    const digit = await loadDigitImage(png, 'big.png');
    assert.ok(digit.decoded.width * digit.decoded.height <= MAX_DECODE_PIXELS && digit.decoded.width < 2000, 'decoded smaller');
    const { cropBox } = preprocessingReport(digit);
    const expected = { x: 500, y: 200, width: 200, height: 600 };
    for (const key of ['x', 'y', 'width', 'height'] as const) {
      assert.ok(Math.abs(cropBox[key] - expected[key]) <= 4, `${key}: ${cropBox[key]} vs ${expected[key]}`);
    }
  });

  it('a 28×28 MNIST-form picture is used as is: the whole picture, nothing removed', async () => {
    const png = await sharp(Buffer.alloc(28 * 28).fill(255, 300, 320), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
    const report = preprocessingReport(await loadDigitImage(png, 'mnist-like.png'));
    assert.equal(report.usedAsIs, true);
    assert.equal(report.inverted, false);
    assert.deepEqual(report.cropBox, { x: 0, y: 0, width: 28, height: 28 });
    assert.deepEqual(report.removed, { specks: 0, lines: 0, border: 0, frames: 0 });
  });

  it('two bars far apart: "several digits?"', async () => {
    const digit = await loadDigitImage(await twoBarsPng(), 'two.png');
    assert.ok((digit.steps.search?.otherDigits ?? 0) > 0);
    assert.deepEqual(preprocessingNotes(digit.steps), [SEVERAL_DIGITS_NOTE]);
    assert.deepEqual(preprocessingNotes((await loadDigitImage(await barPng(), 'bar.png')).steps), []);
  });

  it('loadForModel passes the report and the note on', async () => {
    const loaded = await loadForModel(await twoBarsPng(), 'two.png', undefined);
    assert.deepEqual(loaded.notes, [SEVERAL_DIGITS_NOTE]);
    assert.equal(loaded.preprocessing?.cropBox.height, 60);
  });
});

describe('scaleBox', () => {
  it('scales outward to whole pixels, inside the bounds', () => {
    assert.deepEqual(scaleBox({ x: 1, y: 1, width: 2, height: 2 }, 1.5, 1.5, { width: 6, height: 6 }), { x: 1, y: 1, width: 4, height: 4 });
    assert.deepEqual(scaleBox({ x: 3, y: 0, width: 1, height: 4 }, 2, 2, { width: 7, height: 8 }), { x: 6, y: 0, width: 1, height: 8 });
  });
});

describe('loadPicturePreview', () => {
  it('the upright picture, shrunk inside the bounds with its aspect ratio, in colour', async () => {
    const preview = await loadPicturePreview(await rotatedBarJpeg(), { width: 1000, height: 50 }, 'rotated.jpg');
    assert.deepEqual([preview.width, preview.height], [100, 50]);
    assert.deepEqual(preview.original, { width: 200, height: 100 });
    assert.equal(preview.data.length, 100 * 50 * 3);
    // The bar (upright at x 50..69 of 200) is dark at x 25..34 of the preview.
    assert.ok(preview.data[3 * (25 * 100 + 30)]! < 60);
    assert.ok(preview.data[3 * (25 * 100 + 80)]! > 200);
  });

  it('never enlarges', async () => {
    const preview = await loadPicturePreview(await barPng(), { width: 1000, height: 1000 }, 'bar.png');
    assert.deepEqual([preview.width, preview.height], [200, 100]);
  });
});
