import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pid } from 'node:process';
import { isRunning } from './directory-lock.js';
import { GradcamError } from './errors.js';
import { MAX_NAME_BYTES, nameBytes, outputError, truncateToBytes } from './output-paths.js';

/**
 * Temporary names: `.<name>.<pid>-<random>-<counter>.tmp`, a random prefix
 * per process (and thread) and a counter, so thousands of batch writes need
 * no random bytes each. The pid lets a later run tell a temporary file of a
 * killed save from one being written now (sweepTemporaryFiles).
 */
const temporaryPrefix = `${pid}-${randomBytes(4).toString('hex')}`;
let temporaryCount = 0;
const TEMPORARY_NAME = /^\..*\.(\d+)-[0-9a-f]{8}-\d+\.tmp$/;

/**
 * Directories this thread writes temporary files into or swept at the start
 * of a run (a batch's out-dir and images/, a model directory): where
 * removeOwnTemporaryFilesSync looks. Picture threads write into directories
 * the main thread swept, and share its pid, so their files are found too.
 */
const temporaryDirectories = new Set<string>();

/**
 * Set (to 1) when the process is about to exit on a signal: writeFileAtomic
 * then starts no new temporary file. Shared with picture threads
 * (tile-writer.ts passes it; `shareStopFlag` adopts it there), which write
 * into the same directories from threads of their own.
 */
let stopFlag = new Int32Array(new SharedArrayBuffer(4));

/** The flag to hand a picture thread in its workerData. */
export function stopFlagBuffer(): SharedArrayBuffer {
  return stopFlag.buffer as SharedArrayBuffer;
}

/** In a picture thread: use the main thread's stop flag. */
export function shareStopFlag(buffer: SharedArrayBuffer): void {
  stopFlag = new Int32Array(buffer);
}

/**
 * How long removeOwnTemporaryFilesSync waits after raising the stop flag:
 * a write a thread began just before the flag rose has created its temporary
 * file by then (a file is created within microseconds of the check).
 */
const STOP_GRACE_MS = 20;

/** Bytes of `~` and the 8 hex digits of hash that end a cut name. */
const HASH_BYTES = 9;

/**
 * The temporary file of `target`, within MAX_NAME_BYTES: a long name (a legal
 * 240-byte one would overflow) is cut at a character boundary and hashed,
 * so it stays unique (issue 12, item 10).
 */
export function temporaryPath(target: string): string {
  const name = path.basename(target);
  const suffix = `.${temporaryPrefix}-${++temporaryCount}.tmp`;
  const budget = MAX_NAME_BYTES - 1 - nameBytes(suffix);
  let stem = name;
  if (nameBytes(name) > budget) {
    stem = `${truncateToBytes(name, budget - HASH_BYTES)}~${createHash('sha1').update(name).digest('hex').slice(0, 8)}`;
  }
  temporaryDirectories.add(path.resolve(path.dirname(target)));
  return path.join(path.dirname(target), `.${stem}${suffix}`);
}

/**
 * Removes this process's temporary files (its pid in their names) from the
 * directories it writes into, synchronously: for a signal handler, just
 * before the process exits on Ctrl-C or SIGTERM (issue 12, item 14), so no
 * `.tmp` file is left behind. First raises the stop flag, so no thread starts
 * another, and waits STOP_GRACE_MS for those just started. A file being
 * renamed at that moment is either still there (removed) or already in
 * place (a complete file, kept). Errors are ignored: the next run sweeps
 * what is left.
 * @returns the paths removed.
 */
export function removeOwnTemporaryFilesSync(): string[] {
  Atomics.store(stopFlag, 0, 1);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STOP_GRACE_MS);
  const removed: string[] = [];
  for (const directory of temporaryDirectories) {
    let names: string[];
    try {
      names = readdirSync(directory);
    } catch {
      continue;
    }
    for (const name of names) {
      if (TEMPORARY_NAME.exec(name)?.[1] !== String(pid)) continue;
      try {
        rmSync(path.join(directory, name), { force: true });
        removed.push(path.join(directory, name));
      } catch {
        /* the next run's sweep removes it */
      }
    }
  }
  return removed;
}

/**
 * Removes the temporary files that saves of processes no longer running left
 * in `directory` (killed mid-write: kill -9, a power loss). Those of running
 * processes, this one included, are theirs to rename. Resolves to the names
 * removed; a directory that cannot be read has none.
 */
export async function sweepTemporaryFiles(directory: string): Promise<string[]> {
  temporaryDirectories.add(path.resolve(directory));
  const names = await fs.readdir(directory).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const owner = TEMPORARY_NAME.exec(name)?.[1];
    if (owner === undefined || isRunning(Number(owner))) continue;
    await fs.rm(path.join(directory, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Writes a file so that readers see the old content or the new one, never a
 * torn write: a temporary file in the same directory, fsync, then rename over
 * the target (rename is atomic within a filesystem). OS errors become one
 * line naming `target` (output-paths.ts `outputError`).
 *
 * @param options.durable fsync before the rename (default true) so the new
 *   content also survives a power loss; without it the write is still atomic
 *   for any process crash, and 10,000 batch pictures do not cost 10,000 fsyncs.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  options: { durable?: boolean } = {},
): Promise<void> {
  if (Atomics.load(stopFlag, 0) === 1) throw new GradcamError(`not writing ${target}: gradcam is stopping`);
  const temporary = temporaryPath(target);
  try {
    if (options.durable === false) {
      await fs.writeFile(temporary, data);
    } else {
      const handle = await fs.open(temporary, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw outputError(error, target);
  }
}

/** Makes renames inside `directory` durable; some filesystems refuse fsync on a directory, which is harmless. */
export async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await fs.open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
