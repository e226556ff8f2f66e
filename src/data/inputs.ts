import * as path from 'node:path';
import { GradcamError } from '../errors.js';
import { loadDigitImage } from './image.js';
import { readMnistRecords, type MnistSplitName } from './mnist.js';

/** Where a digit comes from: an image file, or a record of an MNIST split. */
export type InputRef =
  | { kind: 'file'; path: string; /** True class declared by the file name, see labelFromName. */ label?: number }
  | { kind: 'mnist'; split: MnistSplitName; index: number };

/** A digit ready for the model. */
export interface Digit {
  ref: InputRef;
  /** How the input is named in output and manifests: the path, or `mnist:test/0`. */
  source: string;
  /** 28×28 values in [0, 1], white ink on black, row-major. */
  pixels: Float32Array;
  /** The true class when known (MNIST records, or a file named by the `7_name.png` convention). */
  label?: number;
}

/** An input that failed, with a one-line reason; the others are still processed. */
export interface FailedInput {
  source: string;
  error: string;
}

/** An input that could not be read. */
export interface InputFailure extends FailedInput {
  ref: InputRef;
}

export type LoadedInput = Digit | InputFailure;

export function isFailure<T extends object>(input: T | InputFailure): input is InputFailure {
  return 'error' in input && typeof input.error === 'string';
}

/** The display name of an input. */
export function describeInput(ref: InputRef): string {
  return ref.kind === 'file' ? ref.path : `mnist:${ref.split}/${ref.index}`;
}

/** Files decoded at once: sharp works on its own threads, so a few in flight keep them busy. */
const DECODE_CONCURRENCY = 4;

/**
 * Reads every input. A file that cannot be decoded becomes an InputFailure
 * with a one-line reason (the other inputs are still read); an MNIST index out
 * of range is a usage error and throws.
 */
export async function loadInputs(
  refs: readonly InputRef[],
  options: { dataDir?: string; cwd?: string } = {},
): Promise<LoadedInput[]> {
  const loaded: LoadedInput[] = new Array(refs.length);
  const mnistBySplit = new Map<MnistSplitName, number[]>();
  refs.forEach((ref, i) => {
    if (ref.kind === 'mnist') mnistBySplit.set(ref.split, [...(mnistBySplit.get(ref.split) ?? []), i]);
  });
  for (const [split, positions] of mnistBySplit) {
    const indices = positions.map((i) => (refs[i] as { index: number }).index);
    const records = await readMnistRecords(split, indices, options);
    const size = records.rows * records.cols;
    positions.forEach((position, r) => {
      const pixels = new Float32Array(size);
      for (let p = 0; p < size; p++) pixels[p] = records.images[r * size + p]! / 255;
      const ref = refs[position]!;
      loaded[position] = { ref, source: describeInput(ref), pixels, label: records.labels[r]! };
    });
  }

  const filePositions = refs.flatMap((ref, i) => (ref.kind === 'file' ? [i] : []));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < filePositions.length) {
      const position = filePositions[next++]!;
      const ref = refs[position] as Extract<InputRef, { kind: 'file' }>;
      try {
        const digit = await loadDigitImage(path.resolve(options.cwd ?? '.', ref.path), ref.path);
        loaded[position] = { ref, source: ref.path, pixels: digit.pixels, ...(ref.label === undefined ? {} : { label: ref.label }) };
      } catch (error) {
        if (!(error instanceof GradcamError)) throw error;
        loaded[position] = { ref, source: ref.path, error: error.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, filePositions.length) }, worker));
  return loaded;
}
