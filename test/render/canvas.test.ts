import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blankCanvas, pasteImage } from '../../src/render/canvas.js';
import { isGradcamError, pixelAt } from '../helpers/render-fixtures.js';

describe('canvas helpers', () => {
  it('pasteImage copies rows to the right place and refuses what does not fit', () => {
    const canvas = blankCanvas(4, 3);
    pasteImage(canvas, { data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1 }, 1, 2);
    assert.deepEqual(pixelAt(canvas, 1, 2), [1, 2, 3]);
    assert.deepEqual(pixelAt(canvas, 2, 2), [4, 5, 6]);
    assert.deepEqual(pixelAt(canvas, 0, 2), [255, 255, 255]);
    assert.throws(
      () => pasteImage(canvas, { data: new Uint8Array(6), width: 2, height: 1 }, 3, 0),
      isGradcamError(/a 2x1 image does not fit at \(3, 0\) on a 4x3 canvas/),
    );
  });

  it('blankCanvas is white, 3 bytes a pixel, and refuses a size that is not a positive integer', () => {
    const canvas = blankCanvas(5, 2);
    assert.equal(canvas.data.length, 5 * 2 * 3);
    assert.ok(canvas.data.every((byte) => byte === 255));
    assert.throws(() => blankCanvas(0, 2), isGradcamError(/canvas size must be positive integers, got 2x0/));
  });
});
