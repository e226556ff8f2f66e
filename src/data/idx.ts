/**
 * Reading the IDX files of the original MNIST distribution (LeCun, Cortes & Burges,
 * http://yann.lecun.com/exdb/mnist/, "FILE FORMATS FOR THE MNIST DATABASE"), plain or gzipped.
 *
 * Layout (all integers big-endian):
 *   bytes 0..3   magic: 0x00 0x00 <type code> <number of dimensions>
 *                (type 0x08 = unsigned byte; 0x00000803 = images [N, rows, cols],
 *                 0x00000801 = labels [N])
 *   next 4*dims  the dimension sizes as uint32
 *   rest         the raw values, one byte each, last dimension fastest (row-major)
 *
 * Fashion-MNIST (Xiao et al., arXiv:1708.07747) ships in exactly this layout.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { GradcamError } from '../errors.js';

/** Magic number of an IDX images file: unsigned bytes, 3 dimensions [N, rows, cols]. */
export const IDX_IMAGES_MAGIC = 0x00000803; // 2051
/** Magic number of an IDX labels file: unsigned bytes, 1 dimension [N]. */
export const IDX_LABELS_MAGIC = 0x00000801; // 2049
/** Size of the magic number field in bytes. */
export const IDX_MAGIC_BYTES = 4;
/** Size of one dimension field (uint32) in bytes. */
export const IDX_DIM_BYTES = 4;
/** Header size of an images file: magic + 3 dimensions = 16 bytes. */
export const IDX_IMAGES_HEADER_BYTES = IDX_MAGIC_BYTES + 3 * IDX_DIM_BYTES;
/** Header size of a labels file: magic + 1 dimension = 8 bytes. */
export const IDX_LABELS_HEADER_BYTES = IDX_MAGIC_BYTES + 1 * IDX_DIM_BYTES;
/** First two bytes of any gzip stream (RFC 1952, section 2.3.1: ID1 = 0x1f, ID2 = 0x8b). */
export const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** The two IDX variants MNIST uses, with their magic numbers and header sizes. */
export const IDX_KINDS = {
  images: { magic: IDX_IMAGES_MAGIC, dims: 3, headerBytes: IDX_IMAGES_HEADER_BYTES },
  labels: { magic: IDX_LABELS_MAGIC, dims: 1, headerBytes: IDX_LABELS_HEADER_BYTES },
} as const;
/** 'images' (magic 0x00000803) or 'labels' (magic 0x00000801). */
export type IdxKind = keyof typeof IDX_KINDS;

/** A parsed, validated IDX header. */
export interface IdxHeader {
  kind: IdxKind;
  /** Dimension sizes, e.g. [10000, 28, 28] for images or [10000] for labels. */
  dims: number[];
  /** Number of records: dims[0]. */
  count: number;
  /** Bytes per record: the product of dims[1..] (784 for 28x28 images, 1 for labels). */
  recordBytes: number;
  /** Offset of the first data byte. */
  headerBytes: number;
}

/** A whole IDX file in memory. */
export interface IdxData {
  header: IdxHeader;
  /** The values, `count * recordBytes` bytes, row-major. A view on the file buffer (no copy). */
  data: Uint8Array;
  /** The path the data came from (for messages). */
  path: string;
}

const gunzipAsync = promisify(gunzip);

/** True when `bytes` starts with the gzip magic 1f 8b (detection by content, not by file name). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/**
 * Parses and validates the header at the start of `bytes` (uncompressed IDX content; only the
 * first 16 bytes are needed). Throws GradcamError naming `source` on a wrong magic number, a
 * header cut short, or a file of the other kind than `expected`.
 */
