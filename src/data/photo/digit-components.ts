/**
 * Which connected components of ink make the digit (issue 11): not the
 * specks, not the page's edge or a frame around the writing, and the parts of
 * one digit together (a 4 or a 5 may be written in two strokes).
 */
import { boxHeight, boxWidth, type Component } from './connected-components.js';

/** A component is a speck when its long side is at most this many pixels... */
export const SPECK_MAX_PIXELS = 3;
/** ...or at most this fraction of the picture's short side... */
export const SPECK_SIDE_FRACTION = 0.02;
/** ...or its area is under this fraction of the largest candidate's (dust beside a digit). */
export const SPECK_AREA_FRACTION = 0.03;
/** A component touching the picture's edge is the page's edge or a shadow when it is this elongated (long side / short side)... */
export const BORDER_MIN_ASPECT = 4;
/** ...or runs along this fraction of an edge it touches... */
export const BORDER_MIN_SPAN = 0.9;
/** ...or lies on the edge along this fraction of it. */
export const BORDER_CONTACT = 0.15;
/**
 * Ink in a corner of the picture (touching two adjacent edges) is a
 * vignette's or a shadow's corner unless it fills the picture across both
 * edges, as a digit cropped tightly does: at least this fraction of the
 * picture's width and of its height.
 */
export const TIGHT_CROP_MIN_SPAN = 0.5;
/** A candidate for the digit has ink at least this strong somewhere (after the background is divided out); fainter components are shadows' edges and smudges. */
export const MIN_STROKE_PEAK = 0.35;
/** A frame has at least this fraction of its pixels near its bounding box's sides... */
export const FRAME_EDGE_FRACTION = 0.8;
/** ..."near" meaning within this fraction of the box's short side... */
export const FRAME_EDGE_BAND = 0.08;
/** ...and each of its four sides has pixels along this fraction of its length. */
export const FRAME_SIDE_COVERAGE = 0.7;
/** A component this elongated (length / thickness, see Component.elongation) is a piece of a line... */
export const LINE_FRAGMENT_ASPECT = 20;
/** ...unless it is the largest and shorter than this fraction of the picture's long side. */
export const LINE_FRAGMENT_SPAN = 0.75;
/** Parts of one digit are at most this far apart, as a fraction of the largest part's long side. */
export const DIGIT_PART_GAP = 0.3;
/** Another component counts as a second digit when its area and long side are at least these fractions of the digit's. */
export const OTHER_DIGIT_AREA = 0.25;
export const OTHER_DIGIT_SIDE = 0.5;

/** A rectangle in pixels of the picture. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How many components each rule set aside. */
export interface RemovedComponents {
  specks: number;
  /** Components too faint to be writing (see MIN_STROKE_PEAK). */
  faint: number;
  /** Thin straight pieces the line search did not take (too short to span the picture). */
  lineFragments: number;
  /** Touching the picture's edge: page edges, scanner shadows, the edge of a sticky note. */
  border: number;
  frames: number;
}

/** The digit's components, or why there is none. */
export type DigitSelection =
  | {
      found: true;
      /** Components that make the digit. */
      parts: Component[];
      /** Their joint bounding box. */
      box: PixelBox;
      removed: RemovedComponents;
      /** Other digit-sized components, not classified ("several digits?"). */
      otherDigits: number;
    }
  | { found: false; removed: RemovedComponents; reason: string };

function longSide(c: Component): number {
  return Math.max(boxWidth(c), boxHeight(c));
}

/** Whether a component touching the picture's edge is the page, not writing. */
function isBorder(c: Component, width: number, height: number, n: number): boolean {
  const { left, top, right, bottom } = c.touches;
  if (!(left || top || right || bottom)) return false;
  const w = boxWidth(c);
  const h = boxHeight(c);
  if (Math.max(w, h) / Math.min(w, h) >= BORDER_MIN_ASPECT) return true;
  if (c.area >= 0.25 * n) return true;
  // Lying along an edge (a desk's wedge beside a photographed sheet) rather than ending at it as a stroke does.
  const { contact } = c;
  if (Math.max(contact.left, contact.right) >= BORDER_CONTACT * height || Math.max(contact.top, contact.bottom) >= BORDER_CONTACT * width) return true;
  if (sitsInCorner(c, width, height)) return true;
  return spansAnEdge(c, width, height);
}

