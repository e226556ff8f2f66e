/**
 * Line charts as SVG text: the curves of `gradcam evaluate` (deletion,
 * insertion, ROAD, sanity cascade). Pure string building; outputs/ turns the
 * SVG into a PNG with sharp and inlines nothing else.
 */
import { escapeXml } from './text.js';

export interface ChartSeries {
  label: string;
  /** y at each x of the chart (same length as `xs`); NaN leaves a gap. */
  values: readonly number[];
  /** Index into SERIES_COLOURS (default the series' position), so related series can share a colour. */
  colour?: number;
  dashed?: boolean;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  xs: readonly number[];
  /** Tick labels of the x axis, one per x; default the xs themselves (rounded). */
  xTicks?: readonly string[];
  series: readonly ChartSeries[];
  /** The y range drawn; default [0, 1]. */
  yRange?: readonly [number, number];
}

/** Colours of the series in order (matplotlib's "tab10"), so a method keeps its colour across charts. */
export const SERIES_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

export const CHART_SIZE = { width: 460, height: 320 } as const;
const MARGIN = { left: 52, right: 24, top: 30, bottom: 44 } as const;
const LEGEND_ROW = 16;

/** Formats a tick value with at most two decimals, no trailing zeros. */
function tick(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * One chart as a standalone SVG document of CHART_SIZE (taller by one row
 * per legend entry below the plot): axes with five y ticks, one polyline
 * per series with its points marked, a legend.
 */
export function lineChartSvg(chart: LineChart): string {
  const { width } = CHART_SIZE;
  const plotHeight = CHART_SIZE.height - MARGIN.top - MARGIN.bottom;
  const height = CHART_SIZE.height + 8 + chart.series.length * LEGEND_ROW;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const [y0, y1] = chart.yRange ?? [0, 1];
  const x0 = chart.xs[0] ?? 0;
  const x1 = chart.xs.at(-1) ?? 1;
  const px = (x: number) => MARGIN.left + (x1 === x0 ? 0 : ((x - x0) / (x1 - x0)) * plotWidth);
  const py = (y: number) => MARGIN.top + plotHeight - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0 || 1)) * plotHeight;
  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`);
  for (let t = 0; t <= 4; t++) {
    const y = y0 + ((y1 - y0) * t) / 4;
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${py(y)}" y2="${py(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${tick(y)}</text>`);
  }
  const every = Math.max(1, Math.ceil(chart.xs.length / 11));
  chart.xs.forEach((x, i) => {
    if (i % every !== 0 && i !== chart.xs.length - 1) return;
    parts.push(`<text x="${px(x)}" y="${MARGIN.top + plotHeight + 16}" text-anchor="middle" font-size="11">${escapeXml(chart.xTicks?.[i] ?? tick(x))}</text>`);
  });
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 34}" text-anchor="middle" font-size="12">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeXml(chart.yLabel)}</text>`);
  chart.series.forEach((series, s) => {
    const colour = SERIES_COLOURS[(series.colour ?? s) % SERIES_COLOURS.length]!;
    const dash = series.dashed === true ? ' stroke-dasharray="6 4"' : '';
    let path = '';
    series.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      path += `${path === '' || !Number.isFinite(series.values[i - 1] ?? NaN) ? 'M' : 'L'}${px(chart.xs[i]!).toFixed(1)},${py(v).toFixed(1)}`;
      parts.push(`<circle cx="${px(chart.xs[i]!).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2" fill="${colour}"/>`);
    });
    if (path !== '') parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    const ly = CHART_SIZE.height + 8 + s * LEGEND_ROW;
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${colour}" stroke-width="3"${dash}/>`);
    parts.push(`<text x="${MARGIN.left + 28}" y="${ly}" font-size="12">${escapeXml(series.label)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">${parts.join('')}</svg>`;
}
