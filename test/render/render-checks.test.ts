import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TILE_SIDE, assertAlpha, assertDims, assertLength, assertNoNaN, assertScale } from '../../src/render/render-checks.js';
import { isGradcamError } from '../helpers/render-fixtures.js';

describe('render checks', () => {
  const cases: Array<[why: string, check: () => void, message: RegExp, exitCode?: number]> = [
    ['a zero size', () => assertDims('map', 0, 3), /map size must be positive integers, got 0x3/],
    ['a fractional size', () => assertDims('map', 2, 2.5), /got 2x2.5/],
    ['a wrong length', () => assertLength('map', new Float32Array(5), 2, 3), /map has 5 values but 2x3 = 6 were expected/],
    ['a NaN, by its index', () => assertNoNaN('map', new Float32Array([0, Number.NaN])), /map\[1\] is NaN/],
    ['alpha above 1', () => assertAlpha(1.01), /alpha must be between 0 and 1.*got 1.01/, 2],
    ['alpha NaN', () => assertAlpha(Number.NaN), /got NaN/, 2],
    ['scale 0', () => assertScale(0, 28, 28), /scale must be a whole number >= 1.*got 0/, 2],
    ['a tile over the limit', () => assertScale(2, MAX_TILE_SIDE, 1), new RegExp(`the limit is ${MAX_TILE_SIDE} px a side`), 2],
  ];
  for (const [why, check, message, exitCode] of cases) {
    it(`rejects ${why}`, () => assert.throws(check, isGradcamError(message, exitCode)));
  }

  it('accepts valid arguments', () => {
    assertDims('map', 1, 1);
    assertLength('map', new Float32Array(6), 2, 3);
    assertNoNaN('map', new Float32Array([0, 1]));
    assertAlpha(0);
    assertAlpha(1);
    assertScale(1, MAX_TILE_SIDE, MAX_TILE_SIDE);
  });
});
