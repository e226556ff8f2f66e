/**
 * The picture formats `explain -o` writes, chosen by the file's extension
 * (issue 12, item 15): PNG as rendered, JPEG and WebP re-encoded by sharp.
 * Any other extension is refused before the work starts.
 */
import * as path from 'node:path';
import { loadSharp } from '../data/image.js';
import { usageError } from '../errors.js';

/** Extensions `-o` accepts (lower case) and the format each is written in. */
export const IMAGE_FORMATS = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
} as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[keyof typeof IMAGE_FORMATS];

/** The format of an output file name (case-insensitive extension); `-` (stdout) is PNG. */
export function imageFormatOf(file: string, flag = '-o'): ImageFormat {
  if (file === '-') return 'png';
  const extension = path.extname(file).toLowerCase();
  if (!Object.hasOwn(IMAGE_FORMATS, extension)) {
    throw usageError(
      `${flag} ${file}: ${extension === '' ? 'no extension' : `unknown extension "${extension}"`}; write ${Object.keys(IMAGE_FORMATS).join(', ')}`,
    );
  }
  return IMAGE_FORMATS[extension as keyof typeof IMAGE_FORMATS];
}

/** `png` encoded as `format`: itself for PNG, else re-encoded by sharp (JPEG quality 90, lossless WebP for crisp heatmap pixels). */
export async function encodeImage(png: Uint8Array, format: ImageFormat): Promise<Uint8Array> {
  if (format === 'png') return png;
  const image = loadSharp()(png);
  return format === 'jpeg' ? image.jpeg({ quality: 90 }).toBuffer() : image.webp({ lossless: true }).toBuffer();
}
