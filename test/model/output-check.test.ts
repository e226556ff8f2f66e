import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { badModelOutput } from '../../src/model/output-check.js';

describe('badModelOutput', () => {
  const cases: [string, number[], RegExp | undefined][] = [
    ['probabilities', [0.25, 0.75], undefined],
    ['zeros', [0, 0], undefined],
    ['a NaN', [0.5, Number.NaN], /^model output is NaN \(model m\.json\)/],
    ['an infinity', [Number.POSITIVE_INFINITY, 0], /^model output is infinite \(model m\.json\)/],
    ['NaN beside an infinity: NaN is named', [Number.NEGATIVE_INFINITY, Number.NaN], /^model output is NaN/],
  ];
  for (const [name, row, expected] of cases) {
    it(name, () => {
      const problem = badModelOutput(Float32Array.from(row), 'm.json');
      if (expected === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? '', expected);
    });
  }
});
