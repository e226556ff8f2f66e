/**
 * The report's colour bar (issue 13): the heatmaps' colormap from 0 to 1 as
 * 256 hard-edged CSS bands, one per lookup-table row, so every colour in it is
 * a colour the pictures use (matplotlib's `cmap(x, bytes=True)`, colormaps.ts),
 * with ticks and what 1 stands for: each map's own raw peak, or with
 * `--normalize batch` the run's largest.
 */
import { peakText } from '../number-format.js';
import { colormapLookup, LUT_SIZE } from '../../render/colormaps.js';
import type { BatchSummary } from '../manifest.js';
import { escapeHtml } from './escape.js';

/** `linear-gradient(to right, …)` with one band per LUT row: row i covers [i/256, (i+1)/256] of the width. */
export function colormapGradientCss(colormap: BatchSummary['colormap']): string {
  const lut = colormapLookup(colormap);
  const stops: string[] = [];
  for (let i = 0; i < LUT_SIZE; i++) {
    const rgb = `rgb(${lut[i * 3]},${lut[i * 3 + 1]},${lut[i * 3 + 2]})`;
    const from = Number(((i / LUT_SIZE) * 100).toFixed(4));
    const to = Number((((i + 1) / LUT_SIZE) * 100).toFixed(4));
    stops.push(`${rgb} ${from}% ${to}%`);
  }
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** What 1 on the bar stands for, in words. */
export function colourKeyCaption(summary: Pick<BatchSummary, 'normalize' | 'peak' | 'score'>): string {
  if (summary.normalize === 'batch' && summary.peak !== null) {
    return `1 = the run's largest raw peak, ${peakText(summary.peak)} (${summary.score}); every map on this one scale (--normalize batch)`;
  }
  const largest = summary.peak === null ? '' : `; the largest in this run is ${peakText(summary.peak)}`;
  return `1 = each map's own raw peak (${summary.score})${largest}; --normalize batch puts all maps on one scale`;
}

/** The colour bar block for the report's header. */
export function colourKeySection(summary: Pick<BatchSummary, 'colormap' | 'normalize' | 'peak' | 'score'>): string {
  return (
    `<figure class="colour-key" id="colour-key">\n` +
    `<div class="colour-bar" role="img" aria-label="${escapeHtml(`${summary.colormap} colour bar, 0 to 1`)}" style="background: ${colormapGradientCss(summary.colormap)}"></div>\n` +
    `<div class="colour-ticks"><span>0</span><span>0.5</span><span>1</span></div>\n` +
    `<figcaption>${escapeHtml(`${summary.colormap}: ${colourKeyCaption(summary)}`)}</figcaption>\n</figure>\n`
  );
}
