/**
 * Decoding of user images (anything sharp reads: PNG, JPEG, WebP, GIF, TIFF, SVG, AVIF...) into
 * grey levels, and loading them as MNIST-form digits.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type Sharp = require('sharp');
import type { OutputInfo } from 'sharp';
import { GradcamError } from '../errors.js';
import { condenseMessage, fileError } from './idx.js';
import { assertImageFileSize, assertImageHeader, IMAGE_HEADER_BYTES } from './image-header.js';
import { MNIST_SIZE, toMnistForm, type PreprocessSteps } from './mnist-preprocess.js';

/**
 * Pictures with more pixels than this are first shrunk by sharp (aspect ratio
 * kept) to about this many, before the pure-TypeScript pipeline runs: it
 * bounds memory and time (a 12-megapixel photo is found in well under a
 * second) while strokes stay several pixels wide, and the digit ends up 20 px
 * tall anyway. A budget of pixels, not a longest side, so a 20000×20 strip
 * keeps its thin line (issue 11).
 */
export const MAX_DECODE_PIXELS = 1 << 20;

/** An image decoded to grey levels. */
export interface DecodedImage {
  /** `width * height` grey levels in [0, 1] (ITU-R BT.601 luma of the sRGB values), row-major. */
  grey: Float32Array;
  /** The R, G and B planes (each like `grey`, 8-bit value / 255) of a colourful picture (see COLOURFUL_SHARE); null for a (nearly) grey one. */
  colour: [Float32Array, Float32Array, Float32Array] | null;
  /** Opacity in [0, 1] per pixel, or null when every pixel is opaque. */
  alpha: Float32Array | null;
  width: number;
  height: number;
  /** Size and format of the file before any shrinking (see MAX_DECODE_PIXELS). */
  original: { width: number; height: number; format: string };
  /** The EXIF orientation applied before decoding (1..8; 1 when the file has none; 6: the stored picture was turned 90° clockwise to stand upright). */
  orientation: number;
  /** Frames (animated GIF, WebP) or pages (TIFF) in the file; only the first is decoded (issue 12, item 13). */
  frameCount: number;
  /** File path, or the name given for a buffer. */
  source: string;
}

/** A digit image in MNIST form, ready for the model. */
export interface DigitImage {
  /** 784 values in [0, 1], white ink on black, row-major 28x28. */
  pixels: Float32Array;
  width: typeof MNIST_SIZE;
  height: typeof MNIST_SIZE;
  source: string;
  /** Size and format of the input file. */
  original: { width: number; height: number; format: string };
  /** Size of the decoded grid the preprocessing steps refer to (smaller than `original` only for inputs over MAX_DECODE_PIXELS). */
  decoded: { width: number; height: number };
  /** The EXIF orientation applied (1..8), see DecodedImage. */
  orientation: number;
  /** Frames or pages in the file; the digit is the first. */
  frameCount: number;
  steps: PreprocessSteps;
}

// BT.601 luma weights (ITU-R Rec. BT.601), the usual RGB -> grey conversion for 8-bit sRGB data.
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;
const BYTE_MAX = 255;
/** A pixel is coloured when its channels spread by more than this (of 255)... */
const CHROMA_LEVEL = 24;
/** ...and a picture is colourful when more than this share of its pixels are. */
const COLOURFUL_SHARE = 0.01;

let sharpModule: typeof Sharp | undefined;

/** sharp, loaded on the first decode (~80 ms): a run on MNIST records never pays it. */
export function loadSharp(): typeof Sharp {
  sharpModule ??= createRequire(import.meta.url)('sharp') as typeof Sharp;
  return sharpModule;
}

