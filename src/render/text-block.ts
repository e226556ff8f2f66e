/**
 * Many one-off labels in one rendering: all of them go into a single SVG as
 * large as the canvas, rasterised once by librsvg on the text thread and
 * blended here. For text that differs on every tile (a contact sheet's
 * "#42 · 97%" lines): drawText renders and caches label by label, a few ms
 * each, which for 10,000 distinct captions would cost tens of seconds, while
 * one page-sized SVG costs one rendering per page (text.ts notes ~15 ms for
 * a canvas-sized SVG). Nothing is cached: each block is new text.
 */
import type { RgbImage } from './rgb-image.js';
import { rasterizeSvgAlpha } from './text-raster.js';
import { blendCoverage, escapeXml, parseHexColor, type TextLabel } from './text.js';

/**
 * Draws `labels` onto `canvas` in one colour (each label's own `color` is
 * ignored), anti-aliased, clipped at the canvas edges. Empty labels are skipped.
 *
 * @param color `#rgb` or `#rrggbb`.
 * @throws (rejects with) GradcamError for a bad colour or when the text thread fails.
 */
export async function drawTextBlock(canvas: RgbImage, labels: readonly TextLabel[], color: string): Promise<void> {
  const visible = labels.filter((label) => label.text.trim() !== '');
  if (visible.length === 0) return;
  const rgb = parseHexColor(color);
  const texts = visible.map(
    (label) =>
      `<text x="${label.x}" y="${label.y}" font-size="${label.fontSize}" text-anchor="${label.anchor ?? 'middle'}">${escapeXml(label.text)}</text>`,
  );
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${canvas.width}" height="${canvas.height}">` +
    `<g font-family="DejaVu Sans, Bitstream Vera Sans, sans-serif" fill="#000">${texts.join('')}</g></svg>`;
  blendCoverage(canvas, await rasterizeSvgAlpha(svg), 0, 0, rgb);
}
