/**
 * A sheet photographed with a phone: the page warped onto the frame (rotation, mild perspective,
 * desk around it), uneven light, a soft cast shadow, colour cast and camera noise.
 */
import type { Rng } from './prng.js';
import { addNoise, paper, smoothstep, type Colour, type Picture } from './raster.js';

/** How the page lies in the photo. */
export interface PhotoSetup {
  width: number;
  height: number;
  /** Page rotation in degrees. */
  angle: number;
  /** Page size relative to the frame's (1 = the page just fills it before rotation). */
  scale: number;
  /** Corner displacement as a fraction of the frame's short side (perspective). */
  perspective: number;
  desk: Colour;
  /** Strength of the drop shadow of the page on the desk (0 = none). */
  dropShadow: number;
}

/** Solves the 3×3 homography mapping the four `from` points onto `to` (8 unknowns, Gaussian elimination). */
function homography(from: readonly [number, number][], to: readonly [number, number][]): number[] {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let row = col + 1; row < 8; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = 0; row < 8; row++) {
      if (row === col) continue;
      const f = a[row]![col]! / a[col]![col]!;
      for (let k = col; k < 9; k++) a[row]![k] = a[row]![k]! - f * a[col]![k]!;
    }
  }
  return [...Array.from({ length: 8 }, (_, i) => a[i]![8]! / a[i]![i]!), 1];
}

/**
 * The page warped into a `setup.width × setup.height` frame on a textured desk. Returns the frame
 * and where the page centre landed (for notes).
 */
export function warpPage(page: Picture, setup: PhotoSetup, rng: Rng): Picture {
  const { width, height } = setup;
  const rad = (setup.angle * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  const fit = Math.min(width / page.width, height / page.height) * setup.scale;
  const short = Math.min(width, height);
  const corners: [number, number][] = [
    [0, 0],
    [page.width, 0],
    [page.width, page.height],
    [0, page.height],
  ];
  const placed = corners.map(([x, y]): [number, number] => {
    const dx = (x - page.width / 2) * fit;
    const dy = (y - page.height / 2) * fit;
    return [
      width / 2 + cos * dx - sin * dy + setup.perspective * short * rng.normal() * 0.5,
      height / 2 + sin * dx + cos * dy + setup.perspective * short * rng.normal() * 0.5,
    ];
  });
  const h = homography(placed, corners);
  const desk = paper(width, height, setup.desk, rng, 0.05, 0.03);
  const out = desk;
  const shadowOffset = short * 0.012;
  const shadowBlur = short * 0.01 / fit;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const map = (qx: number, qy: number): [number, number] => {
        const w = h[6]! * qx + h[7]! * qy + h[8]!;
        return [(h[0]! * qx + h[1]! * qy + h[2]!) / w, (h[3]! * qx + h[4]! * qy + h[5]!) / w];
      };
      const [px, py] = map(x + 0.5, y + 0.5);
      const inside = Math.min(px, page.width - px, py, page.height - py);
      const o = 3 * (y * width + x);
      if (setup.dropShadow > 0) {
        const [sx, sy] = map(x + 0.5 - shadowOffset, y + 0.5 - shadowOffset);
        const shadowInside = Math.min(sx, page.width - sx, sy, page.height - sy);
        const dark = 1 - setup.dropShadow * smoothstep(-shadowBlur, shadowBlur, shadowInside);
        for (let c = 0; c < 3; c++) out.rgb[o + c] = out.rgb[o + c]! * dark;
      }
      const cover = smoothstep(-0.7 / fit, 0.7 / fit, inside);
      if (cover <= 0) continue;
      const x0 = Math.min(page.width - 2, Math.max(0, Math.floor(px - 0.5)));
      const y0 = Math.min(page.height - 2, Math.max(0, Math.floor(py - 0.5)));
      const fx = Math.min(1, Math.max(0, px - 0.5 - x0));
      const fy = Math.min(1, Math.max(0, py - 0.5 - y0));
      const i00 = 3 * (y0 * page.width + x0);
      const i10 = i00 + 3;
      const i01 = i00 + 3 * page.width;
      const i11 = i01 + 3;
      for (let c = 0; c < 3; c++) {
        const v =
          (page.rgb[i00 + c]! * (1 - fx) + page.rgb[i10 + c]! * fx) * (1 - fy) + (page.rgb[i01 + c]! * (1 - fx) + page.rgb[i11 + c]! * fx) * fy;
        out.rgb[o + c] = out.rgb[o + c]! * (1 - cover) + v * cover;
      }
    }
  }
  return out;
}

/** How the light falls in a photo. */
export interface Lighting {
  /** Darkest / brightest factor of the linear gradient across the frame. */
  gradient: [number, number];
  /** Vignette strength: factor 1 − vignette·r² at the corners (r = 1). */
  vignette: number;
  /** Factor inside the cast shadow (1 = no shadow). */
  shadow: number;
  /** Colour cast, multiplied in. */
  tint: Colour;
  /** Camera noise, standard deviation in [0, 1] units. */
  noise: number;
}

/** Random phone-photo light: strong gradient, vignette, a soft shadow across part of the page (most of the time). */
export function randomLighting(rng: Rng): Lighting {
  const low = rng.range(0.5, 0.8);
  return {
    gradient: [low, rng.range(1.0, 1.1)],
    vignette: rng.range(0.1, 0.35),
    shadow: rng.chance(0.75) ? rng.range(0.55, 0.8) : 1,
    tint: rng.pick<Colour>([
      [1, 0.96, 0.86],
      [0.95, 0.98, 1.03],
      [1, 1, 1],
      [1.02, 0.93, 0.8],
    ]),
    noise: rng.range(0.012, 0.03),
  };
}

/** Applies light, shadow, tint and noise to a frame, in place. The shadow is a soft-edged half-plane (a hand or the phone). */
export function light(picture: Picture, lighting: Lighting, rng: Rng): void {
  const { width, height } = picture;
  const gAngle = rng.range(0, 2 * Math.PI);
  const gx = Math.cos(gAngle);
  const gy = Math.sin(gAngle);
  const sAngle = rng.range(0, 2 * Math.PI);
  const sx = Math.cos(sAngle);
  const sy = Math.sin(sAngle);
  // The shadow edge passes 15..40% of the way in from one side, so it covers part of the page but rarely the digit's centre.
  const sOffset = rng.range(0.3, 0.5);
  const soft = rng.range(0.03, 0.1);
  const [lo, hi] = lighting.gradient;
  for (let y = 0; y < height; y++) {
    const v = y / height - 0.5;
    for (let x = 0; x < width; x++) {
      const u = x / width - 0.5;
      const t = (u * gx + v * gy) / 0.71 / 2 + 0.5;
      let f = lo + (hi - lo) * t;
      f *= 1 - lighting.vignette * 2 * (u * u + v * v);
      if (lighting.shadow < 1) f *= 1 - (1 - lighting.shadow) * smoothstep(-soft, soft, u * sx + v * sy - sOffset);
      const o = 3 * (y * width + x);
      for (let c = 0; c < 3; c++) picture.rgb[o + c] = picture.rgb[o + c]! * f * lighting.tint[c]!;
    }
  }
  addNoise(picture, lighting.noise, rng);
}
