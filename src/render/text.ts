/**
 * Text on a canvas: labels rendered once by sharp's librsvg on the text
 * thread (text-raster.ts), cached, and blended onto raw RGB here.
 */
import { GradcamError } from '../errors.js';
import { CHANNEL_MAX, type RgbImage } from './rgb-image.js';
import { rasterizeSvgAlpha } from './text-raster.js';
import { estimateTextWidth } from './text-width.js';

/** One line of text drawn on a canvas, in DejaVu Sans (the font matplotlib ships and uses by default). */
export interface TextLabel {
  text: string;
  /** Anchor point in canvas pixels; `y` is the baseline. */
  x: number;
  y: number;
  /** In pixels. */
  fontSize: number;
  /** Which point of the text sits at `x`; default 'middle'. */
  anchor?: 'start' | 'middle' | 'end';
  /** `#rgb` or `#rrggbb`; default '#000'. */
  color?: string;
}

/**
 * Escapes text for an SVG/XML text node or attribute: `& < > " '` become
 * entities, and characters XML 1.0 forbids (C0 controls other than tab and
 * newline, U+FFFE/U+FFFF) are dropped, since librsvg refuses the whole SVG otherwise.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Rendered text coverage (0 to CHANNEL_MAX), positioned relative to its anchor point and baseline. */
interface TextBitmap {
  readonly coverage: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Bitmap column of the anchor point. */
  readonly anchorX: number;
  /** Bitmap row of the baseline. */
  readonly baselineY: number;
}

// Rendering one label through librsvg costs a few ms; panels in a batch repeat
// the same few titles, so keep the last TEXT_CACHE_SIZE renderings.
const TEXT_CACHE_SIZE = 256;
const textCache = new Map<string, Promise<TextBitmap>>();

function renderTextBitmap(text: string, fontSize: number, anchor: 'start' | 'middle' | 'end'): Promise<TextBitmap> {
  const key = `${fontSize}|${anchor}|${text}`;
  const cached = textCache.get(key);
  if (cached !== undefined) return cached;
  const pad = Math.ceil(fontSize * 0.5); // room for an underestimated width and for glyph overhang
  const width = Math.ceil(estimateTextWidth(text, fontSize)) + 2 * pad;
  const ascent = Math.ceil(fontSize * 1.05); // DejaVu Sans ascent is 0.93 em; accents reach a little higher
  const descent = Math.ceil(fontSize * 0.3); // descent is 0.24 em
  const height = pad + ascent + descent + pad;
  const anchorX = anchor === 'start' ? pad : anchor === 'end' ? width - pad : Math.round(width / 2);
  const baselineY = pad + ascent;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<text x="${anchorX}" y="${baselineY}" font-family="DejaVu Sans, Bitstream Vera Sans, sans-serif" ` +
    `font-size="${fontSize}" text-anchor="${anchor}" fill="#000">${escapeXml(text)}</text></svg>`;
  const rendering = rasterizeSvgAlpha(svg).then(({ coverage, width, height }): TextBitmap => ({
    coverage,
    width,
    height,
    anchorX,
    baselineY,
  }));
  // A failed rendering is not cached: the next call tries again.
  rendering.catch(() => textCache.delete(key));
  if (textCache.size >= TEXT_CACHE_SIZE) {
    const oldest = textCache.keys().next().value;
    if (oldest !== undefined) textCache.delete(oldest);
  }
  textCache.set(key, rendering);
  return rendering;
}

/**
 * Renders a throwaway label so that the first real one is fast: the text
 * thread (text-raster.ts) loads sharp (~80 ms) and initialises fontconfig,
 * pango and librsvg (~70–200 ms). Started early (before TensorFlow.js loads
 * on the main thread), that cost runs on the other core. Never rejects.
 */
export async function warmUpTextRendering(): Promise<void> {
  await renderTextBitmap('0', 12, 'start').then(
    () => undefined,
    () => undefined,
  );
}

/** `#rgb` or `#rrggbb` as RGB bytes. @throws GradcamError for anything else. */
export function parseHexColor(color: string): [number, number, number] {
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(color);
  const long = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  const parts = long?.slice(1) ?? short?.slice(1).map((digit) => digit + digit);
  if (parts === undefined) {
    throw new GradcamError(`text colour must be "#rgb" or "#rrggbb", got "${color}"`);
  }
  return parts.map((hex) => Number.parseInt(hex, 16)) as [number, number, number];
}

/**
 * Draws text labels onto a canvas in place (anti-aliased, clipped at the
 * canvas edges). Each label is rendered once by sharp's librsvg (on the text
 * thread, text-raster.ts) and cached,
 * then blended here in JavaScript: compositing an SVG as large as the canvas
 * in libvips costs ~15 ms a panel, this costs < 1 ms once cached.
 * Empty and blank labels are skipped.
 *
 * @throws (rejects with) GradcamError for a colour that is not `#rgb` or `#rrggbb`.
 */
export async function drawText(canvas: RgbImage, labels: readonly TextLabel[]): Promise<void> {
  const visible = labels.filter((label) => label.text.trim() !== '');
  const bitmaps = await Promise.all(
    visible.map((label) => renderTextBitmap(label.text, label.fontSize, label.anchor ?? 'middle')),
  );
  visible.forEach((label, index) => {
    const bitmap = bitmaps[index] as TextBitmap;
    const left = Math.round(label.x) - bitmap.anchorX;
    const top = Math.round(label.y) - bitmap.baselineY;
    blendCoverage(canvas, bitmap, left, top, parseHexColor(label.color ?? '#000'));
  });
}

/**
 * Blends one colour onto `canvas` through an 8-bit coverage mask whose
 * top-left corner sits at (`left`, `top`), clipped at the canvas edges. Shared
 * by drawText and text-block.ts.
 */
export function blendCoverage(
  canvas: RgbImage,
  mask: { readonly coverage: Uint8Array; readonly width: number; readonly height: number },
  left: number,
  top: number,
  [red, green, blue]: readonly [number, number, number],
): void {
  const data = canvas.data;
  for (let y = Math.max(0, -top); y < mask.height && top + y < canvas.height; y++) {
    for (let x = Math.max(0, -left); x < mask.width && left + x < canvas.width; x++) {
      const coverage = mask.coverage[y * mask.width + x] as number;
      if (coverage === 0) continue;
      const a = coverage / CHANNEL_MAX;
      const o = ((top + y) * canvas.width + left + x) * 3;
      data[o] = Math.round((data[o] as number) + (red - (data[o] as number)) * a);
      data[o + 1] = Math.round((data[o + 1] as number) + (green - (data[o + 1] as number)) * a);
      data[o + 2] = Math.round((data[o + 2] as number) + (blue - (data[o + 2] as number)) * a);
    }
  }
}
