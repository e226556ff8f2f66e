import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { usageError } from '../errors.js';
import { parseIndexSpec } from './index-spec.js';
import type { InputRef } from './inputs.js';

/** File extensions taken from directories and glob matches (formats sharp decodes). Case-insensitive. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.svg',
]);

/** Size of the MNIST test set, for --mnist-test ranges. */
export const MNIST_TEST_COUNT = 10_000;

/** What the user asked to process. */
export interface InputSelection {
  /** Image files, directories (searched recursively) and glob patterns (`digits/**\/*.png`). */
  paths?: readonly string[];
  /** MNIST test-set indices, e.g. "0", "0..99", "3,5,10..12". */
  mnistIndex?: string;
  /** The MNIST test set, from `offset` (default 0), at most `limit` images. */
  mnistTest?: boolean;
  offset?: number;
  limit?: number;
  /** Read true labels from file names that start with a digit and `_` or `-` (`7_foo.png`). */
  labelsFromNames?: boolean;
  /** Base of relative paths. */
  cwd?: string;
  /**
   * A directory whose images directories and patterns never yield: the batch
   * output directory, so a re-run does not explain its own outputs (issue 12,
   * item 4). A directory given inside it is searched as usual.
   */
  exclude?: string;
}

/**
 * Expands a selection into input references, in a stable order: paths in the
 * order given, each directory's images (not hidden ones) sorted by path, each glob's matches
 * sorted; then MNIST records. A path given twice is kept once. A directory or
 * pattern without images is a usage error (a CI job with a wrong pattern should
 * fail before doing work); a listed file that does not exist is kept, and fails
 * as that input.
 */
