/** Spearman's ρ with ties and SSIM against values derived by hand. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageRanks, spearman } from '../../src/evaluate/spearman.js';
import { ssim, SSIM_CONSTANTS } from '../../src/evaluate/ssim.js';
import { uniform } from '../helpers/cam-reference.js';

describe("Spearman's rank correlation", () => {
  it('average ranks share tied places', () => {
    assert.deepEqual([...averageRanks([3, 1, 2, 2])], [4, 1, 2.5, 2.5]);
  });

  it('with ties: the Pearson correlation of the average ranks', () => {
    // ranks [1, 2.5, 2.5, 4] and [1, 2, 3, 4]: cov 4.5, variances 4.5 and 5.
    assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 4.5 / Math.sqrt(4.5 * 5)) < 1e-12);
  });

  it('is 1 for any increasing relation, −1 for a decreasing one, 0 against a constant', () => {
    assert.equal(spearman([1, 5, 2, 9], [10, 50.5, 11, 1e6]), 1);
    assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
    assert.equal(spearman([1, 2, 3], [0, 0, 0]), 0);
  });
});

/** The normalised 11×11 Gaussian window, written out again. */
function window(): number[] {
  const w: number[] = [];
  for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) w.push(Math.exp(-((y - 5) ** 2 + (x - 5) ** 2) / (2 * SSIM_CONSTANTS.sigma ** 2)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

describe('SSIM (Wang et al. 2004, eq. 13)', () => {
  const random = uniform(3, 0, 1);
  const a = Array.from({ length: 121 }, () => random());
  const w = window();
  const mean = (v: number[]) => v.reduce((s, x, i) => s + w[i]! * x, 0);
  const variance = (v: number[]) => mean(v.map((x) => x * x)) - mean(v) ** 2;
  const c1 = (SSIM_CONSTANTS.k1 * 1) ** 2;
  const c2 = (SSIM_CONSTANTS.k2 * 1) ** 2;

  it('is 1 for identical images', () => {
    assert.ok(Math.abs(ssim(a, a, 11, 11) - 1) < 1e-12);
  });

  it('an offset changes only the luminance term: (2μaμb + C1) / (μa² + μb² + C1)', () => {
    const b = a.map((v) => v + 0.2);
    const ma = mean(a);
    const mb = ma + 0.2;
    assert.ok(Math.abs(ssim(a, b, 11, 11) - (2 * ma * mb + c1) / (ma * ma + mb * mb + c1)) < 1e-9);
  });

  it('a contrast change b = 2a − μa keeps the mean: (4σ² + C2) / (5σ² + C2)', () => {
    const ma = mean(a);
    const b = a.map((v) => 2 * v - ma);
    const v = variance(a);
    assert.ok(Math.abs(ssim(a, b, 11, 11) - (4 * v + c2) / (5 * v + c2)) < 1e-9);
  });

  it('averages every window that fits (no padding): a 12×12 image has 4', () => {
    const big = Array.from({ length: 144 }, () => random());
    const other = big.map((v, i) => (i === 0 ? v + 0.5 : v));
    // Only the window at (0, 0) holds pixel 0, with weight w[0].
    const s = ssim(big, other, 12, 12);
    assert.ok(s < 1 && s > 0.75, `${s}`);
  });
});
