import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CROP_BOX_COLOUR, drawBoxOutline, MAX_PICTURE_ASPECT, pictureTile, pictureTileSize, resizeRgb, scaleTileBox } from '../../src/render/picture-tile.js';
import type { RgbImage } from '../../src/render/rgb-image.js';

function white(width: number, height: number): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(255), width, height };
}
function pixel(image: RgbImage, x: number, y: number): number[] {
  const o = 3 * (y * image.width + x);
  return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
}
const BOX = [...CROP_BOX_COLOUR];
const WHITE = [255, 255, 255];

describe('pictureTileSize', () => {
  for (const [picture, tileHeight, expected] of [
    [{ width: 200, height: 100 }, 280, { width: 560, height: 280 }],
    [{ width: 100, height: 200 }, 280, { width: 140, height: 280 }],
    [{ width: 4000, height: 3000 }, 280, { width: 373, height: 280 }],
    [{ width: 20000, height: 20 }, 280, { width: 840, height: 1 }],
    [{ width: 20000, height: 2000 }, 280, { width: 840, height: 84 }],
  ] as const) {
    it(`${picture.width}×${picture.height} at height ${tileHeight} → ${expected.width}×${expected.height}`, () => {
      const size = pictureTileSize(picture, tileHeight);
      assert.deepEqual(size, expected);
      assert.ok(size.width <= MAX_PICTURE_ASPECT * tileHeight && size.height <= tileHeight);
      // The aspect ratio is the picture's, to a pixel of rounding.
      assert.ok(Math.abs(size.width / size.height - picture.width / picture.height) <= (picture.width / picture.height) / size.height + 1 / size.height);
    });
  }
});

describe('scaleTileBox', () => {
  it('scales edges to the tile and keeps them inside', () => {
    assert.deepEqual(scaleTileBox({ x: 50, y: 20, width: 20, height: 60 }, { width: 200, height: 100 }, { width: 100, height: 50 }), { x: 25, y: 10, width: 10, height: 30 });
    assert.deepEqual(scaleTileBox({ x: 0, y: 0, width: 200, height: 100 }, { width: 200, height: 100 }, { width: 100, height: 50 }), { x: 0, y: 0, width: 100, height: 50 });
    // A box smaller than a tile pixel stays 1 px.
    assert.deepEqual(scaleTileBox({ x: 199, y: 99, width: 1, height: 1 }, { width: 200, height: 100 }, { width: 20, height: 10 }), { x: 19, y: 9, width: 1, height: 1 });
  });
});

describe('drawBoxOutline', () => {
  it('paints a 2-px border inside the box and nothing else', () => {
    const image = white(20, 10);
    drawBoxOutline(image, { x: 5, y: 2, width: 8, height: 6 });
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) {
        const inBox = x >= 5 && x < 13 && y >= 2 && y < 8;
        const inside = x >= 7 && x < 11 && y >= 4 && y < 6;
        assert.deepEqual(pixel(image, x, y), inBox && !inside ? BOX : WHITE, `(${x}, ${y})`);
      }
    }
  });

  it('clips a box that overhangs the image', () => {
    const image = white(4, 4);
    drawBoxOutline(image, { x: -1, y: -1, width: 6, height: 6 }, [1, 2, 3], 1);
    assert.deepEqual(pixel(image, 0, 0), WHITE);
    assert.deepEqual(pixel(image, 1, 1), WHITE);
  });
});

describe('resizeRgb', () => {
  it('enlarges by whole blocks and keeps each channel', () => {
    const image: RgbImage = { data: Uint8Array.from([10, 20, 30, 40, 50, 60]), width: 2, height: 1 };
    const big = resizeRgb(image, 4, 2);
    assert.deepEqual(pixel(big, 1, 1), [10, 20, 30]);
    assert.deepEqual(pixel(big, 2, 0), [40, 50, 60]);
  });
});

describe('pictureTile', () => {
  it('a 200×100 picture at tile height 50: 100×50, crop box (50, 20, 20, 60) outlined at (25, 10, 10, 30)', () => {
    // The picture: grey, so the box's colour cannot come from it.
    const picture: RgbImage = { data: new Uint8Array(200 * 100 * 3).fill(128), width: 200, height: 100 };
    const tile = pictureTile(picture, picture, { x: 50, y: 20, width: 20, height: 60 }, 50);
    assert.equal(tile.width, 100);
    assert.equal(tile.height, 50);
    assert.equal(tile.width / tile.height, picture.width / picture.height);
    for (const [x, y] of [[25, 10], [26, 11], [34, 39], [33, 38], [25, 39], [34, 10], [30, 10], [25, 25]] as const) {
      assert.deepEqual(pixel(tile, x, y), BOX, `(${x}, ${y}) on the box`);
    }
    for (const [x, y] of [[24, 10], [35, 10], [27, 12], [30, 25], [25, 9], [25, 40], [0, 0]] as const) {
      assert.deepEqual(pixel(tile, x, y), [128, 128, 128], `(${x}, ${y}) off the box`);
    }
  });

  it('scales a box given in full-picture pixels onto a preview that was already shrunk', () => {
    // The preview is 100×50 of a 400×200 picture; the box is in the 400×200 picture's pixels.
    const preview = white(100, 50);
    const tile = pictureTile(preview, { width: 400, height: 200 }, { x: 100, y: 40, width: 40, height: 120 }, 50);
    assert.deepEqual([tile.width, tile.height], [100, 50]);
    assert.deepEqual(pixel(tile, 25, 10), BOX);
    assert.deepEqual(pixel(tile, 34, 39), BOX);
    assert.deepEqual(pixel(tile, 24, 10), WHITE);
  });
});

describe('pictureTileSize within a given width', () => {
  it('fits a wide picture to the width, a tall one to the height', () => {
    assert.deepEqual(pictureTileSize({ width: 200, height: 100 }, 280, 280), { width: 280, height: 140 });
    assert.deepEqual(pictureTileSize({ width: 100, height: 200 }, 280, 280), { width: 140, height: 280 });
  });
});