export async function resolveInputs(selection: InputSelection): Promise<InputRef[]> {
  const cwd = selection.cwd ?? '.';
  const refs: InputRef[] = [];
  const seen = new Set<string>();
  const addFile = (file: string) => {
    const key = path.resolve(cwd, file);
    if (seen.has(key)) return;
    seen.add(key);
    const label = selection.labelsFromNames ? labelFromName(file) : undefined;
    refs.push(label === undefined ? { kind: 'file', path: file } : { kind: 'file', path: file, label });
  };
  const excluded = selection.exclude === undefined ? undefined : path.resolve(cwd, selection.exclude);
  /** Whether a found file lies in the excluded directory (and `given` does not). */
  const isExcluded = (given: string, file: string) =>
    excluded !== undefined && isInside(path.resolve(cwd, file), excluded) && !isInside(path.resolve(cwd, given), excluded);
  /** " outside the output directory out" when only excluded images were found. */
  const excludedNote = (found: number) => (found > 0 ? ` outside the output directory ${selection.exclude}` : '');
  for (const given of selection.paths ?? []) {
    const stat = await fs.stat(path.resolve(cwd, given)).catch(() => undefined);
    if (stat?.isDirectory()) {
      const found = await imagesInDirectory(path.resolve(cwd, given));
      const images = found.filter((relative) => !isExcluded(given, path.join(given, relative)));
      if (images.length === 0) throw usageError(`directory "${given}" holds no images${excludedNote(found.length)} (${[...IMAGE_EXTENSIONS].join(' ')})`);
      for (const relative of images) addFile(path.join(given, relative));
    } else if (stat === undefined && isGlobPattern(given)) {
      const found = await imagesMatching(given, cwd);
      const matches = found.filter((match) => !isExcluded(given.replace(/[*?[{].*$/, ''), match));
      if (matches.length === 0) throw usageError(`no images${excludedNote(found.length)} match "${given}"`);
      for (const match of matches) addFile(match);
    } else {
      addFile(given);
    }
  }
  const indices: number[] = [];
  if (selection.mnistIndex !== undefined) indices.push(...parseIndexSpec(selection.mnistIndex));
  if (selection.mnistTest) indices.push(...mnistTestRange(selection.offset ?? 0, selection.limit));
  const seenIndices = new Set<number>();
  for (const index of indices) {
    if (seenIndices.has(index)) continue;
    seenIndices.add(index);
    refs.push({ kind: 'mnist', split: 'test', index });
  }
  return refs;
}

/**
 * Whether a selection asks for a collection by the kind of its arguments,
 * whatever it matches (issue 13, "batch mode by kind of argument"): several
 * paths, a directory, a glob pattern, `--mnist-test`, or an `--mnist-index`
 * list or range. A CI job's output layout then does not depend on how many
 * files a directory happens to hold.
 */
export async function selectsCollection(selection: Pick<InputSelection, 'paths' | 'mnistIndex' | 'mnistTest' | 'cwd'>): Promise<boolean> {
  const paths = selection.paths ?? [];
  if (selection.mnistTest === true || paths.length > 1) return true;
  if (selection.mnistIndex !== undefined && (paths.length > 0 || /[,.]/.test(selection.mnistIndex))) return true;
  for (const given of paths) {
    const stat = await fs.stat(path.resolve(selection.cwd ?? '.', given)).catch(() => undefined);
    if (stat?.isDirectory() || (stat === undefined && isGlobPattern(given))) return true;
  }
  return false;
}

/** Whether `file` is `directory` or lies under it (both absolute). */
function isInside(file: string, directory: string): boolean {
  const relative = path.relative(directory, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The class a file name declares by the documented convention `<digit>_name` or `<digit>-name`, e.g. `7_foo.png` → 7. */
export function labelFromName(file: string): number | undefined {
  const match = /^(\d)[_-]/.exec(path.basename(file));
  return match ? Number(match[1]) : undefined;
}

/** Whether a path contains glob syntax (`*`, `?`, `[...]`, `{a,b}`). */
export function isGlobPattern(value: string): boolean {
  return /[*?[\]{}]/.test(value);
}

/** One part of a deterministic split of the work: part `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses "i/n" (1 ≤ i ≤ n), e.g. "2/4". */
export function parseShard(spec: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw usageError(`--shard must be "i/n" with 1 ≤ i ≤ n (e.g. "2/4"), got "${spec}"`);
  }
  return { index, count };
}

/**
 * The contiguous slice of `items` that shard i of n processes: items
 * [⌊(i−1)·N/n⌋, ⌊i·N/n⌋). Concatenating the manifests of shards 1..n in order
 * gives the unsharded order, and every item is in exactly one shard.
 */
export function shardSlice<T>(items: readonly T[], shard: Shard): T[] {
  const start = Math.floor(((shard.index - 1) * items.length) / shard.count);
  const end = Math.floor((shard.index * items.length) / shard.count);
  return items.slice(start, end);
}

function mnistTestRange(offset: number, limit: number | undefined): number[] {
  if (!Number.isInteger(offset) || offset < 0 || offset >= MNIST_TEST_COUNT) {
    throw usageError(`--offset must be in 0..${MNIST_TEST_COUNT - 1}, got ${offset}`);
  }
  const count = Math.min(MNIST_TEST_COUNT - offset, limit ?? MNIST_TEST_COUNT);
  return Array.from({ length: count }, (_, i) => offset + i);
}

async function imagesInDirectory(directory: string): Promise<string[]> {
  const entries = await fs.readdir(directory, { recursive: true, withFileTypes: true });
  return (
    entries
      .filter((entry) => entry.isFile() && IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))
      .map((entry) => path.relative(directory, path.join(entry.parentPath ?? entry.path, entry.name)))
      // Hidden files and directories are skipped, as glob patterns skip them.
      .filter((relative) => !relative.split(path.sep).some((part) => part.startsWith('.')))
      .sort(compareCodepoints)
  );
}

async function imagesMatching(pattern: string, cwd: string): Promise<string[]> {
  // Loaded only when a pattern is given.
  const { glob } = await import('tinyglobby');
  const matches = await glob(pattern, { cwd, onlyFiles: true, expandDirectories: false });
  return matches.filter((file) => IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase())).sort(compareCodepoints);
}

function compareCodepoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
