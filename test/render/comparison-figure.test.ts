import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import { renderComparison } from '../../src/render/comparison-figure.js';
import { renderPanel } from '../../src/render/overlay.js';
import { CROP_BOX_COLOUR, PICTURE_FRAME_COLOUR, pictureTile } from '../../src/render/picture-tile.js';

/** Bounding box of the pixels of exactly `colour` in a PNG, and how many there are. */
async function pixelsOf(png: Buffer, colour: readonly number[]): Promise<{ width: number; height: number; count: number; left: number; top: number; figure: { width: number; height: number } }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  let count = 0;
  let [left, top, right, bottom] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const o = info.channels * (y * info.width + x);
      if (data[o] !== colour[0] || data[o + 1] !== colour[1] || data[o + 2] !== colour[2]) continue;
      count++;
      [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
    }
  }
  return { width: right - left + 1, height: bottom - top + 1, count, left, top, figure: { width: info.width, height: info.height } };
}

const digit = new Float32Array(28 * 28).fill(0);
const heatmap = new Float32Array(7 * 7).fill(0.5);
// A grey 200×100 "photo" whose crop box is (50, 20) 20×60.
const photo = { data: new Uint8Array(200 * 100 * 3).fill(128), width: 200, height: 100 };
const cropBox = { x: 50, y: 20, width: 20, height: 60 };

describe('figures with the user\'s picture (issue 11)', () => {
  it('renderPanel: a third column with the picture, its crop box and a hairline round it', async () => {
    const common = { image: digit, imageHeight: 28, imageWidth: 28, heatmap, heatmapHeight: 7, heatmapWidth: 7, scale: 4, titles: { original: 'Model input', gradcam: 'Grad-CAM' } };
    const tile = pictureTile(photo, photo, cropBox, 112);
    assert.deepEqual([tile.width, tile.height], [224, 112]);
    const without = await pixelsOf(await renderPanel(common), CROP_BOX_COLOUR);
    const png = await renderPanel({ ...common, picture: { tile, title: 'Original' } });
    const box = await pixelsOf(png, CROP_BOX_COLOUR);
    assert.equal(without.count, 0);
    assert.ok(box.figure.width >= without.figure.width + 224);
    // 112/100 = 1.12: x 56..78, y 22..90.
    assert.deepEqual([box.width, box.height], [78 - 56, 90 - 22]);
    assert.equal(box.count, 4 * (box.width + box.height) - 16);
    // The hairline runs just outside the tile, whose corner is 56, 22 px before the box's.
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray(info.channels * (y * info.width + x), info.channels * (y * info.width + x) + 3)];
    const [left, top] = [box.left - 56 - 1, box.top - 22 - 1];
    const frame = [...PICTURE_FRAME_COLOUR];
    for (let y = top; y <= top + 113; y++) {
      assert.deepEqual(at(left, y), frame, `left side, row ${y}`);
      assert.deepEqual(at(left + 225, y), frame, `right side, row ${y}`);
    }
    for (let x = left; x <= left + 225; x++) {
      assert.deepEqual(at(x, top), frame, `top, column ${x}`);
      assert.deepEqual(at(x, top + 113), frame, `bottom, column ${x}`);
    }
    assert.deepEqual(at(left + 1, top + 1), [128, 128, 128], 'the picture starts inside the hairline');
  });

  it('renderComparison: the picture fits the first cell of the grid', async () => {
    const maps = [{ title: 'Grad-CAM', heatmap, heatmapHeight: 7, heatmapWidth: 7 }];
    const common = { image: digit, imageHeight: 28, imageWidth: 28, originalTitle: 'Model input', maps, scale: 4 };
    const without = await pixelsOf(await renderComparison(common), CROP_BOX_COLOUR);
    // Within one 112×112 tile: 112×56.
    const tile = pictureTile(photo, photo, cropBox, 112, 112);
    assert.deepEqual([tile.width, tile.height], [112, 56]);
    const box = await pixelsOf(await renderComparison({ ...common, picture: { tile, title: 'Original' } }), CROP_BOX_COLOUR);
    assert.equal(without.count, 0);
    assert.ok(box.figure.width > without.figure.width + 112);
    assert.equal(box.figure.height, without.figure.height);
    // 0.56 a pixel: x 28..39, y 11..45.
    assert.deepEqual([box.width, box.height], [39 - 28, 45 - 11]);
  });
});
