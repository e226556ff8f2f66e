import * as path from 'node:path';
import { GradcamError, usageError } from '../errors.js';
import { normaliseForModel, shapeText, type InputSpec } from '../model/input-spec.js';
import { MNIST_INPUT_SHAPE, MNIST_PIXEL_MAX } from '../model/tutorial-cnn.js';
import { loadDigitImage, loadResizedImage } from './image.js';
import { preprocessingNotes, preprocessingReport, type PreprocessingReport } from './preprocessing-report.js';
import { readMnistRecords, type MnistSplitName } from './mnist.js';

/** Where a digit comes from: an image file, or a record of an MNIST split. */
export type InputRef =
  | { kind: 'file'; path: string; /** True class declared by the file name, see labelFromName. */ label?: number }
  | { kind: 'mnist'; split: MnistSplitName; index: number };

/** An input ready for the model (a digit, for the tutorial's model). */
export interface Digit {
  ref: InputRef;
  /** How the input is named in output and manifests: the path, or `mnist:test/0`. */
  source: string;
  /**
   * The model's input: H·W·C values, [H, W, C] order, normalised as the
   * model's InputSpec says (for digits: 28×28 values in [0, 1], white ink on black).
   */
  pixels: Float32Array;
  /** H·W grey levels in [0, 1]: the input as pictures show it (the same array as `pixels` for digit models in [0, 1]). */
  view: Float32Array;
  /** The true class when known (MNIST records, or a file named by the `7_name.png` convention). */
  label?: number;
  /** What the user should know about how the input was read, e.g. "used frame 1 of 3"; absent when nothing. */
  notes?: string[];
  /** What digit preprocessing did (image files of digit models only; not MNIST records, not resized inputs). */
  preprocessing?: PreprocessingReport;
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
  options: { dataDir?: string; cwd?: string; spec?: InputSpec } = {},
): Promise<LoadedInput[]> {
  const { spec } = options;
  const loaded: LoadedInput[] = new Array(refs.length);
  if (spec !== undefined) assertInputsFit(refs, spec);
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
      for (let p = 0; p < size; p++) pixels[p] = records.images[r * size + p]! / MNIST_PIXEL_MAX;
      const ref = refs[position]!;
      const input = spec === undefined ? pixels : normaliseForModel(pixels, spec);
      loaded[position] = { ref, source: describeInput(ref), pixels: input, view: pixels, label: records.labels[r]! };
    });
  }

  const filePositions = refs.flatMap((ref, i) => (ref.kind === 'file' ? [i] : []));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < filePositions.length) {
      const position = filePositions[next++]!;
      const ref = refs[position] as Extract<InputRef, { kind: 'file' }>;
      try {
        const file = path.resolve(options.cwd ?? '.', ref.path);
        const { values, view, notes, preprocessing } = await loadForModel(file, ref.path, spec);
        loaded[position] = {
          ref,
          source: ref.path,
          pixels: values,
          view,
          ...(ref.label === undefined ? {} : { label: ref.label }),
          ...(notes.length === 0 ? {} : { notes }),
          ...(preprocessing === undefined ? {} : { preprocessing }),
        };
      } catch (error) {
        if (!(error instanceof GradcamError)) throw error;
        loaded[position] = { ref, source: ref.path, error: error.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DECODE_CONCURRENCY, filePositions.length) }, worker));
  return loaded;
}

const [mnistHeight, mnistWidth, mnistChannels] = MNIST_INPUT_SHAPE;
const MNIST_SHAPE = { height: mnistHeight, width: mnistWidth, channels: mnistChannels };

/**
 * An image file (or its bytes) as the model's input (digit preprocessing or a
 * resize, as the spec says) and as pictures show it.
 *
 * @returns values: H·W·C, normalised for the model (the spec's [H, W, C]); view: H·W grey levels in [0, 1];
 *   notes: see `readingNotes` and `preprocessingNotes`; preprocessing: what digit preprocessing did (digit models only).
 * @throws GradcamError naming the input: missing, not an image, or blank.
 */
export async function loadForModel(
  file: string | Uint8Array,
  name: string,
  spec: InputSpec | undefined,
): Promise<{ values: Float32Array; view: Float32Array; notes: string[]; preprocessing?: PreprocessingReport }> {
  if (spec === undefined || spec.preparation === 'digit') {
    const digit = await loadDigitImage(file, name);
    return {
      values: spec === undefined ? digit.pixels : normaliseForModel(digit.pixels, spec),
      view: digit.pixels,
      notes: [...readingNotes(digit.frameCount), ...preprocessingNotes(digit.steps)],
      preprocessing: preprocessingReport(digit),
    };
  }
  const channels = spec.channels === 1 ? 1 : 3;
  const image = await loadResizedImage(file, { height: spec.height, width: spec.width, channels }, name);
  return { values: normaliseForModel(image.values, spec), view: image.grey, notes: readingNotes(image.frameCount) };
}

/**
 * What reading an image left out, for the user: an animated GIF or WebP or a
 * multi-page TIFF gives its first frame only (issue 12, item 13).
 */
export function readingNotes(frameCount: number): string[] {
  return frameCount > 1 ? [`used frame 1 of ${frameCount}`] : [];
}

/**
 * Refuses inputs that cannot become what the model takes, before any work:
 * MNIST records are 28×28 grey digits, so a model with another input cannot
 * be fed them (image files are resized instead).
 * @throws GradcamError (usage, exit 2)
 */
export function assertInputsFit(refs: readonly InputRef[], spec: InputSpec): void {
  if (spec.preparation === 'digit' || !refs.some((ref) => ref.kind === 'mnist')) return;
  throw usageError(
    `MNIST digits are ${shapeText(MNIST_SHAPE)} but the model takes ${shapeText(spec)} inputs; give image files instead of --mnist-index/--mnist-test`,
  );
}
