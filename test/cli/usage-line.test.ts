/** commander's usage errors as one line (issue 12, item 12). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usageLine } from '../../src/cli/usage-line.js';

describe('usageLine', () => {
  const cases: [string, string][] = [
    ["error: unknown option '--epoch'\n(Did you mean --epochs?)\n", "gradcam: unknown option '--epoch' (did you mean --epochs?); see --help"],
    ["error: unknown command 'bogus'\n", "gradcam: unknown command 'bogus'; see --help"],
    [
      "error: option '--alpha <f>' argument '2' is invalid. expected a number in [0, 1], got \"2\"\n",
      "gradcam: option '--alpha <f>' argument '2' is invalid. expected a number in [0, 1], got \"2\"; see --help",
    ],
    [
      "error: option '--colormap <name>' argument 'pink' is invalid. Allowed choices are jet, hot, gray.\n",
      "gradcam: option '--colormap <name>' argument 'pink' is invalid. Allowed choices are jet, hot, gray; see --help",
    ],
  ];
  for (const [commander, expected] of cases) {
    it(JSON.stringify(commander), () => assert.equal(usageLine(commander), expected));
  }
});