export function parseIdxHeader(bytes: Uint8Array, source: string, expected?: IdxKind): IdxHeader {
  if (bytes.length < IDX_MAGIC_BYTES) {
    throw new GradcamError(`${source}: not an IDX file (${bytes.length} bytes, too short for an IDX header)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const kind: IdxKind | undefined =
    magic === IDX_IMAGES_MAGIC ? 'images' : magic === IDX_LABELS_MAGIC ? 'labels' : undefined;
  if (kind === undefined) {
    throw new GradcamError(
      `${source}: not an IDX file (magic ${hex32(magic)}, expected ${hex32(IDX_IMAGES_MAGIC)} for images ` +
        `or ${hex32(IDX_LABELS_MAGIC)} for labels)`,
    );
  }
  if (expected !== undefined && kind !== expected) {
    throw new GradcamError(
      `${source}: is an IDX ${kind} file (magic ${hex32(magic)}), expected ${expected} ` +
        `(magic ${hex32(IDX_KINDS[expected].magic)}); are the images and labels files swapped?`,
    );
  }
  const { dims: dimCount, headerBytes } = IDX_KINDS[kind];
  if (bytes.length < headerBytes) {
    throw new GradcamError(
      `${source}: truncated IDX ${kind} header (${bytes.length} bytes, the header needs ${headerBytes})`,
    );
  }
  const dims: number[] = [];
  for (let d = 0; d < dimCount; d++) dims.push(view.getUint32(IDX_MAGIC_BYTES + d * IDX_DIM_BYTES, false));
  const [count = 0, ...recordDims] = dims;
  const recordBytes = recordDims.reduce((a, b) => a * b, 1);
  return { kind, dims, count, recordBytes, headerBytes };
}

/** Checks that the data length matches the header's dimensions exactly. */
function assertDataBytes(header: IdxHeader, dataBytes: number, source: string): void {
  const expectedBytes = header.count * header.recordBytes;
  if (dataBytes !== expectedBytes) {
    const shape = header.dims.join('x');
    const what = dataBytes < expectedBytes ? 'truncated' : 'corrupt';
    throw new GradcamError(
      `${source}: ${what} IDX ${header.kind} file: the header says ${shape} = ${expectedBytes} data bytes ` +
        `but the file holds ${dataBytes}`,
    );
  }
}

/**
 * Parses a whole IDX file already in memory (uncompressed). The returned `data` is a view on
 * `bytes` (no copy). Throws GradcamError naming `source` on any mismatch.
 */
export function parseIdx(bytes: Uint8Array, source: string, expected?: IdxKind): IdxData {
  const header = parseIdxHeader(bytes, source, expected);
  assertDataBytes(header, bytes.length - header.headerBytes, source);
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + header.headerBytes, bytes.length - header.headerBytes);
  return { header, data, path: source };
}

/** Turns a Node file-system error into a one-line GradcamError naming the path. */
export function fileError(path: string, err: unknown, hint?: string): GradcamError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const suffix = hint === undefined ? '' : `; ${hint}`;
  let reason: string;
  if (code === 'ENOENT') reason = 'no such file';
  else if (code === 'EISDIR') reason = 'is a directory, expected a file';
  else if (code === 'EACCES' || code === 'EPERM') reason = 'permission denied';
  else reason = condenseMessage(err instanceof Error ? err.message : String(err));
  return new GradcamError(`${path}: ${reason}${suffix}`, undefined, { cause: err });
}

/** First line of an error message, whitespace collapsed, at most 200 characters. */
export function condenseMessage(message: string): string {
  const first = (message.split('\n').find((line) => line.trim() !== '') ?? message).trim().replace(/\s+/g, ' ');
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}

async function gunzipFile(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  try {
    return await gunzipAsync(bytes);
  } catch (err) {
    throw new GradcamError(
      `${path}: corrupt gzip data (${condenseMessage(err instanceof Error ? err.message : String(err))})`,
      undefined,
      { cause: err },
    );
  }
}

/**
 * Reads a whole IDX file, gunzipping it first when it starts with the gzip magic.
 * @param expected when given, a file of the other kind is an error.
 * @returns the header and a view on the (decompressed) file buffer.
 */
export async function readIdxFile(path: string, expected?: IdxKind): Promise<IdxData> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw fileError(path, err);
  }
  if (isGzip(bytes)) bytes = await gunzipFile(bytes, path);
  return parseIdx(bytes, path, expected);
}

/** An open IDX file from which single records or ranges can be read. Call `close()` when done. */
export interface IdxFile {
  readonly path: string;
  readonly header: IdxHeader;
  /** True when the file was gzipped; it was then decompressed into memory by `openIdx`. */
  readonly compressed: boolean;
  /**
   * Reads the given records (in the given order; repeats allowed) into one new buffer of
   * `indices.length * recordBytes` bytes. Runs of consecutive indices are read in one go.
   * An index outside 0..count-1 is a GradcamError.
   */
  readRecords(indices: readonly number[]): Promise<Uint8Array>;
  /** Reads records `start .. start+count-1` into one new buffer. */
  readRange(start: number, count: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Reads exactly `length` bytes at `position` into `target` at `offset` (file reads may be short). */
async function readFully(
  handle: FileHandle,
  target: Uint8Array,
  offset: number,
  length: number,
  position: number,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(target, offset + done, length - done, position + done));
    } catch (err) {
      throw fileError(path, err);
    }
    if (bytesRead === 0) {
      throw new GradcamError(`${path}: truncated IDX file (unexpected end of file at byte ${position + done})`);
    }
    done += bytesRead;
  }
}

function checkIndex(index: number, header: IdxHeader, path: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= header.count) {
    throw new GradcamError(`${path}: record index ${index} is out of range (0..${header.count - 1})`);
  }
}

/**
 * Opens an IDX file for random access. For an uncompressed file only the header is read now and
 * the file size is checked against the dimensions (so a truncated file fails here, cheaply);
 * records are then read with positional reads. A gzipped file cannot be read at an offset, so it
 * is decompressed into memory once and records are sliced from there.
 */
export async function openIdx(path: string, expected?: IdxKind): Promise<IdxFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw fileError(path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
    const head = new Uint8Array(Math.min(IDX_IMAGES_HEADER_BYTES, stat.size));
    await readFully(handle, head, 0, head.length, 0, path);
    if (isGzip(head)) {
      await handle.close();
      return inMemoryIdxFile(await readIdxFile(path, expected), true);
    }
    const header = parseIdxHeader(head, path, expected);
    assertDataBytes(header, stat.size - header.headerBytes, path);
    return positionalIdxFile(path, header, handle);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

function positionalIdxFile(path: string, header: IdxHeader, handle: FileHandle): IdxFile {
  const { recordBytes, headerBytes } = header;
  const readRecords = async (indices: readonly number[]): Promise<Uint8Array> => {
    for (const index of indices) checkIndex(index, header, path);
    const out = new Uint8Array(indices.length * recordBytes);
    let i = 0;
    while (i < indices.length) {
      // Coalesce a run of consecutive indices (e.g. "0..99") into a single read.
      const first = indices[i] as number;
      let run = 1;
      while (i + run < indices.length && indices[i + run] === first + run) run++;
      await readFully(handle, out, i * recordBytes, run * recordBytes, headerBytes + first * recordBytes, path);
      i += run;
    }
    return out;
  };
  return {
    path,
    header,
    compressed: false,
    readRecords,
    readRange: (start, count) => readRecords(rangeIndices(start, count)),
    close: () => handle.close(),
  };
}

function inMemoryIdxFile(idx: IdxData, compressed: boolean): IdxFile {
  const { header, data, path } = idx;
  const { recordBytes } = header;
  const readRecords = async (indices: readonly number[]): Promise<Uint8Array> => {
    for (const index of indices) checkIndex(index, header, path);
    const out = new Uint8Array(indices.length * recordBytes);
    indices.forEach((index, i) => out.set(data.subarray(index * recordBytes, (index + 1) * recordBytes), i * recordBytes));
    return out;
  };
  return {
    path,
    header,
    compressed,
    readRecords,
    readRange: async (start, count) => {
      if (count > 0) {
        checkIndex(start, header, path);
        checkIndex(start + count - 1, header, path);
      }
      // A view, not a copy: the decompressed buffer is ours alone.
      return data.subarray(start * recordBytes, (start + count) * recordBytes);
    },
    close: async () => undefined,
  };
}

function rangeIndices(start: number, count: number): number[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => start + i);
}
