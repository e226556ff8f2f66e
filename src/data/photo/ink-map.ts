/**
 * How much ink each pixel holds, with the background divided out (issue 11):
 * shadows, vignetting and coloured paper become a flat 0, strokes a positive
 * level whatever the light on them.
 */
import { estimateBackground, localMedian, paperColour, type InkPolarity } from './background.js';

/** Differences under this (in [0, 1] grey levels) are paper texture and noise when judging polarity. */
export const POLARITY_NOISE_LEVEL = 0.05;
/** Divisor floor for a nearly black background, so the ratio stays bounded. */
const MIN_BACKGROUND = 0.05;

/** Colour or grey planes of one opaque picture. */
export interface PhotoPlanes {
  /** 1 (grey) or 3 (R, G, B) planes of width·height values in [0, 1], row-major. */
  planes: Float32Array[];
  width: number;
  height: number;
}

/** An ink map and how it was made. */
export interface InkMap {
  /** width·height ink levels in [0, 1]: 0 = background. */
  ink: Float32Array;
  polarity: InkPolarity;
  /** Median of the estimated background, as grey (luma) in [0, 1]. */
  background: number;
}

/** BT.601 luma of three planes, or the single plane itself. */
export function lumaPlane(photo: PhotoPlanes): Float32Array {
  if (photo.planes.length === 1) return photo.planes[0]!;
  const [r, g, b] = photo.planes as [Float32Array, Float32Array, Float32Array];
  const luma = new Float32Array(r.length);
  for (let i = 0; i < luma.length; i++) luma[i] = 0.299 * r[i]! + 0.587 * g[i]! + 0.114 * b[i]!;
  return luma;
}

/** Σ max(0, a·(v − bg) − noise): the stroke signal of one polarity. */
function strokeSignal(luma: Float32Array, background: Float32Array, sign: 1 | -1): number {
  let sum = 0;
  for (let i = 0; i < luma.length; i++) {
    const d = sign * (luma[i]! - background[i]!) - POLARITY_NOISE_LEVEL;
    if (d > 0) sum += d;
  }
  return sum;
}

function median(values: Float32Array): number {
  const step = Math.max(1, Math.floor(values.length / 4096));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) sample.push(values[i]!);
  sample.sort((a, b) => a - b);
  return sample[sample.length >> 1] ?? 0;
}

/**
 * Decides whether the strokes are dark on light or light on dark: against
 * the local median (the paper, whichever way round), dark strokes show as
 * pixels below it and light strokes as pixels above; the side with more
 * signal above the noise level wins. Shadows and vignettes are wider than
 * the window and show on neither side.
 */
export function choosePolarity(luma: Float32Array, width: number, height: number): InkPolarity {
  const paper = localMedian(luma, width, height);
  const dark = strokeSignal(luma, paper, -1);
  const light = strokeSignal(luma, paper, 1);
  if (dark === light) return median(luma) >= 0.5 ? 'dark-ink' : 'light-ink';
  return dark > light ? 'dark-ink' : 'light-ink';
}

/**
 * The ink map of a picture. Dark ink: max over channels of (B_c − I_c) / max_c B_c,
 * a ratio, so a stroke in a shadow (I and B both scaled by the light) keeps
 * its level, and a blue pen on yellow paper shows in the red channel. Light
 * ink: max over channels of (I_c − B_c).
 * @param polarity from `choosePolarity`, or given (a transparent canvas decides it from the ink).
 */
export function inkMap(photo: PhotoPlanes, polarity: InkPolarity): InkMap {
  const { width, height, planes } = photo;
  const n = width * height;
  const luma = lumaPlane(photo);
  const lumaBackground = estimateBackground(luma, width, height, polarity);
  const backgrounds = planes.length === 1 ? [lumaBackground] : paperColour(planes, luma, lumaBackground, width, height, polarity);
  const ink = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let level = 0;
    if (polarity === 'dark-ink') {
      let brightest = MIN_BACKGROUND;
      for (let c = 0; c < planes.length; c++) brightest = Math.max(brightest, backgrounds[c]![i]!);
      for (let c = 0; c < planes.length; c++) level = Math.max(level, (backgrounds[c]![i]! - planes[c]![i]!) / brightest);
    } else {
      for (let c = 0; c < planes.length; c++) level = Math.max(level, planes[c]![i]! - backgrounds[c]![i]!);
    }
    ink[i] = level > 1 ? 1 : level;
  }
  return { ink, polarity, background: median(lumaBackground) };
}
