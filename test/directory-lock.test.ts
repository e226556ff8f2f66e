/** One writer at a time in a directory (issue 12, item 1). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LOCK_FILE, withDirectoryLock } from '../src/directory-lock.js';
import { GradcamError } from '../src/errors.js';
import { temporaryDirectory } from './helpers/temp-dir.js';

describe('withDirectoryLock', () => {
  const tmpDir = temporaryDirectory('gradcam-lock-');

  it('runs holders one after the other and removes the lock', async () => {
    const order: string[] = [];
    const holder = (name: string) =>
      withDirectoryLock(tmpDir(), async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`${name} out`);
      });
    await Promise.all([holder('a'), holder('b')]);
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
    await assert.rejects(fs.access(path.join(tmpDir(), LOCK_FILE)));
  });

  it('a lock held by a running process (this one) times out with one line naming it', async () => {
    await fs.writeFile(path.join(tmpDir(), LOCK_FILE), `${process.pid}\n`);
    await assert.rejects(withDirectoryLock(tmpDir(), async () => assert.fail('ran'), { timeoutMs: 100 }), (error: unknown) => {
      assert.ok(error instanceof GradcamError);
      assert.match(error.message, new RegExp(`is being written by process ${process.pid} .*; try again when it finishes$`));
      return true;
    });
    await fs.rm(path.join(tmpDir(), LOCK_FILE));
  });

  it('releases the lock when the work fails', async () => {
    await assert.rejects(withDirectoryLock(tmpDir(), async () => Promise.reject(new Error('boom'))), /boom/);
    await withDirectoryLock(tmpDir(), async () => undefined, { timeoutMs: 100 });
  });
});
