/**
 * The kinds of picture in the corpus, one renderer each (issue 11): how people photograph and scan
 * handwritten digits, and pictures that hold no digit at all. `KINDS` is the table; a new kind is
 * one entry.
 */
import { encodePicture, encodeTransparent, type Encoding, type ExifOrientation } from './encode.js';
import { light, randomLighting, warpPage } from './photograph.js';
import type { Rng } from './prng.js';
import { addNoise, emptyField, paint, paper, solidPicture, smoothstep, valueNoise, type Colour, type Picture } from './raster.js';
import { drawSvg, frame, gridLines, randomSize, ruledLines, writeDigit, type PictureRequest, type RenderedPicture } from './scene.js';

const WHITE_PAPERS: readonly Colour[] = [
  [0.97, 0.97, 0.96],
  [0.95, 0.94, 0.9],
  [1, 1, 1],
  [0.93, 0.93, 0.94],
];
const PEN_INKS: readonly Colour[] = [
  [0.05, 0.05, 0.07],
  [0.08, 0.12, 0.45],
  [0.15, 0.15, 0.2],
  [0.1, 0.1, 0.3],
];
const DESKS: readonly Colour[] = [
  [0.45, 0.3, 0.18],
  [0.3, 0.3, 0.32],
  [0.55, 0.5, 0.45],
  [0.2, 0.16, 0.12],
  [0.62, 0.6, 0.58],
];
const NOTE_PAPERS: readonly Colour[] = [
  [1, 0.93, 0.45],
  [1, 0.72, 0.8],
  [0.72, 0.94, 0.6],
  [0.68, 0.86, 1],
  [1, 0.76, 0.42],
];
const NOTE_INKS: readonly Colour[] = [
  [0.1, 0.2, 0.7],
  [0.05, 0.05, 0.05],
  [0.75, 0.08, 0.1],
  [0.05, 0.38, 0.15],
];

/** Finishes a picture: encode, and report its size and the notes. */
async function finish(
  picture: Picture,
  encoding: Encoding,
  source: string | null,
  notes: string[],
  quality = 90,
  orientation?: ExifOrientation,
): Promise<RenderedPicture> {
  const encoded = await encodePicture(picture, encoding, quality, orientation);
  if (orientation !== undefined) notes.push(`pixels stored rotated, EXIF orientation ${orientation}`);
  return { ...encoded, source, notes, width: picture.width, height: picture.height };
}

/** Dark ink on white or off-white paper, mild paper noise, PNG. */
async function clean(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = randomSize(rng);
  const picture = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.015, 0.012);
  const digit = await writeDigit(picture, request, { heightFrac: [0.3, 0.7], weight: rng.pick(['pen', 'felt'] as const), colour: rng.pick(PEN_INKS) });
  return finish(picture, 'png', digit.source, digit.notes);
}

/** A scanned page: dark page edge or lid shadow along one or two sides, and/or a drawn box around the digit. */
async function scanBorder(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = randomSize(rng, 400, 1600);
  const grey = rng.range(0.8, 0.9);
  const picture = paper(width, height, [grey, grey, grey * 0.99], rng, 0.02, 0.015);
  const variant = request.variant % 4; // 0 edge, 1 two edges, 2 frame, 3 edge + frame
  const notes: string[] = [];
  const short = Math.min(width, height);
  const withFrame = variant >= 2;
  const digit = await writeDigit(picture, request, {
    heightFrac: withFrame ? [0.3, 0.45] : [0.3, 0.6],
    weight: 'pen',
    colour: rng.pick(PEN_INKS),
    centre: { x: width * rng.range(0.45, 0.55), y: height * rng.range(0.45, 0.55) },
  });
  if (withFrame) {
    const box = cropBox(digit.mask);
    const margin = digit.digitHeight * rng.range(0.2, 0.45);
    const fw = Math.min(width * 0.88, box.width + 2 * margin + digit.digitHeight * 0.3);
    const fh = Math.min(height * 0.88, box.height + 2 * margin);
    const lineWidth = Math.max(2, digit.digitHeight * rng.range(0.03, 0.07));
    await drawSvg(picture, frame(box.x + box.width / 2, box.y + box.height / 2, fw, fh, rng.pick(PEN_INKS), lineWidth, rng));
    notes.push(`frame ${Math.round(fw)}×${Math.round(fh)} px, line ${lineWidth.toFixed(1)} px`);
  }
  if (variant !== 2) {
    const sides = variant === 1 ? 2 : rng.int(1, 2);
    const first = rng.int(0, 3);
    for (let s = 0; s < sides; s++) {
      const side = (first + s) % 4; // 0 left, 1 top, 2 right, 3 bottom
      const depth = short * rng.range(0.04, 0.12);
      const dark = rng.range(0.03, 0.25);
      const skew = rng.range(-0.03, 0.03);
      const soft = short * rng.range(0.01, 0.04);
      edge(picture, side, depth, dark, skew, soft);
      notes.push(`dark edge ${['left', 'top', 'right', 'bottom'][side]} ${Math.round(depth)} px, grey ${dark.toFixed(2)}`);
    }
  }
  addNoise(picture, 0.01, rng);
  return finish(picture, rng.pick(['png', 'jpeg'] as const), digit.source, [...digit.notes, ...notes], 90);
}

