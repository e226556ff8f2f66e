import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_CODES, GradcamError } from '../../src/errors.js';
import { MAX_INDEX_SPEC_COUNT, parseIndexSpec } from '../../src/data/index-spec.js';

describe('parseIndexSpec', () => {
  const valid: [string, number[]][] = [
    ['0', [0]],
    ['7', [7]],
    ['007', [7]],
    ['0..4', [0, 1, 2, 3, 4]],
    ['5..5', [5]],
    ['3,5,10..12', [3, 5, 10, 11, 12]],
    [' 3 , 5 ,10..12 ', [3, 5, 10, 11, 12]],
    ['9,2,0', [9, 2, 0]],
    ['1,1,0..2', [1, 0, 2]],
    ['59999', [59999]],
  ];
  for (const [spec, expected] of valid) {
    it(`"${spec}" -> [${expected.join(',')}]`, () => {
      assert.deepEqual(parseIndexSpec(spec), expected);
    });
  }

  it('"0..99" has 100 indices', () => {
    assert.deepEqual(parseIndexSpec('0..99'), Array.from({ length: 100 }, (_, i) => i));
  });

  const invalid: [string, string][] = [
    ['', 'empty index list; use e.g. 0, 0..99 or 3,5,10..12'],
    ['  ', 'empty index list; use e.g. 0, 0..99 or 3,5,10..12'],
    ['a', 'invalid index list "a": "a" is not an index or a range like 10..12; use e.g. 0, 0..99 or 3,5,10..12'],
    ['-1', 'invalid index list "-1": "-1" is not an index or a range like 10..12; use e.g. 0, 0..99 or 3,5,10..12'],
    ['1.5', 'invalid index list "1.5": "1.5" is not an index or a range like 10..12; use e.g. 0, 0..99 or 3,5,10..12'],
    ['1..', 'invalid index list "1..": "1.." is not an index or a range like 10..12; use e.g. 0, 0..99 or 3,5,10..12'],
    ['..5', 'invalid index list "..5": "..5" is not an index or a range like 10..12; use e.g. 0, 0..99 or 3,5,10..12'],
    ['1-3', 'invalid index list "1-3": "1-3" is not an index or a range like 10..12; use e.g. 0, 0..99 or 3,5,10..12'],
    ['1,,2', 'invalid index list "1,,2": empty item; use e.g. 0, 0..99 or 3,5,10..12'],
    ['3,', 'invalid index list "3,": empty item; use e.g. 0, 0..99 or 3,5,10..12'],
    ['5..3', 'invalid index list "5..3": range "5..3" is descending; write 3..5'],
    ['99999999999999999999', 'invalid index list "99999999999999999999": "99999999999999999999" is too large'],
    [`0..${MAX_INDEX_SPEC_COUNT}`, `invalid index list "0..${MAX_INDEX_SPEC_COUNT}": selects more than ${MAX_INDEX_SPEC_COUNT} indices`],
  ];
  for (const [spec, message] of invalid) {
    it(`"${spec}" is a usage error`, () => {
      assert.throws(
        () => parseIndexSpec(spec),
        (err: unknown) => {
          assert.ok(err instanceof GradcamError);
          assert.equal(err.message, message);
          assert.equal(err.exitCode, EXIT_CODES.usage);
          return true;
        },
      );
    });
  }
});
