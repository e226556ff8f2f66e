/**
 * A short line of digits and a few signs as one cached label per character,
 * so lines that differ on every tile ("#4217 97%") cost no new rendering:
 * drawText caches each of the ~15 glyphs once, where a label per line would
 * cost one librsvg rendering (a few ms) per tile, and one SVG per page
 * (text-block.ts) ~100–250 ms a page (400 short texts; measured on this
 * machine while writing it). This works because DejaVu Sans (the figures'
 * font) has tabular digits: every digit advances 1303/2048 em, so positions
 * are exact without measuring. No kerning is lost: DejaVu does not kern these.
 */
import type { TextLabel } from './text.js';

/** DejaVu Sans advance widths in em (font units / 2048) of the characters a glyph run may hold. */
const ADVANCE_EM: Readonly<Record<string, number>> = {
  ...Object.fromEntries(Array.from('0123456789', (digit) => [digit, 1303 / 2048])),
  '#': 1716 / 2048,
  '%': 1946 / 2048,
  '<': 1716 / 2048,
  '>': 1716 / 2048,
  ' ': 651 / 2048,
  '.': 651 / 2048,
};

/** True when every character of `text` has a known advance, so {@link glyphRun} can place it. */
export function isGlyphRunText(text: string): boolean {
  return Array.from(text).every((ch) => Object.hasOwn(ADVANCE_EM, ch));
}

/** Width in pixels of a glyph-run text at `fontSize` (exact for DejaVu Sans), or undefined for other characters. */
export function glyphRunWidth(text: string, fontSize: number): number | undefined {
  if (!isGlyphRunText(text)) return undefined;
  return Array.from(text).reduce((sum, ch) => sum + ADVANCE_EM[ch]! * fontSize, 0);
}

/**
 * `text` centred on `x` at baseline `y`, as one left-anchored label per
 * visible character at its advance position.
 *
 * @returns labels for drawText, or undefined when `text` holds a character
 *   without a known advance (draw it as one label instead).
 */
export function glyphRun(text: string, x: number, y: number, fontSize: number, color?: string): TextLabel[] | undefined {
  const width = glyphRunWidth(text, fontSize);
  if (width === undefined) return undefined;
  const labels: TextLabel[] = [];
  let pen = x - width / 2;
  for (const ch of text) {
    if (ch !== ' ') labels.push({ text: ch, x: pen, y, fontSize, anchor: 'start', ...(color === undefined ? {} : { color }) });
    pen += ADVANCE_EM[ch]! * fontSize;
  }
  return labels;
}
