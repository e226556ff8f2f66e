/**
 * HDF5 reading for the Keras formats, through h5wasm (the HDF5 C library
 * compiled to WebAssembly). Loaded on first use: loading it costs ~0.2 s, which
 * TensorFlow.js models should not pay. Files are opened from memory (h5wasm's
 * in-memory file system), so a `.keras` archive's weights need no temporary file.
 */
import type { Dataset, File as H5File, Group } from 'h5wasm';
import { firstLine, GradcamError } from '../../errors.js';

export type { Dataset, Group };

/** Numbers of one stored weight, with its shape and the name it is stored under. */
export interface StoredWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

type H5wasm = (typeof import('h5wasm'))['default'];
let loaded: Promise<H5wasm> | undefined;
let fileCount = 0;

function loadH5wasm(): Promise<H5wasm> {
  loaded ??= import('h5wasm').then(async ({ default: h5wasm }) => {
    const module = await h5wasm.ready;
    // HDF5 prints its error stack to stderr by default; make errors exceptions instead.
    module.activate_throwing_error_handler();
    return h5wasm;
  });
  return loaded;
}

/**
 * Opens HDF5 `bytes` read-only, passes the root group to `use`, and closes and
 * forgets the file whatever happens.
 * @param file the file the bytes came from, for messages.
 */
export async function withHdf5<T>(bytes: Uint8Array, file: string, use: (root: H5File) => T | Promise<T>): Promise<T> {
  const h5wasm = await loadH5wasm();
  const { FS } = await h5wasm.ready;
  const memoryPath = `/gradcam-${++fileCount}.h5`;
  FS.writeFile(memoryPath, bytes);
  let root: H5File;
  try {
    root = new h5wasm.File(memoryPath, 'r');
  } catch (cause) {
    FS.unlink(memoryPath);
    throw new GradcamError(`${file}: not a readable HDF5 file (${hdf5Reason(cause)}); is the file complete?`, 1, { cause });
  }
  try {
    return await use(root);
  } finally {
    root.close();
    FS.unlink(memoryPath);
  }
}

/** The innermost reason in an HDF5 error stack ("truncated file: eof = 5338, ..."). */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reasons = [...text.matchAll(/#\d+: .* in [\w.]+\(\): (.*)$/gm)].map((m) => m[1]!.trim());
  return reasons.at(-1) ?? text.split('\n', 1)[0] ?? text;
}

/** The group at `path` under `root`, or undefined when there is none (or it is not a group). */
export function groupAt(root: Group, path: string): Group | undefined {
  const entity = root.get(path);
  return entity !== null && 'keys' in entity && typeof entity.keys === 'function' ? (entity as Group) : undefined;
}

/** The dataset at `path` under `root`, or undefined. */
export function datasetAt(root: Group, path: string): Dataset | undefined {
  const entity = root.get(path);
  return entity !== null && 'shape' in entity && 'dtype' in entity ? (entity as Dataset) : undefined;
}

/**
 * A string attribute, or a list of strings (Keras writes lists longer than
 * HDF5's 64 KiB header limit as `name0`, `name1`, ...; these are joined).
 * @returns undefined when the attribute is absent.
 */
export function stringsAttribute(object: Group, name: string): string[] | undefined {
  const attrs = object.attrs;
  const parts = name in attrs ? [attrs[name]!] : Object.keys(attrs).filter((key) => new RegExp(`^${name}\\d+$`).test(key)).sort(byChunkIndex).map((key) => attrs[key]!);
  if (parts.length === 0) return undefined;
  return parts.flatMap((attribute) => {
    const value = attribute.json_value;
    return (Array.isArray(value) ? value : [value]).map(String);
  });
}

function byChunkIndex(a: string, b: string): number {
  return Number(/\d+$/.exec(a)?.[0]) - Number(/\d+$/.exec(b)?.[0]);
}

/**
 * A dataset's numbers as float32 (Keras stores float32; float64 and integer
 * datasets are converted, a scalar becomes one value).
 * @param file the model file, for messages.
 */
export function readWeight(dataset: Dataset, name: string, file: string): StoredWeight {
  let value;
  try {
    value = dataset.value;
  } catch (cause) {
    // h5wasm reads no float16 ("Float16 not supported"), nor other exotic types.
    throw new GradcamError(`${file}: weight "${name}" cannot be read (${firstLine(cause)}); save the model with float32 weights`, 1, { cause });
  }
  const shape = dataset.shape ?? [];
  const values =
    value instanceof Float32Array
      ? value
      : typeof value === 'number' || typeof value === 'bigint'
        ? Float32Array.of(Number(value))
        : Float32Array.from(value as ArrayLike<number>);
  return { name, shape, values };
}
