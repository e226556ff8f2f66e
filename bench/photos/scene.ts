/**
 * Shared steps of the kinds: sizes, writing a digit onto a picture, vector decorations (ruled lines,
 * grids, frames) rendered by librsvg and blended on.
 */
import sharp from 'sharp';
import { placeGlyph, renderGlyph, type InkSource, type StrokeWeight } from './glyphs.js';
import type { Rng } from './prng.js';
import { grain, paint, texture, valueNoise, type Colour, type Field, type Picture } from './raster.js';

/** What a kind is asked to draw. */
export interface PictureRequest {
  /** The digit, or null for a picture without one. */
  label: number | null;
  source: InkSource;
  /** Which available font, when `source` is "font". */
  fontIndex: number;
  /** Which variant of the kind (cycled by the corpus so each appears); kinds take it modulo their count. */
  variant: number;
  /** Ask for a 12 MP (4000×3000) picture where the kind has them. */
  large: boolean;
  rng: Rng;
}

/** A finished picture. */
export interface RenderedPicture {
  bytes: Buffer;
  extension: string;
  /** Font family, "drawn", "mnist", or null without a digit. */
  source: string | null;
  notes: string[];
  width: number;
  height: number;
}

/** A random picture size: the short side between `min` and `max` px, aspect 1:1 .. 4:3 either way. */
export function randomSize(rng: Rng, min = 200, max = 1600): { width: number; height: number } {
  const short = rng.int(min, max);
  const long = Math.round(short * rng.pick([1, 1.25, 1.33, 1.5]));
  return rng.chance(0.5) ? { width: long, height: short } : { width: short, height: long };
}

/** How to write a digit. */
export interface InkStyle {
  /** Digit height as a fraction of the picture's short side. */
  heightFrac: readonly [number, number];
  weight: StrokeWeight;
  colour: Colour;
  /** Rotation range in degrees (± this). */
  tilt?: number;
  /** Pencil grain or chalk dust, multiplied into the coverage. */
  texture?: 'pencil' | 'chalk';
  /** Centre, when not about the middle of the picture. */
  centre?: { x: number; y: number };
  /** Short side to size the digit against, when not the picture's (a note in a photo). */
  short?: number;
}

/** Writes the request's digit onto the picture. Returns its mask and notes (source, height, stroke). */
export async function writeDigit(picture: Picture, request: PictureRequest, style: InkStyle): Promise<{ mask: Field; source: string; notes: string[]; digitHeight: number }> {
  const { rng } = request;
  const label = request.label;
  if (label === null) throw new Error('writeDigit needs a label');
  const short = style.short ?? Math.min(picture.width, picture.height);
  const digitHeight = Math.round(short * rng.range(style.heightFrac[0], style.heightFrac[1]));
  const glyph = await renderGlyph(request.source, label, digitHeight, style.weight, rng, request.fontIndex);
  const tilt = style.tilt ?? 5;
  const cx = style.centre?.x ?? picture.width * rng.range(0.42, 0.58);
  const cy = style.centre?.y ?? picture.height * rng.range(0.42, 0.58);
  const mask = placeGlyph(glyph.mask, picture.width, picture.height, cx, cy, rng.range(-tilt, tilt));
  if (style.texture === 'pencil') {
    // Graphite: fine grain plus paper tooth, lighter where the pencil skipped.
    texture(mask, grain(picture.width, picture.height, rng), 0.45);
    texture(mask, valueNoise(picture.width, picture.height, Math.max(2, digitHeight / 40), rng), 0.35);
  } else if (style.texture === 'chalk') {
    texture(mask, grain(picture.width, picture.height, rng), 0.55);
    texture(mask, valueNoise(picture.width, picture.height, Math.max(2, digitHeight / 25), rng), 0.5);
  }
  paint(picture, mask, style.colour);
  return { mask, source: glyph.source, notes: [glyph.note, `digit ${digitHeight} px tall`], digitHeight };
}

