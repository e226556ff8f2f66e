/**
 * Digits drawn as pen trajectories: per digit a few strokes through control points in a unit box
 * (x right, y down, both 0..1), jittered, slanted and squeezed per picture, then written as SVG path
 * data with Catmull-Rom splines turned into cubic Béziers.
 */
import type { Rng } from './prng.js';

type Point = readonly [number, number];

/** One pen stroke: a smooth curve through the points, or straight segments between them. */
interface Stroke {
  shape: 'curve' | 'line';
  points: readonly Point[];
}

/** A digit style: its strokes, and a name for the manifest notes. */
interface DigitStyle {
  name: string;
  strokes: readonly Stroke[];
}

const curve = (...points: Point[]): Stroke => ({ shape: 'curve', points });
const line = (...points: Point[]): Stroke => ({ shape: 'line', points });

/** The styles of each digit 0..9 (open and closed 4, crossed 7, 1 with and without serifs). */
export const DIGIT_STYLES: readonly (readonly DigitStyle[])[] = [
  [
    { name: 'oval', strokes: [curve([0.5, 0], [0.12, 0.2], [0.02, 0.55], [0.2, 0.92], [0.55, 1], [0.88, 0.78], [0.96, 0.4], [0.8, 0.08], [0.48, 0.01])] },
    { name: 'round', strokes: [curve([0.55, 0.02], [0.15, 0.12], [0, 0.5], [0.15, 0.9], [0.5, 1], [0.88, 0.88], [1, 0.5], [0.85, 0.1], [0.5, 0], [0.35, 0.06])] },
  ],
  [
    { name: 'bar', strokes: [line([0.52, 0], [0.48, 1])] },
    { name: 'flag', strokes: [line([0.15, 0.25], [0.6, 0], [0.55, 1])] },
    { name: 'flag+base', strokes: [line([0.2, 0.22], [0.6, 0], [0.58, 1]), line([0.25, 1], [0.9, 1])] },
  ],
  [
    { name: 'curly', strokes: [curve([0.08, 0.25], [0.3, 0.03], [0.68, 0.02], [0.9, 0.25], [0.78, 0.52], [0.4, 0.78], [0.06, 0.99]), line([0.06, 0.99], [0.96, 0.97])] },
    { name: 'loop-free', strokes: [curve([0.1, 0.2], [0.45, 0], [0.85, 0.12], [0.82, 0.42], [0.05, 0.98]), line([0.05, 0.98], [0.95, 1])] },
  ],
  [
    { name: 'round', strokes: [curve([0.1, 0.15], [0.45, 0], [0.85, 0.12], [0.82, 0.36], [0.42, 0.48]), curve([0.42, 0.48], [0.88, 0.6], [0.9, 0.87], [0.5, 1], [0.08, 0.86])] },
    { name: 'flat-top', strokes: [line([0.1, 0.02], [0.88, 0.02], [0.45, 0.42]), curve([0.45, 0.42], [0.85, 0.55], [0.9, 0.85], [0.5, 1], [0.08, 0.85])] },
  ],
  [
    { name: 'closed', strokes: [line([0.7, 0], [0.02, 0.68], [1, 0.68]), line([0.72, 0.02], [0.72, 1])] },
    { name: 'open', strokes: [line([0.25, 0], [0.08, 0.62], [0.98, 0.62]), line([0.75, 0.15], [0.75, 1])] },
  ],
  [
    { name: 'round', strokes: [line([0.88, 0.02], [0.22, 0.02], [0.14, 0.45]), curve([0.14, 0.45], [0.5, 0.36], [0.88, 0.55], [0.88, 0.82], [0.5, 1], [0.08, 0.88])] },
    { name: 'hooked', strokes: [line([0.2, 0.02], [0.14, 0.48]), curve([0.14, 0.48], [0.55, 0.38], [0.92, 0.62], [0.75, 0.93], [0.35, 1], [0.05, 0.85]), line([0.2, 0.02], [0.9, 0.02])] },
  ],
  [
    { name: 'loop', strokes: [curve([0.82, 0.05], [0.45, 0], [0.15, 0.3], [0.05, 0.66], [0.22, 0.96], [0.56, 1], [0.88, 0.8], [0.8, 0.52], [0.45, 0.45], [0.1, 0.62])] },
  ],
  [
    { name: 'plain', strokes: [line([0.04, 0.03], [0.96, 0.02], [0.38, 1])] },
    { name: 'crossed', strokes: [line([0.04, 0.03], [0.96, 0.02], [0.4, 1]), line([0.38, 0.52], [0.9, 0.5])] },
  ],
  [
    { name: 'figure', strokes: [curve([0.5, 0.47], [0.84, 0.25], [0.52, 0], [0.16, 0.22], [0.5, 0.47], [0.9, 0.72], [0.52, 1], [0.1, 0.76], [0.5, 0.47])] },
    { name: 'two-loops', strokes: [curve([0.52, 0.45], [0.2, 0.3], [0.25, 0.04], [0.55, 0], [0.8, 0.16], [0.72, 0.38], [0.52, 0.45]), curve([0.52, 0.45], [0.92, 0.66], [0.82, 0.95], [0.48, 1], [0.12, 0.86], [0.2, 0.6], [0.52, 0.45])] },
  ],
  [
    { name: 'straight-tail', strokes: [curve([0.88, 0.22], [0.55, 0.45], [0.12, 0.32], [0.28, 0.02], [0.75, 0.03], [0.9, 0.25]), line([0.9, 0.25], [0.82, 1])] },
    { name: 'curved-tail', strokes: [curve([0.86, 0.2], [0.55, 0.44], [0.12, 0.3], [0.3, 0.02], [0.75, 0.04], [0.9, 0.28], [0.84, 0.65], [0.7, 1])] },
  ],
];

