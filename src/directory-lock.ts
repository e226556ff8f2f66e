/**
 * One writer at a time in a directory (issue 12, item 1: two `train -o M`
 * at once could both exit 0 and leave a broken model, one run's clean-up
 * deleting the other's new weights). The lock is a file created exclusively
 * (O_EXCL) holding its owner's pid; a lock whose owner no longer runs (kill -9,
 * a power loss) is stale and taken over. A waiter polls until the lock is free.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { kill, pid } from 'node:process';
import { GradcamError } from './errors.js';
import { errorCode, outputError } from './output-paths.js';

/** The lock file, hidden, inside the locked directory. */
export const LOCK_FILE = '.gradcam.lock';

/** How often a waiter looks again, and how long it waits at most by default (a save takes well under a second). */
const POLL_MS = 25;
const DEFAULT_TIMEOUT_MS = 60_000;

/** Whether a process with this id runs (signal 0 checks without sending anything; EPERM: it runs, as another user). */
export function isRunning(processId: number): boolean {
  try {
    kill(processId, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Runs `work` holding the lock of `directory` (which must exist), waiting for
 * another holder (another process, or another save in this one) to finish.
 *
 * @throws GradcamError when the lock stays held for `timeoutMs`.
 */
export async function withDirectoryLock<T>(directory: string, work: () => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  const lock = path.join(directory, LOCK_FILE);
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  for (;;) {
    try {
      await fs.writeFile(lock, `${pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw outputError(error, lock, 'lock');
    }
    const owner = Number.parseInt(await fs.readFile(lock, 'utf8').catch(() => ''), 10);
    // No pid yet: its owner is between creating and writing the file; wait.
    if (Number.isInteger(owner) && !isRunning(owner)) {
      await fs.rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new GradcamError(`${directory} is being written by process ${Number.isInteger(owner) ? owner : '?'} (lock ${lock}); try again when it finishes`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    return await work();
  } finally {
    await fs.rm(lock, { force: true });
  }
}