/** Blends an SVG drawing (transparent background, same size as the picture) over the picture, in place. */
export async function drawSvg(picture: Picture, body: string): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${picture.width}" height="${picture.height}">${body}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < picture.width * picture.height; i++) {
    const a = data[4 * i + 3]! / 255;
    if (a === 0) continue;
    // Un-premultiplied RGBA from libvips.
    for (let c = 0; c < 3; c++) picture.rgb[3 * i + c] = picture.rgb[3 * i + c]! * (1 - a) + (data[4 * i + c]! / 255) * a;
  }
  void info;
}

/** `rgb(…)` of a colour. */
export function css(colour: Colour): string {
  return `rgb(${colour.map((c) => Math.round(255 * Math.min(1, Math.max(0, c)))).join(',')})`;
}

/** Ruled notebook lines every `spacing` px (tilted by `angle` degrees), optionally a red margin line at `marginX`. */
export function ruledLines(width: number, height: number, spacing: number, colour: Colour, lineWidth: number, angle: number, marginX?: number): string {
  const lines: string[] = [];
  const first = spacing * 0.6;
  for (let y = first - height; y < 2 * height; y += spacing) lines.push(`<line x1="${-width}" y1="${y.toFixed(1)}" x2="${2 * width}" y2="${y.toFixed(1)}"/>`);
  const margin =
    marginX === undefined ? '' : `<line x1="${marginX.toFixed(1)}" y1="${-height}" x2="${marginX.toFixed(1)}" y2="${2 * height}" stroke="rgb(220,90,90)" stroke-width="${(lineWidth * 1.2).toFixed(1)}"/>`;
  return `<g transform="rotate(${angle.toFixed(2)} ${width / 2} ${height / 2})"><g stroke="${css(colour)}" stroke-width="${lineWidth.toFixed(1)}">${lines.join('')}</g>${margin}</g>`;
}

/** Square grid of `cell` px; every fifth line heavier when `major`. */
export function gridLines(width: number, height: number, cell: number, colour: Colour, lineWidth: number, major: boolean, angle: number): string {
  const thin: string[] = [];
  const thick: string[] = [];
  let k = 0;
  for (let v = -cell * Math.ceil(width / cell); v < 2 * Math.max(width, height); v += cell, k++) {
    const target = major && k % 5 === 0 ? thick : thin;
    target.push(`<line x1="${v.toFixed(1)}" y1="${-height}" x2="${v.toFixed(1)}" y2="${2 * height}"/>`);
    target.push(`<line x1="${-width}" y1="${v.toFixed(1)}" x2="${2 * width}" y2="${v.toFixed(1)}"/>`);
  }
  return (
    `<g transform="rotate(${angle.toFixed(2)} ${width / 2} ${height / 2})">` +
    `<g stroke="${css(colour)}" stroke-width="${lineWidth.toFixed(1)}">${thin.join('')}</g>` +
    `<g stroke="${css(colour)}" stroke-width="${(lineWidth * 2.2).toFixed(1)}">${thick.join('')}</g></g>`
  );
}

/** A hand-drawn rectangle (corners jittered) centred at (cx, cy). */
export function frame(cx: number, cy: number, w: number, h: number, colour: Colour, lineWidth: number, rng: Rng): string {
  const j = () => rng.normal() * Math.min(w, h) * 0.015;
  const pts = [
    [cx - w / 2 + j(), cy - h / 2 + j()],
    [cx + w / 2 + j(), cy - h / 2 + j()],
    [cx + w / 2 + j(), cy + h / 2 + j()],
    [cx - w / 2 + j(), cy + h / 2 + j()],
  ];
  return `<polygon points="${pts.map(([x, y]) => `${x!.toFixed(1)},${y!.toFixed(1)}`).join(' ')}" fill="none" stroke="${css(colour)}" stroke-width="${lineWidth.toFixed(1)}" stroke-linejoin="round"/>`;
}