/** Bounding box of a mask's ink. */
function cropBox(mask: { width: number; height: number; values: Float32Array }): { x: number; y: number; width: number; height: number } {
  let x0 = mask.width;
  let y0 = mask.height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.values[y * mask.width + x]! > 0.3) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** A dark band along one side (page edge, scanner lid), slightly skewed, with a soft shadow into the page. */
function edge(picture: Picture, side: number, depth: number, dark: number, skew: number, soft: number): void {
  const { width, height } = picture;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const along = side % 2 === 0 ? y : x;
      const across = side === 0 ? x : side === 1 ? y : side === 2 ? width - 1 - x : height - 1 - y;
      const d = across - (depth + skew * along);
      // 1 inside the band, falling off over `soft` px into the page (the shadow of the lid).
      const band = 1 - smoothstep(-1, 1, d);
      const shadow = 0.35 * (1 - smoothstep(0, soft, d));
      const o = 3 * (y * width + x);
      for (let c = 0; c < 3; c++) {
        const v = picture.rgb[o + c]! * (1 - shadow);
        picture.rgb[o + c] = v * (1 - band) + dark * band;
      }
    }
  }
}

/** Pencil on ruled notebook paper: lines crossing the digit, sometimes a red margin, a slight tilt. */
async function ruledPencil(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = randomSize(rng, 300, 1600);
  const picture = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.02, 0.02);
  const spacing = height / rng.range(6, 10);
  const lineColour = rng.pick<Colour>([
    [0.55, 0.7, 0.92],
    [0.62, 0.75, 0.9],
    [0.7, 0.7, 0.72],
  ]);
  const lineWidth = Math.max(1, height / rng.range(350, 600));
  const margin = rng.chance(0.4) ? width * rng.range(0.08, 0.18) : undefined;
  const angle = rng.range(-1.5, 1.5);
  await drawSvg(picture, ruledLines(width, height, spacing, lineColour, lineWidth, angle, margin));
  const g = rng.range(0.25, 0.45);
  const digit = await writeDigit(picture, request, { heightFrac: [0.3, 0.6], weight: 'pencil', colour: [g, g, g * 1.05], texture: 'pencil' });
  addNoise(picture, 0.008, rng);
  const notes = [...digit.notes, `ruled every ${spacing.toFixed(0)} px, line ${lineWidth.toFixed(1)} px, tilt ${angle.toFixed(1)}°${margin === undefined ? '' : ', red margin'}`];
  return finish(picture, rng.pick(['png', 'jpeg'] as const), digit.source, notes, 88);
}

/** Pen on square-grid paper, sometimes a heavier line every fifth cell. */
async function graphPaper(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = randomSize(rng, 300, 1600);
  const picture = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.015, 0.015);
  const cell = Math.min(width, height) / rng.range(12, 30);
  const colour = rng.pick<Colour>([
    [0.6, 0.75, 0.9],
    [0.7, 0.72, 0.75],
    [0.6, 0.82, 0.65],
    [0.9, 0.7, 0.6],
  ]);
  const lineWidth = Math.max(0.8, Math.min(width, height) / rng.range(500, 900));
  const major = rng.chance(0.5);
  await drawSvg(picture, gridLines(width, height, cell, colour, lineWidth, major, rng.range(-1, 1)));
  const digit = await writeDigit(picture, request, { heightFrac: [0.3, 0.65], weight: 'pen', colour: rng.pick(PEN_INKS) });
  addNoise(picture, 0.008, rng);
  return finish(picture, rng.pick(['png', 'jpeg'] as const), digit.source, [...digit.notes, `grid ${cell.toFixed(0)} px${major ? ', heavy every 5' : ''}`], 88);
}