/** A sharp pipeline with EXIF orientation applied, and the file's size as seen (after orientation) and format. */
async function openOriented(
  bytes: Uint8Array,
): Promise<{ image: Sharp.Sharp; original: DecodedImage['original']; orientation: number; frameCount: number }> {
  const image = loadSharp()(bytes).autoOrient();
  const meta = await image.metadata();
  const orientation = meta.orientation ?? 1;
  // metadata() reports the stored size; autoOrient may swap it (EXIF orientations 5..8).
  const swap = orientation >= 5;
  return {
    image,
    orientation,
    original: {
      width: (swap ? meta.height : meta.width) ?? 0,
      height: (swap ? meta.width : meta.height) ?? 0,
      format: meta.format ?? 'unknown',
    },
    // sharp decodes the first page unless told otherwise; `pages` counts them all.
    frameCount: meta.pages ?? 1,
  };
}

/**
 * The bytes of an image file or buffer, refused by their first bytes when they
 * cannot be an image, and a file beyond MAX_IMAGE_FILE_BYTES by its size,
 * before it is read whole (issue 12, item 16).
 */
async function readInput(input: string | Uint8Array, name?: string): Promise<{ bytes: Uint8Array; source: string }> {
  if (typeof input !== 'string') {
    const source = name ?? '<buffer>';
    assertImageHeader(input.subarray(0, IMAGE_HEADER_BYTES), source);
    return { bytes: input, source };
  }
  const source = name ?? input;
  let handle: FileHandle | undefined;
  try {
    handle = await open(input, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { bytes: stats.isFile() ? await readRegularFile(handle, stats.size, source) : await readStream(handle, source), source };
  } catch (err) {
    if (err instanceof GradcamError) throw err;
    throw fileError(source, err);
  } finally {
    await handle?.close();
  }
}

/** A regular file of `size` bytes: its header read and checked first, then the whole file into one buffer. */
async function readRegularFile(handle: FileHandle, size: number, source: string): Promise<Uint8Array> {
  assertImageFileSize(size, source);
  const header = Buffer.allocUnsafe(Math.min(size, IMAGE_HEADER_BYTES));
  const headerLength = await readAt(handle, header, 0);
  assertImageHeader(header.subarray(0, headerLength), source);
  if (headerLength === size) return header;
  const bytes = Buffer.allocUnsafe(size);
  header.copy(bytes, 0, 0, headerLength);
  return bytes.subarray(0, headerLength + (await readAt(handle, bytes.subarray(headerLength), headerLength)));
}

/** Fills `target` from `position` on (reads may be short); returns the bytes read, fewer at the end of the file. */
async function readAt(handle: FileHandle, target: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** A pipe or device of unknown size, read until its end or until it is over MAX_IMAGE_FILE_BYTES. */
async function readStream(handle: FileHandle, source: string): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  let checked = false;
  for (;;) {
    const chunk = Buffer.allocUnsafe(IMAGE_HEADER_BYTES * 256);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) break;
    chunks.push(chunk.subarray(0, bytesRead));
    total += bytesRead;
    assertImageFileSize(total, source);
    if (!checked && total >= IMAGE_HEADER_BYTES) {
      assertImageHeader(Buffer.concat(chunks).subarray(0, IMAGE_HEADER_BYTES), source);
      checked = true;
    }
  }
  const bytes = Buffer.concat(chunks);
  if (!checked) assertImageHeader(bytes, source);
  return bytes;
}

/**
 * Decodes an image file or buffer to grey levels and alpha with sharp. EXIF orientation is applied;
 * for animated and multi-page formats the first frame is used (`frameCount` says how many there are); CMYK and other colour spaces are converted to sRGB.
 * @param input a file path, or the encoded bytes.
 * @param name the name to use in messages (default: the path; '<buffer>' for bytes), e.g. the
 *   path as the user typed it when `input` was resolved against a working directory.
 * @throws GradcamError naming the file when it is missing or not a readable image.
 */
