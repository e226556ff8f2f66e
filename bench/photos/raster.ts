/**
 * Pixel buffers the corpus paints on, computed in TypeScript: float RGB pictures, coverage masks,
 * smooth noise fields, and the blends between them. No sharp here (see encode.ts).
 */
import type { Rng } from './prng.js';

/** An RGB picture, `width * height * 3` values in [0, 1], row-major. */
export interface Picture {
  width: number;
  height: number;
  rgb: Float32Array;
}

/** A one-channel field, `width * height` values (coverage in [0, 1], or a multiplier). */
export interface Field {
  width: number;
  height: number;
  values: Float32Array;
}

/** An sRGB colour, components in [0, 1]. */
export type Colour = readonly [number, number, number];

/** A picture filled with one colour. */
export function solidPicture(width: number, height: number, colour: Colour): Picture {
  const rgb = new Float32Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    rgb[3 * i] = colour[0];
    rgb[3 * i + 1] = colour[1];
    rgb[3 * i + 2] = colour[2];
  }
  return { width, height, rgb };
}

/**
 * Smooth value noise in [0, 1]: random values on a grid of `cell` px, bilinearly interpolated
 * (smoothstep-weighted), so blotches of paper or light are about `cell` px across.
 */
export function valueNoise(width: number, height: number, cell: number, rng: Rng): Field {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const values = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    let fy = gy - y0;
    fy = fy * fy * (3 - 2 * fy);
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      let fx = gx - x0;
      fx = fx * fx * (3 - 2 * fx);
      const a = grid[y0 * gw + x0]!;
      const b = grid[y0 * gw + x0 + 1]!;
      const c = grid[(y0 + 1) * gw + x0]!;
      const d = grid[(y0 + 1) * gw + x0 + 1]!;
      values[y * width + x] = (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
    }
  }
  return { width, height, values };
}

/** Per-pixel grain in [0, 1] (uniform, independent per pixel). */
export function grain(width: number, height: number, rng: Rng): Field {
  const values = new Float32Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = rng.next();
  return { width, height, values };
}

/**
 * Paper: `base` colour with low-frequency blotches (± `blotch`) and per-pixel fibre noise
 * (± `fibre`), the texture of a sheet under even light.
 */
export function paper(width: number, height: number, base: Colour, rng: Rng, blotch = 0.03, fibre = 0.02): Picture {
  const picture = solidPicture(width, height, base);
  const short = Math.min(width, height);
  const large = valueNoise(width, height, Math.max(8, short / 4), rng);
  const small = valueNoise(width, height, Math.max(2, short / 60), rng);
  for (let i = 0; i < width * height; i++) {
    const shade = blotch * (large.values[i]! - 0.5) * 2 + fibre * ((small.values[i]! - 0.5) * 1.2 + (rng.next() - 0.5) * 0.8);
    for (let c = 0; c < 3; c++) picture.rgb[3 * i + c] = picture.rgb[3 * i + c]! + shade;
  }
  return picture;
}

/** Paints `colour` over the picture with per-pixel opacity `mask` (coverage), in place. */
export function paint(picture: Picture, mask: Field, colour: Colour, opacity = 1): void {
  for (let i = 0; i < picture.width * picture.height; i++) {
    const a = mask.values[i]! * opacity;
    if (a <= 0) continue;
    for (let c = 0; c < 3; c++) picture.rgb[3 * i + c] = picture.rgb[3 * i + c]! * (1 - a) + colour[c]! * a;
  }
}

/** Multiplies every channel by a per-pixel factor (light, shadow), in place. */
export function multiply(picture: Picture, factor: Field): void {
  for (let i = 0; i < picture.width * picture.height; i++) {
    const f = factor.values[i]!;
    for (let c = 0; c < 3; c++) picture.rgb[3 * i + c] = picture.rgb[3 * i + c]! * f;
  }
}

/** Adds approximately normal noise of standard deviation `sigma` to every channel (camera or scanner noise), in place. */
export function addNoise(picture: Picture, sigma: number, rng: Rng): void {
  for (let i = 0; i < picture.rgb.length; i++) picture.rgb[i] = picture.rgb[i]! + sigma * rng.normal();
}

/** Multiplies a mask by a texture: `mask * (1 - depth + depth * texture)`, in place (pencil grain, chalk dust). */
export function texture(mask: Field, tex: Field, depth: number): void {
  for (let i = 0; i < mask.values.length; i++) mask.values[i] = mask.values[i]! * (1 - depth + depth * tex.values[i]!);
}

/** An empty field. */
export function emptyField(width: number, height: number): Field {
  return { width, height, values: new Float32Array(width * height) };
}

/** Copies `source` into `target` with its top-left corner at (x, y), keeping the maximum (clipped to the target). */
export function stamp(target: Field, source: Field, x: number, y: number): void {
  for (let sy = 0; sy < source.height; sy++) {
    const ty = sy + y;
    if (ty < 0 || ty >= target.height) continue;
    for (let sx = 0; sx < source.width; sx++) {
      const tx = sx + x;
      if (tx < 0 || tx >= target.width) continue;
      const v = source.values[sy * source.width + sx]!;
      const t = ty * target.width + tx;
      if (v > target.values[t]!) target.values[t] = v;
    }
  }
}

/** `picture` with every value clamped to [0, 1] and quantised to 8-bit RGB. */
export function toBytes(picture: Picture): Buffer {
  const bytes = Buffer.allocUnsafe(picture.rgb.length);
  for (let i = 0; i < picture.rgb.length; i++) bytes[i] = Math.round(255 * Math.min(1, Math.max(0, picture.rgb[i]!)));
  return bytes;
}

/** Smoothstep from 0 at `edge0` to 1 at `edge1`. */
export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}
