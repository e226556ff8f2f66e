import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heatmapStats } from '../../src/outputs/heatmap-stats.js';

describe('heatmapStats', () => {
  it('finds the first maximum, the mean and the share of heat on ink (3×2 by hand)', () => {
    // heat        image (ink ≥ 0.2 marked *)
    // 0.1 0.9 0.9   0   1*  0.1
    // 0.0 0.5 0.5   0.2* 0  0
    const heat = Float32Array.from([0.1, 0.9, 0.9, 0, 0.5, 0.5]);
    const image = Float32Array.from([0, 1, 0.1, 0.2, 0, 0]);
    const stats = heatmapStats(heat, image, 3);
    assert.deepEqual(stats.peak, { x: 1, y: 0 });
    assert.ok(Math.abs(stats.mean - 2.9 / 6) < 1e-7);
    assert.ok(Math.abs(stats.inkShare - (0.9 + 0) / 2.9) < 1e-7);
  });

  it('an all-zero map has no ink share and peaks at the first pixel', () => {
    const stats = heatmapStats(new Float32Array(4), Float32Array.from([1, 1, 1, 1]), 2);
    assert.deepEqual(stats, { peak: { x: 0, y: 0 }, mean: 0, inkShare: 0 });
  });
});
