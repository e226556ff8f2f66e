import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp = require('sharp');
import { escapeXml } from '../../src/render/text.js';
import { estimateTextWidth } from '../../src/render/text-width.js';

describe('estimateTextWidth', () => {
  // Layout sizes columns from estimateTextWidth; it must not be narrower than what librsvg draws.
  const samples = [
    'Original (label 7)',
    'Grad-CAM',
    'conv2 · score: logit',
    'WWWWMMMM',
    '0123456789',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    'abcdefghijklmnopqrstuvwxyz',
    '<&"\'> ~~## == ++',
    '—…%@',
    'ÄÖÜ éèê ß',
  ];
  it('estimateTextWidth is never narrower than the rendered ink', async () => {
    const fontSize = 18;
    for (const text of samples) {
      const width = 40 * fontSize;
      const svg =
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${3 * fontSize}">` +
        `<text x="${fontSize}" y="${2 * fontSize}" font-family="DejaVu Sans" font-size="${fontSize}">${escapeXml(text)}</text></svg>`;
      const { data, info } = await sharp(Buffer.from(svg))
        .ensureAlpha()
        .extractChannel(3)
        .raw()
        .toBuffer({ resolveWithObject: true });
      let right = -1;
      for (let y = 0; y < info.height; y++) {
        for (let x = 0; x < info.width; x++) if ((data[y * info.width + x] as number) > 0) right = Math.max(right, x);
      }
      const ink = right + 1 - fontSize;
      assert.ok(ink > 0, `nothing rendered for ${JSON.stringify(text)}`);
      assert.ok(estimateTextWidth(text, fontSize) >= ink, `${JSON.stringify(text)}: estimate ${estimateTextWidth(text, fontSize)} < ink ${ink}`);
    }
  });
});
