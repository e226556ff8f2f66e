/**
 * Parsing of index lists given on the command line (`--mnist-index 3,5,10..12`).
 * Kept free of TensorFlow.js and file I/O so that `cli.ts` can use it in an option parser.
 */
import { usageError } from '../errors.js';

/** Upper bound on the number of indices one spec may select (guards against "0..999999999"). */
export const MAX_INDEX_SPEC_COUNT = 1_000_000;

const ITEM = /^(\d+)(?:\.\.(\d+))?$/;
const EXAMPLES = 'use e.g. 0, 0..99 or 3,5,10..12';

/**
 * Parses "0", "0..99" (inclusive range), "3,5,10..12" (comma-separated items; spaces around
 * items are allowed) into the list of indices, in the order written, duplicates removed.
 * Only non-negative integers; upper bounds are checked later against the data set.
 * @throws usage GradcamError (exit code 2) naming the offending item.
 */
export function parseIndexSpec(spec: string): number[] {
  if (spec.trim() === '') throw usageError(`empty index list; ${EXAMPLES}`);
  const seen = new Set<number>();
  const indices: number[] = [];
  for (const rawItem of spec.split(',')) {
    const item = rawItem.trim();
    const match = ITEM.exec(item);
    if (match === null) {
      throw usageError(
        `invalid index list "${spec}": ${item === '' ? 'empty item' : `"${item}" is not an index or a range like 10..12`}; ${EXAMPLES}`,
      );
    }
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) {
      throw usageError(`invalid index list "${spec}": "${item}" is too large`);
    }
    if (last < first) {
      throw usageError(`invalid index list "${spec}": range "${item}" is descending; write ${last}..${first}`);
    }
    if (last - first + 1 + indices.length > MAX_INDEX_SPEC_COUNT) {
      throw usageError(`invalid index list "${spec}": selects more than ${MAX_INDEX_SPEC_COUNT} indices`);
    }
    for (let index = first; index <= last; index++) {
      if (!seen.has(index)) {
        seen.add(index);
        indices.push(index);
      }
    }
  }
  return indices;
}
