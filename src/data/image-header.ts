/**
 * Recognising an image file by its first bytes, so that a file which is not
 * an image, or is too large to be one, is refused before it is read whole
 * (issue 12, item 16: a 1.9 GB non-image file took 2 GB of memory to refuse).
 */
import { GradcamError } from '../errors.js';

/** Bytes read from the start of a file to recognise its format (an SVG's `<svg` tag may follow a long XML prologue). */
export const IMAGE_HEADER_BYTES = 4096;

/**
 * Largest image file read, in bytes (256 MiB). Images beyond it are shrunk to
 * MAX_DECODE_PIXELS anyway; a file this large is almost always something else.
 */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const ascii = (text: string): number[] => Array.from(text, (c) => c.charCodeAt(0));

/**
 * The formats sharp's prebuilt libvips reads (`sharp.format`), each with a
 * test of a file's first bytes. An entry that matches does not promise a
 * readable image, only that decoding is worth trying.
 */
export const IMAGE_SIGNATURES = {
  PNG: (b: Uint8Array) => startsWith(b, [0x89, ...ascii('PNG\r\n'), 0x1a, 0x0a]),
  JPEG: (b: Uint8Array) => startsWith(b, [0xff, 0xd8, 0xff]),
  GIF: (b: Uint8Array) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')),
  WebP: (b: Uint8Array) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8),
  // Classic and BigTIFF, little- and big-endian.
  TIFF: (b: Uint8Array) => [ascii('II*\0'), ascii('MM\0*'), ascii('II+\0'), ascii('MM\0+')].some((s) => startsWith(b, s)),
  // ISO base media files (AVIF, HEIC) start with a box whose type is `ftyp`.
  'AVIF/HEIF': (b: Uint8Array) => startsWith(b, ascii('ftyp'), 4),
  // Text with an <svg> element near the start (after an XML declaration, comments, a DOCTYPE).
  SVG: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, IMAGE_HEADER_BYTES)).toString('latin1').toLowerCase().includes('<svg'),
  // Gzipped SVG (.svgz).
  SVGZ: (b: Uint8Array) => startsWith(b, [0x1f, 0x8b]),
  // libvips' own format (.v), either byte order.
  VIPS: (b: Uint8Array) => startsWith(b, [0x08, 0xf2, 0xa6, 0xb6]) || startsWith(b, [0xb6, 0xa6, 0xf2, 0x08]),
} as const;

export type ImageSignature = keyof typeof IMAGE_SIGNATURES;

const EXPECTED_FORMATS = 'PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF or SVG';

/** The format a file's first bytes announce, or undefined when none of IMAGE_SIGNATURES matches. */
export function sniffImageFormat(header: Uint8Array): ImageSignature | undefined {
  return (Object.keys(IMAGE_SIGNATURES) as ImageSignature[]).find((name) => IMAGE_SIGNATURES[name](header));
}

/**
 * Refuses bytes that do not start like an image.
 * @param header the first IMAGE_HEADER_BYTES bytes of the file (or all of it, when shorter).
 * @throws GradcamError naming `source`.
 */
export function assertImageHeader(header: Uint8Array, source: string): void {
  if (header.length === 0) throw new GradcamError(`${source}: not a readable image (empty file)`);
  if (sniffImageFormat(header) !== undefined) return;
  const start = Array.from(header.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new GradcamError(`${source}: not a readable image (starts with bytes ${start}, not ${EXPECTED_FORMATS})`);
}

/**
 * Refuses a file larger than MAX_IMAGE_FILE_BYTES.
 * @throws GradcamError naming `source` and the limit.
 */
export function assertImageFileSize(bytes: number, source: string): void {
  if (bytes <= MAX_IMAGE_FILE_BYTES) return;
  throw new GradcamError(`${source}: not read: ${mebibytes(bytes)} is over the ${mebibytes(MAX_IMAGE_FILE_BYTES)} limit for an image file`);
}

function mebibytes(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MB`;
}
