/**
 * Measuring text without rendering it: librsvg gives no measurement, and the
 * layouts (panel-layout.ts, outputs/contact-sheet-layout.ts) must size their
 * columns before any text is drawn. Pure; loads no sharp.
 */

// DejaVu Sans advance widths in em, grouped coarsely (from the font's metrics:
// 'i', 'l' ~0.28, space and '.' ~0.32, digits and most lower case ~0.6-0.64,
// '<', '=', '~', '#' 0.84, 'm', '—', '…' ~1). Each group takes its widest member
// (plus a little) so the estimate errs on the wide side.
const NARROW_CHARS = new Set(" !',-./:;Iijlt|()[]{}`frJ\"");
const SYMBOL_CHARS = new Set('<>=+~#^*±×÷');
const WIDE_CHARS = new Set('mwMW@%—…');

/**
 * A safe upper estimate of the width of `text` in DejaVu Sans at `fontSize`
 * px, used to size columns so titles never overflow. Checked against rendered
 * ink widths in test/render/text-width.test.ts.
 *
 * @param fontSize in pixels.
 * @returns the width in pixels (not rounded).
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (NARROW_CHARS.has(ch)) em += 0.42;
    else if (SYMBOL_CHARS.has(ch)) em += 0.86;
    else if (WIDE_CHARS.has(ch)) em += 1.02;
    else if (code >= 0x2e80) em += 1.05; // CJK and other full-width scripts
    else if (code > 0x7f) em += 0.8; // accented Latin, Greek, Cyrillic...
    else if (ch >= 'A' && ch <= 'Z') em += 0.8;
    else em += 0.66;
  }
  return em * fontSize;
}
