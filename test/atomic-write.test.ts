/** Atomic writes: temporary names within 255 bytes, and leftovers of killed saves swept (issue 12, items 10 and 14). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { sweepTemporaryFiles, temporaryPath, writeFileAtomic } from '../src/atomic-write.js';
import { GradcamError } from '../src/errors.js';
import { temporaryDirectory } from './helpers/temp-dir.js';

describe('atomic writes', () => {
  const tmpDir = temporaryDirectory('gradcam-atomic-');

  const names: [string, string][] = [
    ['a short name', 'x.png'],
    ['240 ASCII characters', `${'a'.repeat(236)}.png`],
    ['255 bytes', `${'b'.repeat(251)}.png`],
    ['250 bytes of two-byte letters', `${'ñ'.repeat(123)}.png`],
  ];
  for (const [name, file] of names) {
    it(`writes a file named with ${name}; its temporary name stays within 255 bytes`, async () => {
      const target = path.join(tmpDir(), file);
      assert.ok(Buffer.byteLength(path.basename(temporaryPath(target))) <= 255);
      await writeFileAtomic(target, 'content');
      assert.equal(await fs.readFile(target, 'utf8'), 'content');
      assert.deepEqual((await fs.readdir(tmpDir())).filter((n) => n.endsWith('.tmp')), []);
    });
  }

  it('temporary names of two long names that share a prefix differ', () => {
    const a = temporaryPath(path.join(tmpDir(), `${'c'.repeat(250)}1.png`));
    const b = temporaryPath(path.join(tmpDir(), `${'c'.repeat(250)}2.png`));
    assert.notEqual(a.replace(/\.\d+-[0-9a-f]{8}-\d+\.tmp$/, ''), b.replace(/\.\d+-[0-9a-f]{8}-\d+\.tmp$/, ''));
  });

  it('an OS error is one line naming the target', async () => {
    await assert.rejects(writeFileAtomic(path.join(tmpDir(), 'missing', 'x.png'), 'x'), (error: unknown) => {
      assert.ok(error instanceof GradcamError);
      assert.match(error.message, /^cannot write .*missing\/x\.png: its directory does not exist/);
      return true;
    });
  });

  it('sweepTemporaryFiles removes temporary files of dead processes, keeps those of running ones and other files', async () => {
    const dir = await fs.mkdtemp(path.join(tmpDir(), 'sweep-'));
    // pid 2**22 + 1 is above Linux's pid_max limit (4194304), so no process has it.
    const dead = '.x.png.4194305-0123abcd-1.tmp';
    const alive = path.basename(temporaryPath(path.join(dir, 'y.png'))); // this process's
    for (const name of [dead, alive, 'keep.png', 'notes.tmp']) await fs.writeFile(path.join(dir, name), '');
    assert.deepEqual(await sweepTemporaryFiles(dir), [dead]);
    assert.deepEqual((await fs.readdir(dir)).sort(), [alive, 'keep.png', 'notes.tmp'].sort());
  });
});
