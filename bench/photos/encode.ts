/**
 * Pictures to file bytes with sharp: 8-bit PNG, JPEG, WebP and TIFF; greyscale JPEG; 16-bit grey and
 * RGB PNG; RGBA PNG with a transparent background; and JPEG whose pixels are stored rotated behind an
 * EXIF Orientation tag.
 */
import sharp from 'sharp';
import { toBytes, type Colour, type Field, type Picture } from './raster.js';

/** File encodings the corpus writes, with their extensions. */
export const ENCODINGS = {
  png: 'png',
  jpeg: 'jpg',
  webp: 'webp',
  tiff: 'tif',
  'grey-jpeg': 'jpg',
  'grey16-png': 'png',
  'rgb16-png': 'png',
} as const;
export type Encoding = keyof typeof ENCODINGS;

/** Encoded bytes and the file extension (no dot). */
export interface EncodedPicture {
  bytes: Buffer;
  extension: string;
}

/** EXIF orientations the corpus uses, with the rotation (clockwise degrees) applied to the upright pixels before storing. */
export const STORED_ROTATION = { 3: 180, 6: 270, 8: 90 } as const;
export type ExifOrientation = keyof typeof STORED_ROTATION;

/**
 * Encodes a picture. `quality` applies to JPEG and WebP. With `orientation`, the stored pixels are
 * rotated so that only applying the EXIF tag shows the page upright.
 */
export async function encodePicture(picture: Picture, encoding: Encoding, quality = 90, orientation?: ExifOrientation): Promise<EncodedPicture> {
  const extension = ENCODINGS[encoding];
  const { width, height } = picture;
  if (encoding === 'grey16-png' || encoding === 'rgb16-png') {
    const grey = encoding === 'grey16-png';
    const words = new Uint16Array(width * height * (grey ? 1 : 3));
    for (let i = 0; i < width * height; i++) {
      const o = 3 * i;
      const clamp = (v: number) => Math.round(65535 * Math.min(1, Math.max(0, v)));
      if (grey) words[i] = clamp(0.299 * picture.rgb[o]! + 0.587 * picture.rgb[o + 1]! + 0.114 * picture.rgb[o + 2]!);
      else for (let c = 0; c < 3; c++) words[o + c] = clamp(picture.rgb[o + c]!);
    }
    const bytes = await sharp(words, { raw: { width, height, channels: grey ? 1 : 3 } })
      .toColourspace(grey ? 'grey16' : 'rgb16')
      .png()
      .toBuffer();
    return { bytes, extension };
  }
  let image = sharp(toBytes(picture), { raw: { width, height, channels: 3 } });
  if (orientation !== undefined) {
    // rotate() before any other operation; re-open so the EXIF tag is written on the rotated pixels.
    const rotated = await image.rotate(STORED_ROTATION[orientation]).raw().toBuffer({ resolveWithObject: true });
    image = sharp(rotated.data, { raw: { width: rotated.info.width, height: rotated.info.height, channels: 3 } }).withMetadata({ orientation });
  }
  switch (encoding) {
    case 'png':
      return { bytes: await image.png({ compressionLevel: 6 }).toBuffer(), extension };
    case 'jpeg':
      return { bytes: await image.jpeg({ quality }).toBuffer(), extension };
    case 'grey-jpeg':
      return { bytes: await image.greyscale().jpeg({ quality }).toBuffer(), extension };
    case 'webp':
      return { bytes: await image.webp({ quality }).toBuffer(), extension };
    case 'tiff':
      return { bytes: await image.tiff({ compression: 'lzw' }).toBuffer(), extension };
  }
}

/**
 * An RGBA PNG with a transparent background: ink of `colour` whose alpha is the mask (antialiased
 * edges when `soft`, else alpha 0 or 1 at 0.5).
 */
export async function encodeTransparent(mask: Field, colour: Colour, soft: boolean): Promise<EncodedPicture> {
  const rgba = Buffer.alloc(mask.width * mask.height * 4);
  for (let i = 0; i < mask.width * mask.height; i++) {
    const a = mask.values[i]!;
    rgba[4 * i] = Math.round(255 * colour[0]);
    rgba[4 * i + 1] = Math.round(255 * colour[1]);
    rgba[4 * i + 2] = Math.round(255 * colour[2]);
    rgba[4 * i + 3] = soft ? Math.round(255 * Math.min(1, a)) : a >= 0.5 ? 255 : 0;
  }
  const bytes = await sharp(rgba, { raw: { width: mask.width, height: mask.height, channels: 4 } }).png().toBuffer();
  return { bytes, extension: 'png' };
}
