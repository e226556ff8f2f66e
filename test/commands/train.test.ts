/** train checks its output path before any data loads or a batch trains (issue 12, item 2). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { train } from '../../src/commands/train.js';
import { EXIT_CODES, GradcamError } from '../../src/errors.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

describe('train output path', () => {
  const tmpDir = temporaryDirectory('gradcam-train-out-', async (dir) => {
    await fs.writeFile(path.join(dir, 'a-file'), 'x');
  });

  const cases: [string, string, RegExp][] = [
    ['naming a file', 'a-file', /^-o .*a-file: .*a-file is a file, not a directory$/],
    ['below a file', 'a-file/model', /^-o .*a-file\/model: .*a-file is a file, not a directory$/],
  ];
  for (const [name, output, pattern] of cases) {
    it(`-o ${name}: a usage error before the data is read`, async () => {
      // The data directory does not exist: reading it first would fail with another message.
      const started = performance.now();
      await assert.rejects(train({ output: path.join(tmpDir(), output), dataDir: path.join(tmpDir(), 'no-data'), backend: 'cpu', onStart: () => assert.fail('training started') }), (error: unknown) => {
        assert.ok(error instanceof GradcamError, String(error));
        assert.equal(error.exitCode, EXIT_CODES.usage);
        assert.match(error.message, pattern);
        return true;
      });
      assert.ok(performance.now() - started < 5000);
    });
  }
});
