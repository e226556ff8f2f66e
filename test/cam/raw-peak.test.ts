import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawPeaks } from '../../src/cam/raw-peak.js';

describe('rawPeaks', () => {
  it('is each map’s own maximum, map by map', () => {
    // Two 2×2 maps: the second's peak is in its last cell, the first's in its second.
    assert.deepEqual(rawPeaks(new Float32Array([0.5, 3, 1, 2, 0, 0, 0, 0.25]), 2), [3, 0.25]);
  });

  it('is 0 for an all-zero map (ReLU leaves no negatives) and [] for no maps', () => {
    assert.deepEqual(rawPeaks(new Float32Array(9), 1), [0]);
    assert.deepEqual(rawPeaks(new Float32Array(0), 0), []);
  });
});
