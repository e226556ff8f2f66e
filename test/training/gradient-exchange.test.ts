import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradientExchange, shareOf } from '../../src/training/gradient-exchange.js';

function exchange(workers: number, parameterCount: number): GradientExchange {
  return new GradientExchange(GradientExchange.createBuffer(workers, parameterCount), workers, parameterCount);
}

describe('shareOf', () => {
  const cases: [size: number, workers: number, expected: [number, number][]][] = [
    [32, 2, [[0, 16], [16, 32]]],
    [16, 2, [[0, 8], [8, 16]]],
    [3, 2, [[0, 1], [1, 3]]],
    [1, 2, [[0, 0], [0, 1]]],
    [32, 3, [[0, 10], [10, 21], [21, 32]]],
    [5, 1, [[0, 5]]],
  ];
  for (const [size, workers, expected] of cases) {
    it(`splits ${size} images between ${workers} workers contiguously`, () => {
      const shares = Array.from({ length: workers }, (_, w) => shareOf(size, w, workers));
      assert.deepEqual(shares.map((s) => [s.start, s.end]), expected);
    });
  }
});

describe('GradientExchange', () => {
  it('averages the slots weighted by share size (the gradient of the mean over the whole batch)', () => {
    // Worker 0 had 3 images, worker 1 had 1: mean over 4 images = (3·g0 + 1·g1) / 4.
    const ex = exchange(2, 3);
    ex.slot(0, 0).set([1, 2, -4]);
    ex.slot(0, 1).set([5, -2, 8]);
    ex.setStats(0, 0, { images: 3, lossSum: 1.5, correct: 2 });
    ex.setStats(0, 1, { images: 1, lossSum: 0.25, correct: 1 });
    const out = ex.average(0, new Float32Array(3));
    assert.deepEqual([...out], [(3 * 1 + 5) / 4, (3 * 2 - 2) / 4, (3 * -4 + 8) / 4]);
    assert.deepEqual(ex.totals(0), { images: 4, lossSum: 1.75, correct: 3 });
  });

  it('equals the plain mean for equal shares, for any number of workers', () => {
    for (const workers of [1, 2, 3, 4]) {
      const ex = exchange(workers, 4);
      const expected = [0, 0, 0, 0];
      for (let w = 0; w < workers; w++) {
        const values = [w + 1, -2 * w, 0.5 * w, 7];
        ex.slot(5, w).set(values);
        ex.setStats(5, w, { images: 8, lossSum: 0, correct: 0 });
        values.forEach((v, i) => (expected[i]! += v / workers));
      }
      const out = ex.average(5, new Float32Array(4));
      out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${workers} workers, element ${i}: ${v} vs ${expected[i]}`));
    }
  });

  it('ignores the slot of a worker with an empty share, whatever it holds', () => {
    const ex = exchange(2, 2);
    ex.slot(1, 0).set([NaN, Infinity]); // stale or garbage
    ex.slot(1, 1).set([3, 4]);
    ex.setStats(1, 0, { images: 0, lossSum: 0, correct: 0 });
    ex.setStats(1, 1, { images: 1, lossSum: 0.5, correct: 1 });
    assert.deepEqual([...ex.average(1, new Float32Array(2))], [3, 4]);
  });

  it('keeps consecutive steps in separate slots, and step k+2 reuses step k', () => {
    const ex = exchange(2, 1);
    assert.notEqual(ex.slot(0, 0), ex.slot(1, 0));
    assert.notEqual(ex.slot(0, 0), ex.slot(0, 1));
    ex.slot(0, 0)[0] = 1;
    ex.slot(1, 0)[0] = 2;
    assert.equal(ex.slot(2, 0)[0], 1);
    assert.equal(ex.slot(3, 0)[0], 2);
  });

  it('adds validation sums separately from step statistics', () => {
    const ex = exchange(2, 1);
    ex.setStats(0, 0, { images: 16, lossSum: 9, correct: 9 });
    ex.setValidationStats(0, { images: 1000, lossSum: 50.5, correct: 990 });
    ex.setValidationStats(1, { images: 500, lossSum: 20, correct: 480 });
    assert.deepEqual(ex.validationTotals(), { images: 1500, lossSum: 70.5, correct: 1470 });
    assert.equal(ex.totals(0).images, 16);
  });

  it('computes the same bits on every worker (fixed order, one rounding)', () => {
    const ex = exchange(2, 1000);
    for (let i = 0; i < 1000; i++) {
      ex.slot(0, 0)[i] = Math.sin(i) * 1e-3;
      ex.slot(0, 1)[i] = Math.cos(i) * 1e3;
    }
    ex.setStats(0, 0, { images: 16, lossSum: 0, correct: 0 });
    ex.setStats(0, 1, { images: 15, lossSum: 0, correct: 0 });
    const a = ex.average(0, new Float32Array(1000));
    const b = new Float32Array(1000);
    ex.average(0, b, 0, 500);
    ex.average(0, b, 500, 1000);
    assert.deepEqual(a, b);
  });

  it('rejects a buffer of the wrong size', () => {
    assert.throws(() => new GradientExchange(GradientExchange.createBuffer(2, 10), 2, 11), /expected/);
  });
});
