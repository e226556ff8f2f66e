/** Output paths checked before the work, and OS errors as one line (issue 12, items 5 and 6). */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_CODES, GradcamError } from '../src/errors.js';
import { checkDirectory, checkOutputFile, makeDirectory, outputError, truncateToBytes } from '../src/output-paths.js';
import { temporaryDirectory } from './helpers/temp-dir.js';

/** Asserts a GradcamError with this exit code and a message matching `pattern`. */
async function rejectsWith(promise: Promise<unknown>, exitCode: number, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof GradcamError, `not a GradcamError: ${String(error)}`);
    assert.equal(error.exitCode, exitCode);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

describe('output paths', () => {
  const tmpDir = temporaryDirectory('gradcam-paths-', async (dir) => {
    await fs.writeFile(path.join(dir, 'a-file'), 'x');
    await fs.symlink(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
  });

  const fileCases: [string, string, RegExp][] = [
    ['into a missing directory', 'missing/x.png', /directory .*missing does not exist; create it first$/],
    ['naming a directory', '.', /is a directory; give a file name/],
    ['through a file', 'a-file/x.png', /a-file is a file, not a directory$/],
    ['through a file, deeper', 'a-file/sub/x.png', /a-file is a file, not a directory$/],
    ['through a dangling symlink', 'dangling/x.png', /dangling is a symbolic link to nothing/],
    ['with a name over 255 bytes', `${'é'.repeat(130)}.png`, /the file name is 264 bytes; names can have at most 255$/],
  ];
  for (const [name, file, pattern] of fileCases) {
    it(`checkOutputFile: ${name} → exit 2, one line`, async () => {
      await rejectsWith(checkOutputFile(path.join(tmpDir(), file), `-o ${file}`), EXIT_CODES.usage, pattern);
    });
  }

  it('checkOutputFile accepts a new file in an existing directory, a 240-character name, and a dangling symlink as the file itself', async () => {
    await checkOutputFile(path.join(tmpDir(), 'new.png'), '-o new.png');
    await checkOutputFile(path.join(tmpDir(), `${'n'.repeat(236)}.png`), '-o long');
    await checkOutputFile(path.join(tmpDir(), 'dangling'), '-o dangling');
  });

  it('checkDirectory: creatable below an existing directory, not below a file', async () => {
    await checkDirectory(path.join(tmpDir(), 'new', 'deeper'), '--out-dir new/deeper');
    await rejectsWith(checkDirectory(path.join(tmpDir(), 'a-file', 'out'), '--out-dir a-file/out'), EXIT_CODES.usage, /a-file is a file/);
    await rejectsWith(checkDirectory(path.join(tmpDir(), 'a-file'), '--out-dir a-file'), EXIT_CODES.usage, /^--out-dir a-file: .*a-file is a file, not a directory$/);
  });

  it('makeDirectory creates missing levels and accepts existing ones', async () => {
    const target = path.join(tmpDir(), 'made', 'one', 'two');
    await makeDirectory(target, '--out-dir made/one/two');
    await makeDirectory(target, '--out-dir made/one/two');
    assert.ok((await fs.stat(target)).isDirectory());
  });

  it('makeDirectory on /proc fails within a second instead of looping (Node’s recursive mkdir does)', { skip: !existsSync('/proc/self') && 'no /proc here' }, async () => {
    const started = performance.now();
    // As root: the mkdir fails (exit 2); as another user: /proc is not writable (exit 1).
    const exitCode = process.getuid?.() === 0 ? EXIT_CODES.usage : EXIT_CODES.failure;
    await rejectsWith(makeDirectory('/proc/gradcam-test/out', '--out-dir /proc/gradcam-test/out'), exitCode, /^--out-dir \/proc\/gradcam-test\/out: cannot (create directory \/proc\/gradcam-test|write into \/proc)/);
    assert.ok(performance.now() - started < 1000);
  });

  const osCases: [string, number, RegExp][] = [
    ['ENOSPC', EXIT_CODES.failure, /^cannot write \/x: no space left on the device; free some space/],
    ['EACCES', EXIT_CODES.failure, /^cannot write \/x: permission denied/],
    ['EROFS', EXIT_CODES.failure, /read-only/],
    ['EISDIR', EXIT_CODES.usage, /it is a directory/],
    ['ENAMETOOLONG', EXIT_CODES.usage, /too long/],
  ];
  for (const [code, exitCode, pattern] of osCases) {
    it(`outputError: ${code} → exit ${exitCode}, one line naming the path`, () => {
      const error = outputError(Object.assign(new Error(`${code}: raw`), { code }), '/x');
      assert.ok(error instanceof GradcamError);
      assert.equal(error.exitCode, exitCode);
      assert.match(error.message, pattern);
    });
  }

  it('outputError leaves errors that are not OS errors alone (bugs keep their stack)', () => {
    const bug = new TypeError('undefined is not a function');
    assert.equal(outputError(bug, '/x'), bug);
  });

  it('truncateToBytes cuts at a character boundary', () => {
    assert.equal(truncateToBytes('abc', 10), 'abc');
    assert.equal(truncateToBytes('ñññ', 5), 'ññ');
    assert.equal(truncateToBytes('数字', 4), '数');
  });
});