/** Size of a phone photo: mostly 1000..2000 px wide, 12 MP when asked. */
function photoSize(request: PictureRequest): { width: number; height: number } {
  const portrait = request.rng.chance(0.4);
  const [w, h] = request.large ? [4000, 3000] : ((s) => [s, Math.round(s * 0.75)])(request.rng.int(1000, 2000));
  return portrait ? { width: h, height: w } : { width: w, height: h };
}

/** A sheet photographed: uneven light, soft cast shadow, rotation and mild perspective, JPEG; a third with EXIF rotation. */
async function phonePhoto(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = photoSize(request);
  const page = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.03, 0.02);
  const digit = await writeDigit(page, request, { heightFrac: [0.2, 0.45], weight: rng.pick(['pen', 'felt'] as const), colour: rng.pick(PEN_INKS) });
  const angle = rng.range(-8, 8);
  const photo = warpPage(
    page,
    { width, height, angle, scale: rng.range(0.95, 1.15), perspective: rng.range(0.01, 0.035), desk: rng.pick(DESKS), dropShadow: 0.3 },
    rng,
  );
  const lighting = randomLighting(rng);
  light(photo, lighting, rng);
  const orientation = request.variant % 3 === 1 ? rng.pick<ExifOrientation>([3, 6, 8]) : undefined;
  const quality = rng.int(70, 85);
  const notes = [...digit.notes, `rotated ${angle.toFixed(1)}°, light ${lighting.gradient.map((v) => v.toFixed(2)).join('..')}, shadow ${lighting.shadow.toFixed(2)}, JPEG q${quality}`];
  return finish(photo, 'jpeg', digit.source, notes, quality, orientation);
}

/** Coloured sticky note with coloured ink: filling the picture, or lying on a desk with its edges visible. */
async function stickyNote(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const onDesk = request.variant % 2 === 1;
  const noteColour = rng.pick(NOTE_PAPERS);
  const side = rng.int(300, 1200);
  const note = paper(side, side, noteColour, rng, 0.03, 0.02);
  const ink = rng.pick(NOTE_INKS.filter((c) => !(c[0] > 0.5 && noteColour[1] < 0.8)));
  const digit = await writeDigit(note, request, { heightFrac: [0.35, 0.65], weight: rng.pick(['pen', 'felt'] as const), colour: ink });
  const notes = [...digit.notes];
  let picture = note;
  if (onDesk) {
    const { width, height } = randomSize(rng, 500, 1400);
    picture = warpPage(note, { width, height, angle: rng.range(-15, 15), scale: rng.range(0.55, 0.8), perspective: 0.01, desk: rng.pick(DESKS), dropShadow: 0.35 }, rng);
    const lighting = randomLighting(rng);
    lighting.shadow = 1;
    lighting.gradient = [rng.range(0.75, 0.9), 1.05];
    light(picture, lighting, rng);
    notes.push('note on a desk, edges visible');
  } else {
    addNoise(picture, 0.01, rng);
  }
  return finish(picture, rng.pick(['jpeg', 'png'] as const), digit.source, notes, 85);
}

/** Heavy marker strokes (1/5–1/4 of the digit height) on white. */
async function marker(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = randomSize(rng);
  const picture = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.01, 0.01);
  const colour = rng.pick<Colour>([
    [0.03, 0.03, 0.03],
    [0.05, 0.15, 0.6],
    [0.75, 0.05, 0.08],
    [0.05, 0.4, 0.12],
    [0.35, 0.1, 0.5],
  ]);
  const digit = await writeDigit(picture, request, { heightFrac: [0.35, 0.65], weight: 'marker', colour });
  return finish(picture, rng.pick(['png', 'jpeg'] as const), digit.source, digit.notes, 90);
}