export async function decodeImage(input: string | Uint8Array, name?: string): Promise<DecodedImage> {
  const { bytes, source } = await readInput(input, name);
  let decoded: { data: Buffer; info: OutputInfo };
  let original: DecodedImage['original'];
  let orientation: number;
  let frameCount: number;
  try {
    const opened = await openOriented(bytes);
    const { image } = opened;
    ({ original, orientation, frameCount } = opened);
    const pixels = original.width * original.height;
    if (pixels > MAX_DECODE_PIXELS) {
      const factor = Math.sqrt(MAX_DECODE_PIXELS / pixels);
      // 'linear' rather than the default lanczos3, whose negative lobes would ring around strokes.
      image.resize(Math.max(1, Math.floor(original.width * factor)), Math.max(1, Math.floor(original.height * factor)), {
        fit: 'fill',
        kernel: 'linear',
      });
    }
    decoded = await image.toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new GradcamError(
      `${source}: not a readable image (${condenseMessage(err instanceof Error ? err.message : String(err))})`,
      undefined,
      { cause: err },
    );
  }
  const { data, info } = decoded;
  if (info.channels !== 4) {
    throw new GradcamError(`${source}: unexpected ${info.channels}-channel decoding (expected RGBA)`);
  }
  const n = info.width * info.height;
  const grey = new Float32Array(n);
  const alpha = new Float32Array(n);
  let opaque = true;
  let colourful = 0;
  for (let i = 0; i < n; i++) {
    const r = data[4 * i] as number;
    const g = data[4 * i + 1] as number;
    const b = data[4 * i + 2] as number;
    const a = data[4 * i + 3] as number;
    // Grey inputs arrive as r = g = b; use the value itself so a grey PNG round-trips exactly (v / 255).
    if (r === g && g === b) grey[i] = r / BYTE_MAX;
    else {
      grey[i] = (LUMA_R * r + LUMA_G * g + LUMA_B * b) / BYTE_MAX;
      if (Math.max(r, g, b) - Math.min(r, g, b) > CHROMA_LEVEL) colourful++;
    }
    alpha[i] = a / BYTE_MAX;
    if (a !== BYTE_MAX) opaque = false;
  }
  // Nearly grey pictures (white paper under warm light, JPEG chroma noise) skip the colour planes: luma sees their ink.
  const colour = colourful > COLOURFUL_SHARE * n ? colourPlanes(data, n) : null;
  return { grey, colour, alpha: opaque ? null : alpha, width: info.width, height: info.height, original, orientation, frameCount, source };
}

/** R, G and B planes in [0, 1] of n RGBA pixels. */
function colourPlanes(rgba: Uint8Array, n: number): [Float32Array, Float32Array, Float32Array] {
  const planes: [Float32Array, Float32Array, Float32Array] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    planes[0][i] = rgba[4 * i]! / BYTE_MAX;
    planes[1][i] = rgba[4 * i + 1]! / BYTE_MAX;
    planes[2][i] = rgba[4 * i + 2]! / BYTE_MAX;
  }
  return planes;
}

/**
 * Loads a digit image in MNIST form (see `toMnistForm` for the steps): decode, grey, invert a
 * light background, treat transparency as background, crop, fit in 20x20, centre the mass in 28x28.
 * An opaque 28x28 image with a dark background is used as is.
 * @param input a file path, or the encoded bytes (then `name` is used in messages).
 * @throws GradcamError naming the file: missing, not an image, or blank.
 */
export async function loadDigitImage(input: string | Uint8Array, name?: string): Promise<DigitImage> {
  const decoded = await decodeImage(input, name);
  const { pixels, steps } = toMnistForm(decoded.grey, decoded.width, decoded.height, {
    alpha: decoded.alpha,
    colour: decoded.colour,
    source: decoded.source,
  });
  return {
    pixels,
    width: MNIST_SIZE,
    height: MNIST_SIZE,
    source: decoded.source,
    original: decoded.original,
    decoded: { width: decoded.width, height: decoded.height },
    orientation: decoded.orientation,
    frameCount: decoded.frameCount,
    steps,
  };
}

