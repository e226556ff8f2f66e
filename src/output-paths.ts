/**
 * Output paths, checked before the work and explained when the OS refuses
 * them: every operating-system error on a file gradcam writes becomes one
 * GradcamError line naming the path and the fix (issue 12, items 2, 5, 6).
 * Exit code 2 when the path itself cannot be what was asked (a missing or
 * non-directory parent, a directory where a file goes, a name too long);
 * 1 when the filesystem refuses (permissions, read-only, full).
 */
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EXIT_CODES, GradcamError, type ExitCode } from './errors.js';

/** The longest file name (one path component) common filesystems accept, in bytes. */
export const MAX_NAME_BYTES = 255;

/**
 * Directory levels `makeDirectory` creates at most. Node's recursive mkdir
 * loops forever on procfs (issue 12, item 6); this walk is bounded.
 */
const MAX_NEW_LEVELS = 64;

/** What an OS error code means for a path we write, the fix, and its exit code. */
const OS_ERRORS: Record<string, { reason: string; fix: string; exitCode: ExitCode }> = {
  ENOENT: { reason: 'its directory does not exist', fix: 'create the directory first or choose another path', exitCode: EXIT_CODES.usage },
  ENOTDIR: { reason: 'a part of the path is a file, not a directory', fix: 'choose a path inside a directory', exitCode: EXIT_CODES.usage },
  EISDIR: { reason: 'it is a directory', fix: 'give a file name', exitCode: EXIT_CODES.usage },
  ENAMETOOLONG: { reason: 'a name in the path is too long', fix: `use names of at most ${MAX_NAME_BYTES} bytes`, exitCode: EXIT_CODES.usage },
  ELOOP: { reason: 'too many levels of symbolic links', fix: 'check the symbolic links in the path', exitCode: EXIT_CODES.usage },
  EACCES: { reason: 'permission denied', fix: 'choose a directory you can write to', exitCode: EXIT_CODES.failure },
  EPERM: { reason: 'operation not permitted', fix: 'choose a directory you can write to', exitCode: EXIT_CODES.failure },
  EROFS: { reason: 'the filesystem is read-only', fix: 'choose a writable directory', exitCode: EXIT_CODES.failure },
  ENOSPC: { reason: 'no space left on the device', fix: 'free some space or choose another disk', exitCode: EXIT_CODES.failure },
  EDQUOT: { reason: 'disk quota exceeded', fix: 'free some space or choose another disk', exitCode: EXIT_CODES.failure },
  EEXIST: { reason: 'it already exists', fix: 'choose another path', exitCode: EXIT_CODES.failure },
  EBUSY: { reason: 'it is busy', fix: 'try again or choose another path', exitCode: EXIT_CODES.failure },
};

/** The OS error code of an error, if it has one (`ENOENT`, …). */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `error` as one line naming `target` and the fix, when it is an OS error
 * gradcam knows; anything else (a bug) is returned unchanged.
 *
 * @param action what was being done: "write", "create directory", ….
 */
export function outputError(error: unknown, target: string, action = 'write'): unknown {
  if (error instanceof GradcamError) return error;
  const known = OS_ERRORS[errorCode(error) ?? ''];
  if (known === undefined) return error;
  return new GradcamError(`cannot ${action} ${target}: ${known.reason}; ${known.fix}`, known.exitCode, { cause: error });
}