/** Chalk on a blackboard (grainy, dusty, old smudges), or white marker on dark paper. */
async function lightOnDark(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const { width, height } = randomSize(rng, 300, 1600);
  const chalk = request.variant % 2 === 0;
  if (chalk) {
    const board = rng.pick<Colour>([
      [0.13, 0.22, 0.17],
      [0.12, 0.12, 0.13],
      [0.16, 0.2, 0.24],
    ]);
    const picture = paper(width, height, board, rng, 0.02, 0.03);
    // Wiped chalk: broad, faint, lighter smudges.
    const smudge = valueNoise(width, height, Math.min(width, height) / 5, rng);
    const smear = emptyField(width, height);
    for (let i = 0; i < smear.values.length; i++) smear.values[i] = 0.12 * smoothstep(0.45, 0.9, smudge.values[i]!);
    paint(picture, smear, [0.8, 0.82, 0.8]);
    const c = rng.range(0.85, 0.95);
    const digit = await writeDigit(picture, request, { heightFrac: [0.3, 0.65], weight: 'felt', colour: [c, c, c * 0.97], texture: 'chalk' });
    addNoise(picture, 0.015, rng);
    return finish(picture, rng.pick(['jpeg', 'png'] as const), digit.source, [...digit.notes, 'chalk on blackboard'], 85);
  }
  const dark = rng.pick<Colour>([
    [0.05, 0.05, 0.06],
    [0.08, 0.08, 0.18],
    [0.2, 0.05, 0.08],
  ]);
  const picture = paper(width, height, dark, rng, 0.015, 0.015);
  const digit = await writeDigit(picture, request, { heightFrac: [0.3, 0.65], weight: rng.pick(['pen', 'felt'] as const), colour: [0.95, 0.95, 0.93] });
  return finish(picture, 'png', digit.source, [...digit.notes, 'white marker on dark paper'], 90);
}

/** The same kind of writing in other file formats: transparent RGBA, 16-bit grey and RGB, WebP, TIFF, greyscale JPEG. */
async function formats(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const variant = (['rgba-soft', 'rgba-hard', 'grey16-png', 'rgb16-png', 'webp', 'tiff', 'grey-jpeg'] as const)[request.variant % 7]!;
  const { width, height } = randomSize(rng, 200, 1200);
  if (variant === 'rgba-soft' || variant === 'rgba-hard') {
    const canvas = solidPicture(width, height, [1, 1, 1]);
    const colour = rng.pick(PEN_INKS);
    const digit = await writeDigit(canvas, request, { heightFrac: [0.35, 0.7], weight: rng.pick(['pen', 'felt'] as const), colour });
    const encoded = await encodeTransparent(digit.mask, colour, variant === 'rgba-soft');
    return { ...encoded, source: digit.source, notes: [...digit.notes, `RGBA PNG, transparent background, ${variant === 'rgba-soft' ? 'antialiased' : 'binary'} alpha`], width, height };
  }
  const picture = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.015, 0.012);
  const digit = await writeDigit(picture, request, { heightFrac: [0.3, 0.7], weight: 'pen', colour: rng.pick(PEN_INKS) });
  const encoding: Encoding = variant;
  return finish(picture, encoding, digit.source, [...digit.notes, variant], rng.int(75, 90));
}

/** One to a few dark specks (1–3 px) on white or on paper texture, or on a photographed page. */
async function speck(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const variant = request.variant % 5;
  const { width, height } = variant === 4 ? { width: 1600, height: 1200 } : randomSize(rng, 200, 1200);
  const picture = variant <= 1 ? solidPicture(width, height, [1, 1, 1]) : paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.02, 0.015);
  const count = variant % 2 === 0 ? 1 : rng.int(2, 6);
  const specks: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = rng.range(0.5, 1.5);
    specks.push(`<circle cx="${rng.range(0.1, 0.9) * width}" cy="${rng.range(0.1, 0.9) * height}" r="${r.toFixed(2)}" fill="rgb(40,40,45)"/>`);
  }
  await drawSvg(picture, specks.join(''));
  const notes = [`${count} speck${count > 1 ? 's' : ''} of 1–3 px`, variant <= 1 ? 'on white' : 'on paper texture'];
  if (variant === 4) {
    const photo = warpPage(picture, { width, height, angle: rng.range(-5, 5), scale: 1.1, perspective: 0.01, desk: rng.pick(DESKS), dropShadow: 0 }, rng);
    light(photo, randomLighting(rng), rng);
    return finish(photo, 'jpeg', null, [...notes, 'photographed, uneven light'], 80);
  }
  return finish(picture, 'png', null, notes);
}

