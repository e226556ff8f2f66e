import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import { crc32, crc32Table, encodePng, encodeRgbPng } from '../../src/render/png.js';
import { GradcamError } from '../../src/errors.js';
import { isGradcamError } from '../helpers/render-fixtures.js';

describe('encodeRgbPng', () => {
  it('CRC-32 of "123456789" is the standard check value 0xCBF43926, native or by table, in parts or whole', () => {
    const check = Buffer.from('123456789');
    assert.equal(crc32(check), 0xcbf43926);
    assert.equal(crc32Table([check]), 0xcbf43926);
    assert.equal(crc32(check.subarray(0, 4), check.subarray(4)), 0xcbf43926);
    assert.equal(crc32Table([check.subarray(0, 4), check.subarray(4)]), 0xcbf43926);
  });

  const sizes: [number, number][] = [
    [1, 1],
    [7, 3],
    [112, 112],
    [280, 90],
  ];
  for (const [width, height] of sizes) {
    it(`${width}×${height}: libpng (via sharp) decodes exactly the pixels written`, async () => {
      const rgb = new Uint8Array(width * height * 3);
      let state = width * 7919 + height;
      for (let i = 0; i < rgb.length; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        // Runs of equal rows and random noise: both filter paths and wrap-around of the Up difference.
        rgb[i] = Math.floor(i / (width * 3)) % 3 === 0 ? (state >>> 16) & 0xff : rgb[i - width * 3] ?? 0;
      }
      const png = encodeRgbPng(rgb, width, height);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels], [width, height, 3]);
      assert.deepEqual(new Uint8Array(data), rgb);
    });
  }

  it('rejects a size that does not match the data', () => {
    assert.throws(() => encodeRgbPng(new Uint8Array(10), 2, 2), (e: unknown) => e instanceof GradcamError && /12 were expected/.test(e.message));
  });
});

describe('encodePng', () => {
  it('encodePng rejects data of the wrong length', () => {
    assert.throws(
      () => encodePng({ data: new Uint8Array(5), width: 2, height: 1 }),
      isGradcamError(/RGB data has 5 bytes but 2x1x3 = 6 were expected/),
    );
  });
});