/** Whether a component touches two adjacent edges without spanning TIGHT_CROP_MIN_SPAN of the picture across both. */
function sitsInCorner(c: Component, width: number, height: number): boolean {
  const { left, top, right, bottom } = c.touches;
  return (left || right) && (top || bottom) && !(boxWidth(c) >= TIGHT_CROP_MIN_SPAN * width && boxHeight(c) >= TIGHT_CROP_MIN_SPAN * height);
}

function spansAnEdge(c: Component, width: number, height: number): boolean {
  const { left, top, right, bottom } = c.touches;
  return ((left || right) && boxHeight(c) >= BORDER_MIN_SPAN * height) || ((top || bottom) && boxWidth(c) >= BORDER_MIN_SPAN * width);
}

/**
 * Whether a component is a frame: most of its pixels lie in the bands along
 * its bounding box's sides, and all four sides are there along most of their
 * length (a U or an oval 0 lacks a side or its corners).
 */
function isFrameShaped(c: Component, labels: Int32Array, width: number): boolean {
  const w = boxWidth(c);
  const h = boxHeight(c);
  const band = Math.max(2, Math.round(FRAME_EDGE_BAND * Math.min(w, h)));
  const columnsTop = new Uint8Array(w);
  const columnsBottom = new Uint8Array(w);
  const rowsLeft = new Uint8Array(h);
  const rowsRight = new Uint8Array(h);
  let near = 0;
  for (let y = c.minY; y <= c.maxY; y++) {
    const row = y * width;
    for (let x = c.minX; x <= c.maxX; x++) {
      if (labels[row + x] !== c.label) continue;
      const top = y - c.minY < band;
      const bottom = c.maxY - y < band;
      const left = x - c.minX < band;
      const right = c.maxX - x < band;
      if (top) columnsTop[x - c.minX] = 1;
      if (bottom) columnsBottom[x - c.minX] = 1;
      if (left) rowsLeft[y - c.minY] = 1;
      if (right) rowsRight[y - c.minY] = 1;
      if (top || bottom || left || right) near++;
    }
  }
  const covered = (sides: Uint8Array) => sides.reduce((s, v) => s + v, 0) / sides.length >= FRAME_SIDE_COVERAGE;
  return near / c.area >= FRAME_EDGE_FRACTION && [columnsTop, columnsBottom, rowsLeft, rowsRight].every(covered);
}

function encloses(outer: Component, inner: Component): boolean {
  const cx = (inner.minX + inner.maxX) / 2;
  const cy = (inner.minY + inner.maxY) / 2;
  return inner !== outer && cx > outer.minX && cx < outer.maxX && cy > outer.minY && cy < outer.maxY && longSide(inner) < longSide(outer);
}

/** Gap between two boxes in pixels (0 when they overlap). */
function boxGap(a: PixelBox, c: Component): number {
  const dx = Math.max(0, c.minX - (a.x + a.width - 1), a.x - c.maxX);
  const dy = Math.max(0, c.minY - (a.y + a.height - 1), a.y - c.maxY);
  return Math.hypot(dx, dy);
}

function union(box: PixelBox, c: Component): PixelBox {
  const x = Math.min(box.x, c.minX);
  const y = Math.min(box.y, c.minY);
  return { x, y, width: Math.max(box.x + box.width - 1, c.maxX) - x + 1, height: Math.max(box.y + box.height - 1, c.maxY) - y + 1 };
}

/**
 * Chooses the digit among the ink's components.
 * 1. Set aside faint components (MIN_STROKE_PEAK) and tiny ones (specks).
 * 2. Set aside components touching the picture's edge that are elongated,
 *    huge, lie along the edge, run along it or sit small in a corner (kept
 *    after all when nothing else remains and they neither run along the
 *    edge nor sit in a corner: a digit cropped tightly).
 * 3. Set aside frames: boxes whose pixels lie along their sides, around
 *    other ink or filling most of the picture.
 * 4. Set aside dust beside something much larger, and thin straight pieces
 *    of lines (LINE_FRAGMENT_ASPECT).
 * 5. The largest remaining component is the digit; components within
 *    DIGIT_PART_GAP of it join it, repeatedly.
 * @param labels the labelling the components come from (width·height).
 */