/** Bytes of a name as the filesystem counts them. */
export function nameBytes(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

/** `name` cut at a character boundary to at most `maxBytes` bytes of UTF-8. */
export function truncateToBytes(name: string, maxBytes: number): string {
  if (nameBytes(name) <= maxBytes) return name;
  let cut = '';
  let bytes = 0;
  for (const character of name) {
    bytes += nameBytes(character);
    if (bytes > maxBytes) break;
    cut += character;
  }
  return cut;
}

/**
 * Checks, before any work, that `file` can be written as a file: its
 * directory exists and is a directory (not a file or a dangling symbolic
 * link), `file` is not a directory, and its name fits the filesystem.
 *
 * @param label how the user gave the path, for the message: `-o x.png`.
 * @throws GradcamError (exit 2 for a path that cannot work, 1 for a refusing filesystem).
 */
export async function checkOutputFile(file: string, label: string): Promise<void> {
  const absolute = path.resolve(file);
  const name = path.basename(absolute);
  if (nameBytes(name) > MAX_NAME_BYTES) {
    throw new GradcamError(`${label}: the file name is ${nameBytes(name)} bytes; names can have at most ${MAX_NAME_BYTES}`, EXIT_CODES.usage);
  }
  await checkDirectory(path.dirname(absolute), label, 'exist');
  const stat = await fs.stat(absolute).catch(() => undefined);
  if (stat?.isDirectory()) {
    throw new GradcamError(`${label}: ${absolute} is a directory; give a file name such as ${path.join(file, 'out.png')}`, EXIT_CODES.usage);
  }
}

/**
 * Checks that `directory` is a directory that exists (`must: 'exist'`), or
 * that it is one or can be created (`must: 'be creatable'`: its nearest
 * existing ancestor is a directory). Does not create anything.
 */
export async function checkDirectory(directory: string, label: string, must: 'exist' | 'be creatable' = 'be creatable'): Promise<void> {
  const absolute = path.resolve(directory);
  const missing = new GradcamError(`${label}: directory ${absolute} does not exist; create it first`, EXIT_CODES.usage);
  let current = absolute;
  for (let level = 0; level <= MAX_NEW_LEVELS; level++) {
    let stat;
    try {
      stat = await fs.stat(current);
    } catch (error) {
      const code = errorCode(error);
      // ENOTDIR: an ancestor is a file, found further up.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw outputError(error, current, 'use');
      if (code === 'ENOENT' && (await isSymbolicLink(current))) {
        throw new GradcamError(`${label}: ${current} is a symbolic link to nothing (dangling); fix or remove it`, EXIT_CODES.usage);
      }
    }
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new GradcamError(`${label}: ${current} is a file, not a directory`, EXIT_CODES.usage);
      if (must === 'exist' && current !== absolute) throw missing;
      // Where the first file or directory will be created: a directory this user cannot write to fails now, not after the work.
      await fs.access(current, fsConstants.W_OK).catch((error: unknown) => Promise.reject(labelled(label, outputError(error, current, 'write into'))));
      return;
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  throw missing;
}

/** A GradcamError with the user's name for the path in front (`--out-dir out: …`); other errors unchanged. */
function labelled(label: string, error: unknown): unknown {
  return error instanceof GradcamError ? new GradcamError(`${label}: ${error.message}`, error.exitCode, { cause: error.cause }) : error;
}

async function isSymbolicLink(file: string): Promise<boolean> {
  return (await fs.lstat(file).catch(() => undefined))?.isSymbolicLink() === true;
}

/**
 * Creates `directory` and its missing parents, one level at a time from the
 * nearest existing ancestor, at most MAX_NEW_LEVELS of them: unlike
 * `fs.mkdir(…, { recursive: true })` it cannot loop (it did, on /proc), and
 * its errors are one line naming the directory.
 *
 * @param label how the user gave the path, for the message: `--out-dir out`.
 */
export async function makeDirectory(directory: string, label: string): Promise<void> {
  const absolute = path.resolve(directory);
  await checkDirectory(absolute, label, 'be creatable');
  const missing: string[] = [];
  for (let current = absolute; missing.length <= MAX_NEW_LEVELS; current = path.dirname(current)) {
    const stat = await fs.stat(current).catch(() => undefined);
    if (stat?.isDirectory()) break;
    missing.push(current);
    if (path.dirname(current) === current) break;
  }
  for (const level of missing.reverse()) {
    try {
      await fs.mkdir(level);
    } catch (error) {
      if (errorCode(error) === 'EEXIST' && (await fs.stat(level).catch(() => undefined))?.isDirectory()) continue;
      // ENOENT although the parent exists: a filesystem that takes no new directories (procfs).
      const failed =
        errorCode(error) === 'ENOENT'
          ? new GradcamError(`cannot create directory ${level}: the filesystem there does not allow it; choose another directory`, EXIT_CODES.usage)
          : outputError(error, level, 'create directory');
      throw labelled(label, failed);
    }
  }
}
