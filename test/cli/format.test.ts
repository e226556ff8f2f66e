import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duration, percent } from '../../src/cli/format.js';

describe('report formatting', () => {
  const percents: [number, string][] = [
    [0.98765, '98.77%'],
    [1, '100.00%'],
    [0.999996, '>99.99%'],
    [0, '0.00%'],
    [0.00004, '<0.01%'],
    [0.5, '50.00%'],
  ];
  for (const [value, text] of percents) it(`percent(${value}) = ${text}`, () => assert.equal(percent(value), text));

  it('duration as m:ss', () => {
    assert.equal(duration(0), '0:00');
    assert.equal(duration(61.4), '1:01');
    assert.equal(duration(Number.POSITIVE_INFINITY), '--:--');
  });
});