/** An image resized to a model's input size. */
export interface ResizedImage {
  /** height·width·channels values in [0, 1] (8-bit value / 255), [H, W, C] order: grey for 1 channel, sRGB for 3. */
  values: Float32Array;
  /** height·width grey levels in [0, 1] (BT.601 luma for RGB), for pictures. */
  grey: Float32Array;
  source: string;
  original: { width: number; height: number; format: string };
  /** Frames or pages in the file; the first is used. */
  frameCount: number;
}

/**
 * Loads an image for a model that is not a 28×28 digit model: EXIF
 * orientation applied, resized to exactly width×height with bilinear
 * interpolation (aspect ratio not kept, as Keras' `load_img(target_size=…)`
 * and `tf.image.resize` do), transparency dropped (as PIL's convert('RGB')),
 * grey for 1 channel, sRGB for 3.
 * @throws GradcamError naming the file: missing or not a readable image.
 */
export async function loadResizedImage(
  input: string | Uint8Array,
  size: { height: number; width: number; channels: 1 | 3 },
  name?: string,
): Promise<ResizedImage> {
  const { bytes, source } = await readInput(input, name);
  let data: Buffer;
  let original: ResizedImage['original'];
  let frameCount: number;
  try {
    const opened = await openOriented(bytes);
    const { image } = opened;
    ({ original, frameCount } = opened);
    // Alpha goes first, in its own pass: resizing with alpha premultiplies it,
    // which would turn every transparent pixel black instead of keeping its colour.
    const opaque = await image.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const resized = loadSharp()(opaque.data, { raw: { width: opaque.info.width, height: opaque.info.height, channels: opaque.info.channels } })
      .resize(size.width, size.height, { fit: 'fill', kernel: 'linear' });
    if (size.channels === 1) resized.greyscale();
    data = (await resized.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })).data;
  } catch (err) {
    throw new GradcamError(
      `${source}: not a readable image (${condenseMessage(err instanceof Error ? err.message : String(err))})`,
      undefined,
      { cause: err },
    );
  }
  const n = size.width * size.height;
  if (data.length !== n * size.channels) {
    throw new GradcamError(`${source}: decoded to ${data.length} values, expected ${n * size.channels}`);
  }
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = data[i]! / BYTE_MAX;
  const grey = size.channels === 1 ? values : new Float32Array(n);
  if (size.channels === 3) {
    for (let i = 0; i < n; i++) grey[i] = LUMA_R * values[3 * i]! + LUMA_G * values[3 * i + 1]! + LUMA_B * values[3 * i + 2]!;
  }
  return { values, grey, source, original, frameCount };
}

/** A small colour copy of a picture, for figures. */
export interface PicturePreview {
  /** width·height·3 sRGB bytes, row-major (the render modules' RgbImage). */
  data: Uint8Array;
  width: number;
  height: number;
  /** Size of the picture as seen (EXIF orientation applied), which the preview scales. */
  original: { width: number; height: number };
}

/**
 * The picture as the user sees it (EXIF orientation applied, first frame,
 * transparency flattened onto white, sRGB), shrunk with its aspect ratio kept
 * to fit within maxWidth×maxHeight (never enlarged), for the "your picture"
 * tile of figures (issue 11).
 * @throws GradcamError naming the file: missing or not a readable image.
 */
export async function loadPicturePreview(
  input: string | Uint8Array,
  maxSize: { width: number; height: number },
  name?: string,
): Promise<PicturePreview> {
  const { bytes, source } = await readInput(input, name);
  try {
    const { image, original } = await openOriented(bytes);
    const { data, info } = await image
      .resize(Math.max(1, Math.round(maxSize.width)), Math.max(1, Math.round(maxSize.height)), { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected ${info.channels}-channel decoding (expected RGB)`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, original: { width: original.width, height: original.height } };
  } catch (err) {
    throw new GradcamError(
      `${source}: not a readable image (${condenseMessage(err instanceof Error ? err.message : String(err))})`,
      undefined,
      { cause: err },
    );
  }
}