/** Nothing written: a white page, paper texture, an unevenly lit photo of an empty page, an empty sticky note, a grey scan. */
async function blank(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const variant = request.variant % 5;
  const { width, height } = randomSize(rng, 300, 1600);
  if (variant === 0) return finish(solidPicture(width, height, [1, 1, 1]), 'png', null, ['white page']);
  if (variant === 1) return finish(paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.03, 0.02), 'png', null, ['paper texture']);
  if (variant === 2) {
    const photo = warpPage(paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.03, 0.02), { width, height, angle: rng.range(-6, 6), scale: 1.05, perspective: 0.02, desk: rng.pick(DESKS), dropShadow: 0.3 }, rng);
    light(photo, randomLighting(rng), rng);
    return finish(photo, 'jpeg', null, ['photo of an empty page, uneven light'], 80);
  }
  if (variant === 3) return finish(paper(width, width, rng.pick(NOTE_PAPERS), rng, 0.03, 0.02), 'jpeg', null, ['sticky note without writing'], 85);
  const grey = rng.range(0.8, 0.9);
  const scan = paper(width, height, [grey, grey, grey], rng, 0.02, 0.015);
  addNoise(scan, 0.01, rng);
  return finish(scan, 'png', null, ['grey scanned page']);
}

/** Lines without a digit: ruled paper, graph paper, one long straight line, an empty frame, a 20000×20 strip with a line. */
async function linesOnly(request: PictureRequest): Promise<RenderedPicture> {
  const { rng } = request;
  const variant = request.variant % 5;
  if (variant === 4) {
    const picture = solidPicture(20000, 20, [1, 1, 1]);
    await drawSvg(picture, `<line x1="200" y1="10" x2="19800" y2="10" stroke="rgb(20,20,20)" stroke-width="3"/>`);
    return finish(picture, 'png', null, ['20000×20 strip, one horizontal line']);
  }
  const { width, height } = randomSize(rng, 300, 1600);
  const picture = paper(width, height, rng.pick(WHITE_PAPERS), rng, 0.02, 0.015);
  let note: string;
  if (variant === 0) {
    await drawSvg(picture, ruledLines(width, height, height / rng.range(6, 10), [0.55, 0.7, 0.92], Math.max(1, height / 500), rng.range(-1.5, 1.5), rng.chance(0.5) ? width * 0.12 : undefined));
    note = 'ruled paper';
  } else if (variant === 1) {
    await drawSvg(picture, gridLines(width, height, Math.min(width, height) / rng.range(12, 30), [0.6, 0.75, 0.9], 1, rng.chance(0.5), rng.range(-1, 1)));
    note = 'graph paper';
  } else if (variant === 2) {
    const y = height * rng.range(0.3, 0.7);
    const w = Math.max(2, Math.min(width, height) * 0.012);
    await drawSvg(picture, `<line x1="${width * 0.1}" y1="${y}" x2="${width * 0.9}" y2="${y + rng.range(-0.05, 0.05) * height}" stroke="rgb(25,25,40)" stroke-width="${w.toFixed(1)}" stroke-linecap="round"/>`);
    note = 'one long straight pen line';
  } else {
    const short = Math.min(width, height);
    await drawSvg(picture, frame(width / 2, height / 2, width * rng.range(0.4, 0.75), height * rng.range(0.4, 0.75), rng.pick(PEN_INKS), Math.max(2, short * 0.01), rng));
    note = 'an empty hand-drawn frame';
  }
  addNoise(picture, 0.008, rng);
  return finish(picture, rng.pick(['png', 'jpeg'] as const), null, [note], 88);
}

/** A kind: whether its pictures hold a digit, and how one is rendered. */
export interface PictureKind {
  hasDigit: boolean;
  render(request: PictureRequest): Promise<RenderedPicture>;
}

/** Every kind of the corpus, digits first, then the negatives. */
export const KINDS = {
  clean: { hasDigit: true, render: clean },
  'scan-border': { hasDigit: true, render: scanBorder },
  'ruled-pencil': { hasDigit: true, render: ruledPencil },
  'graph-paper': { hasDigit: true, render: graphPaper },
  'phone-photo': { hasDigit: true, render: phonePhoto },
  'sticky-note': { hasDigit: true, render: stickyNote },
  marker: { hasDigit: true, render: marker },
  'light-on-dark': { hasDigit: true, render: lightOnDark },
  formats: { hasDigit: true, render: formats },
  speck: { hasDigit: false, render: speck },
  blank: { hasDigit: false, render: blank },
  'lines-only': { hasDigit: false, render: linesOnly },
} as const satisfies Record<string, PictureKind>;
export type KindName = keyof typeof KINDS;
/** Kind names in table order. */
export const KIND_NAMES = Object.keys(KINDS) as KindName[];

