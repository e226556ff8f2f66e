import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { peakText, probabilityPhrase } from '../../src/outputs/number-format.js';

describe('probabilityPhrase (figure captions: "explaining 3 (p < 0.01%)")', () => {
  const cases: [number, string][] = [
    [0.1234, 'p = 12.34%'],
    [0.00001, 'p < 0.01%'],
    [0, 'p = 0.00%'],
    [0.999999, 'p > 99.99%'],
    [1, 'p = 100.00%'],
  ];
  for (const [value, text] of cases) it(`${value} -> ${text}`, () => assert.equal(probabilityPhrase(value), text));
});

describe('peakText (3 significant digits)', () => {
  const cases: [number, string][] = [
    [3.2749, '3.27'],
    [0.0641544908, '0.0642'],
    [0, '0'],
    [1, '1'],
    [123456, '123000'],
    [1.234e-8, '1.2e-8'],
  ];
  for (const [value, text] of cases) it(`${value} -> ${text}`, () => assert.equal(peakText(value), text));
});
