/**
 * How much ink each pixel holds, with the background divided out (issue 11):
 * shadows, vignetting and coloured paper become a flat 0, strokes a positive
 * level whatever the light on them.
 */
import { estimateBackground, localMedian, paperColour, type InkPolarity } from './background.js';

/** Differences under this (in [0, 1] grey levels) are paper texture and noise when judging polarity. */
export const POLARITY_NOISE_LEVEL = 0.05;
/** The polarity is judged on pictures at least this large per side (larger ones are sampled down to it). */
const POLARITY_MIN_SIDE = 128;
/** Below this peak ink level in grey, the colour channels are consulted. */
export const WEAK_GREY_INK = 0.4;
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
  if (width >= 2 * POLARITY_MIN_SIDE && height >= 2 * POLARITY_MIN_SIDE) {
    // Every other pixel of every other row: a quarter of the work, and strokes keep their contrast (picked, not averaged).
    const w = width >> 1;
    const h = height >> 1;
    const sample = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sample[y * w + x] = luma[2 * y * width + 2 * x]!;
    return choosePolarity(sample, w, h);
  }
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
  const luma = lumaPlane(photo);
  const lumaBackground = estimateBackground(luma, width, height, polarity);
  const grey = inkLevels([luma], [lumaBackground], polarity);
  // Grey sees almost all ink on paper (a blue pen on yellow paper too); the
  // channels are consulted only when it sees little, as red on green of one brightness.
  let peak = 0;
  for (let i = 0; i < grey.length; i++) if (grey[i]! > peak) peak = grey[i]!;
  const ink =
    planes.length === 3 && peak < WEAK_GREY_INK
      ? inkLevels(planes, paperColour(planes, luma, lumaBackground, width, height, polarity), polarity)
      : grey;
  return { ink, polarity, background: median(lumaBackground) };
}

/** Per pixel, the largest level over the channels (see `inkMap`), clamped to [0, 1]. */
function inkLevels(planes: readonly Float32Array[], backgrounds: readonly Float32Array[], polarity: InkPolarity): Float32Array {
  const n = planes[0]!.length;
  // Channel by channel, in flat loops (the hot path of a photo: n is up to MAX_DECODE_PIXELS).
  const ink = new Float32Array(n);
  if (polarity === 'dark-ink') {
    let brightest = backgrounds[0]!;
    if (backgrounds.length > 1) {
      brightest = new Float32Array(n);
      for (const background of backgrounds) for (let i = 0; i < n; i++) if (background[i]! > brightest[i]!) brightest[i] = background[i]!;
    }
    planes.forEach((plane, c) => {
      const background = backgrounds[c]!;
      for (let i = 0; i < n; i++) {
        const level = (background[i]! - plane[i]!) / (brightest[i]! > MIN_BACKGROUND ? brightest[i]! : MIN_BACKGROUND);
        if (level > ink[i]!) ink[i] = level > 1 ? 1 : level;
      }
    });
  } else {
    planes.forEach((plane, c) => {
      const background = backgrounds[c]!;
      for (let i = 0; i < n; i++) {
        const level = plane[i]! - background[i]!;
        if (level > ink[i]!) ink[i] = level > 1 ? 1 : level;
      }
    });
  }
  return ink;
}