export function selectDigit(components: readonly Component[], labels: Int32Array, width: number, height: number): DigitSelection {
  const n = width * height;
  const shortSide = Math.min(width, height);
  const removed: RemovedComponents = { specks: 0, faint: 0, lineFragments: 0, border: 0, frames: 0 };
  const speckSide = Math.max(SPECK_MAX_PIXELS, SPECK_SIDE_FRACTION * shortSide);
  const strong = components.filter((c) => c.peak >= MIN_STROKE_PEAK);
  removed.faint = components.length - strong.length;
  const sized = strong.filter((c) => longSide(c) > speckSide);
  removed.specks += strong.length - sized.length;

  const border = sized.filter((c) => isBorder(c, width, height, n));
  let candidates = sized.filter((c) => !border.includes(c));
  // Nothing but edge-touching ink: a tightly cropped digit (or one drawn at a canvas's edge) touches the
  // edge too, but neither runs along it nor sits small in a corner.
  if (candidates.length === 0) candidates = border.filter((c) => !spansAnEdge(c, width, height) && !sitsInCorner(c, width, height));
  removed.border = border.filter((c) => !candidates.includes(c)).length;

  const frames = candidates.filter(
    (c) =>
      boxWidth(c) >= 0.2 * width &&
      boxHeight(c) >= 0.2 * height &&
      (candidates.some((other) => encloses(c, other)) || (boxWidth(c) >= 0.5 * width && boxHeight(c) >= 0.5 * height)) &&
      isFrameShaped(c, labels, width),
  );
  removed.frames += frames.length;
  candidates = candidates.filter((c) => !frames.includes(c));

  const largestArea = Math.max(0, ...candidates.map((c) => c.area));
  const notSpecks = candidates.filter((c) => c.area >= SPECK_AREA_FRACTION * largestArea);
  removed.specks += candidates.length - notSpecks.length;
  // Pieces of lines the line search missed (the edge of a note on a desk, a cast shadow's edge, a short
  // rule): thin and long along their principal axis, whatever their tilt. The largest component is spared
  // unless it runs across most of the picture (a thin pencil 1 may be the digit itself).
  const largest = notSpecks.reduce<Component | undefined>((best, c) => (best === undefined || c.area > best.area ? c : best), undefined);
  const spared = (c: Component) => c === largest && c.length < LINE_FRAGMENT_SPAN * Math.max(width, height);
  const kept = notSpecks.filter((c) => spared(c) || c.elongation < LINE_FRAGMENT_ASPECT);
  removed.lineFragments = notSpecks.length - kept.length;
  if (kept.length === 0) return { found: false, removed, reason: noDigitReason(components.length, removed) };

  const main = kept.reduce((best, c) => (c.area > best.area ? c : best));
  const parts = [main];
  let box: PixelBox = { x: main.minX, y: main.minY, width: boxWidth(main), height: boxHeight(main) };
  const gap = DIGIT_PART_GAP * longSide(main);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of kept) {
      if (parts.includes(c) || boxGap(box, c) > gap) continue;
      parts.push(c);
      box = union(box, c);
      grew = true;
    }
  }
  const area = parts.reduce((s, c) => s + c.area, 0);
  const otherDigits = kept.filter(
    (c) => !parts.includes(c) && c.area >= OTHER_DIGIT_AREA * area && longSide(c) >= OTHER_DIGIT_SIDE * Math.max(box.width, box.height),
  ).length;
  return { found: true, parts, box, removed, otherDigits };
}

/** The "no digit found" explanation for what was set aside. */
function noDigitReason(count: number, removed: RemovedComponents): string {
  const what: string[] = [];
  if (removed.specks > 0) what.push(removed.specks === 1 ? 'a speck' : `${removed.specks} specks`);
  if (removed.border > 0) what.push(`ink along the picture's edge`);
  if (removed.frames > 0) what.push(removed.frames === 1 ? 'a frame' : `${removed.frames} frames`);
  if (removed.lineFragments > 0) what.push('pieces of lines');
  if (removed.faint > 0) what.push('faint marks');
  return count === 0 || what.length === 0 ? 'no ink besides straight lines' : `only ${what.join(', ')}`;
}
