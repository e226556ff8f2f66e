import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
// tfjs's cpu backend is the reference for the resize kernels; resize.ts itself never imports tfjs.
import tf = require('@tensorflow/tfjs-core');
import '@tensorflow/tfjs-backend-cpu';
import { bilinearPlan, nearestPlan, resizeBilinear, resizeNearest } from '../../src/render/resize.js';
import { isGradcamError, randomMap } from '../helpers/render-fixtures.js';

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('resizeBilinear (half-pixel centres)', () => {
  const cases: Array<[srcH: number, srcW: number, dstH: number, dstW: number]> = [
    [11, 11, 28, 28], // conv2 map -> digit
    [11, 11, 280, 280], // conv2 map -> tile at scale 10
    [26, 26, 28, 28], // conv1 map -> digit
    [7, 13, 20, 9], // non-square, enlarging one axis and shrinking the other
    [28, 28, 11, 11], // shrinking
    [1, 1, 5, 4], // a single value spreads everywhere
  ];
  for (const [srcH, srcW, dstH, dstW] of cases) {
    it(`${srcH}x${srcW} -> ${dstH}x${dstW} matches tfjs cpu resizeBilinear(halfPixelCenters) within 1e-5`, () => {
      const src = randomMap(srcH * srcW, srcH * 1000 + srcW);
      const got = resizeBilinear(src, srcH, srcW, dstH, dstW);
      const expected = tf.tidy(() =>
        tf.image
          .resizeBilinear(tf.tensor4d(src, [1, srcH, srcW, 1]), [dstH, dstW], false, true)
          .dataSync(),
      );
      assert.equal(got.length, expected.length);
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs((got[i] as number) - (expected[i] as number)));
      assert.ok(maxDiff < 1e-5, `max |diff| ${maxDiff}`);
    });
  }

  // By hand: output pixel d of 4 samples source coordinate (d + 0.5) * 2/4 - 0.5 = -0.25, 0.25, 0.75, 1.25,
  // clamped to p = [0, 0.25, 0.75, 1] (edges replicate).
  const p = [0, 0.25, 0.75, 1];
  it('2x2 -> 4x4, a linear ramp v(r, c) = 2r + c, is reproduced exactly: 2 p[y] + p[x]', () => {
    const got = resizeBilinear(new Float32Array([0, 1, 2, 3]), 2, 2, 4, 4);
    const expected = p.flatMap((py) => p.map((px) => 2 * py + px));
    assert.deepEqual(Array.from(got), expected);
  });

  it('2x2 -> 4x4, a corner impulse, gives the product of tent weights (1 - p[y]) (1 - p[x])', () => {
    const got = resizeBilinear(new Float32Array([1, 0, 0, 0]), 2, 2, 4, 4);
    const expected = p.flatMap((py) => p.map((px) => (1 - py) * (1 - px)));
    assert.deepEqual(Array.from(got), expected); // 0.5625 in the second row, second column
  });

  it('leaves a map of the same size unchanged', () => {
    const src = randomMap(30, 5);
    assert.deepEqual(resizeBilinear(src, 5, 6, 5, 6), src);
  });

  it('rejects a source whose length does not match its size', () => {
    assert.throws(
      () => resizeBilinear(new Float32Array(120), 11, 11, 28, 28),
      isGradcamError(/has 120 values but 11x11 = 121 were expected/),
    );
    assert.throws(() => resizeBilinear(new Float32Array(4), 2, 2, 0, 4), isGradcamError(/positive integers/));
  });
});

describe('resizeNearest (half-pixel centres)', () => {
  const cases: Array<[number, number, number, number]> = [
    [28, 28, 280, 280],
    [28, 28, 28, 28],
    [5, 7, 12, 10],
    [11, 11, 4, 6],
  ];
  for (const [srcH, srcW, dstH, dstW] of cases) {
    it(`${srcH}x${srcW} -> ${dstH}x${dstW} equals tfjs cpu resizeNearestNeighbor(halfPixelCenters)`, () => {
      const src = randomMap(srcH * srcW, srcW * 31 + srcH);
      const expected = tf.tidy(() =>
        tf.image
          .resizeNearestNeighbor(tf.tensor4d(src, [1, srcH, srcW, 1]), [dstH, dstW], false, true)
          .dataSync(),
      );
      assert.deepEqual(resizeNearest(src, srcH, srcW, dstH, dstW), expected);
    });
  }

  it('turns every pixel into a crisp s x s block for a whole-number scale', () => {
    const got = resizeNearest(new Float32Array([1, 2, 3, 4]), 2, 2, 6, 6);
    const row = (a: number, b: number) => [a, a, a, b, b, b];
    assert.deepEqual(Array.from(got), [...row(1, 2), ...row(1, 2), ...row(1, 2), ...row(3, 4), ...row(3, 4), ...row(3, 4)]);
  });
});

describe('sampling plans', () => {
  it('bilinearPlan 2 -> 4 samples 0, 0.25, 0.75, 1 (clamped half-pixel centres)', () => {
    const plan = bilinearPlan(2, 4);
    assert.deepEqual(Array.from(plan.low), [0, 0, 0, 1]);
    assert.deepEqual(Array.from(plan.high), [1, 1, 1, 1]);
    assert.deepEqual(Array.from(plan.weight), [0, 0.25, 0.75, 0]);
  });

  it('nearestPlan 3 -> 7 takes floor((d + 0.5) * 3 / 7)', () => {
    assert.deepEqual(Array.from(nearestPlan(3, 7)), [0, 0, 1, 1, 1, 2, 2]);
  });
});