/** How a drawn digit is shaped in one picture. */
export interface DrawnDigit {
  /** SVG path data, in pixels, digit box from (0, 0) to (width, height) before slant. */
  pathData: string;
  /** The box the strokes span, in pixels. */
  width: number;
  height: number;
  /** Style name, for the manifest notes, e.g. "7 crossed". */
  style: string;
}

/**
 * The strokes of `label` for one picture: a random style, control points jittered by ~3% of the
 * box, a slant of −0.25..0.1 (x shifted by slant·(y − height/2)), width 0.5..0.75 of the height.
 */
export function drawDigit(label: number, height: number, rng: Rng): DrawnDigit {
  const styles = DIGIT_STYLES[label];
  if (styles === undefined) throw new Error(`no drawn style for label ${label}`);
  const style = rng.pick(styles);
  const aspect = label === 1 ? rng.range(0.3, 0.45) : rng.range(0.55, 0.75);
  const width = height * aspect;
  const slant = rng.range(-0.25, 0.1);
  const jitter = 0.03;
  const place = ([u, v]: Point): Point => {
    const x = (u + jitter * rng.normal()) * width;
    const y = (v + jitter * rng.normal()) * height;
    return [x - slant * (y - height / 2), y];
  };
  const parts: string[] = [];
  for (const stroke of style.strokes) {
    const points = stroke.points.map(place);
    parts.push(stroke.shape === 'line' ? polyline(points) : catmullRom(points));
  }
  return { pathData: parts.join(' '), width, height, style: `${label} ${style.name}` };
}

const fmt = (v: number) => v.toFixed(2);

function polyline(points: readonly Point[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(x)} ${fmt(y)}`).join(' ');
}

/** A Catmull-Rom spline through the points as cubic Béziers (control points Pi ± (Pi+1 − Pi−1)/6). */
function catmullRom(points: readonly Point[]): string {
  const at = (i: number) => points[Math.min(points.length - 1, Math.max(0, i))]!;
  let d = `M${fmt(at(0)[0])} ${fmt(at(0)[1])}`;
  for (let i = 0; i < points.length - 1; i++) {
    const p0 = at(i - 1);
    const p1 = at(i);
    const p2 = at(i + 1);
    const p3 = at(i + 2);
    const c1: Point = [p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6];
    const c2: Point = [p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6];
    d += ` C${fmt(c1[0])} ${fmt(c1[1])} ${fmt(c2[0])} ${fmt(c2[1])} ${fmt(p2[0])} ${fmt(p2[1])}`;
  }
  return d;
}
