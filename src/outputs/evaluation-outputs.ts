/**
 * What `gradcam evaluate --out-dir DIR` writes: `evaluation.json` (the
 * result), the curves as PNG charts (`deletion.png`, `insertion.png`,
 * `road.png`, with --sanity `sanity.png`), one example overlay per method
 * (`examples/<method>.png`, the first input) and `evaluate.html`, a page in
 * the batch report's style that shows them with the table. Every file is
 * written atomically; nothing here prints.
 */
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type Sharp = require('sharp');
import { writeFileAtomic } from '../atomic-write.js';
import type { EvaluateResult } from '../commands/evaluate/options.js';
import type { ExampleMap } from '../evaluate/evaluate-methods.js';
import { makeDirectory } from '../output-paths.js';
import { lineChartSvg, type LineChart } from '../render/line-chart.js';
import { encodePng } from '../render/png.js';
import { imageTile, overlayTile } from '../render/tiles.js';
import { bestMethods, columnsFor } from './evaluation-columns.js';
import { escapeHtml } from './report/escape.js';
import { styles } from './report/styles.js';

export const EVALUATION_JSON = 'evaluation.json';
export const EVALUATION_REPORT = 'evaluate.html';
const EXAMPLES_DIR = 'examples';
/** Every chart evaluationCharts can write. */
const ALL_CHART_FILES = ['deletion.png', 'insertion.png', 'road.png', 'sanity.png'] as const;
/** Screen pixels per input pixel of the example tiles (28 px digits → 140 px). */
const EXAMPLE_SCALE = 5;

/** The first input and each method's map of it, for the example row. */
export interface EvaluationExamples {
  /** Per method, the first input's normalised map at the method's map resolution. */
  exampleMaps: Record<string, ExampleMap>;
  example: { source: string; view: Float32Array; height: number; width: number; predicted: number; className: string | undefined };
}

/**
 * Creates the output directory before any work, so a bad path fails in a
 * second rather than after the evaluation (one line naming it; no recursive
 * mkdir, which loops on procfs: output-paths.ts).
 * @throws GradcamError when the path is a file, cannot be created or written.
 */
export async function prepareEvaluationDir(outDir: string, label = `--out-dir ${outDir}`): Promise<void> {
  await makeDirectory(path.join(outDir, EXAMPLES_DIR), label);
}

let sharpModule: typeof Sharp | undefined;

async function svgToPng(svg: string): Promise<Buffer> {
  sharpModule ??= createRequire(import.meta.url)('sharp') as typeof Sharp;
  return sharpModule(Buffer.from(svg)).png().toBuffer();
}

/** The charts of a result, by file name. */
export function evaluationCharts(result: EvaluateResult): Record<string, LineChart> {
  const names = Object.keys(result.methods);
  const steps = result.settings.curveSteps;
  const fractions = Array.from({ length: steps + 1 }, (_, k) => k / steps);
  const percents = fractions.map((f) => `${Math.round(f * 100)}`);
  const road = result.settings.roadFractions;
  const charts: Record<string, LineChart> = {
    'deletion.png': {
      title: 'Deletion (lower area is better)',
      xLabel: '% of pixels removed, most important first',
      yLabel: 'class probability',
      xs: fractions,
      xTicks: percents,
      series: names.map((name) => ({ label: `${name} (AUC ${result.methods[name]!.deletionAuc.toFixed(3)})`, values: result.methods[name]!.deletionCurve })),
    },
    'insertion.png': {
      title: 'Insertion (higher area is better)',
      xLabel: '% of pixels inserted, most important first',
      yLabel: 'class probability',
      xs: fractions,
      xTicks: percents,
      series: names.map((name) => ({ label: `${name} (AUC ${result.methods[name]!.insertionAuc.toFixed(3)})`, values: result.methods[name]!.insertionCurve })),
    },
    'road.png': {
      title: 'ROAD: MoRF solid (lower is better), LeRF dashed',
      xLabel: '% of pixels removed and imputed',
      yLabel: 'class probability',
      xs: [...road],
      xTicks: road.map((f) => `${Math.round(f * 100)}`),
      series: names.flatMap((name, colour) => [
        { label: `${name} MoRF`, values: result.methods[name]!.road.morf, colour },
        { label: `${name} LeRF`, values: result.methods[name]!.road.lerf, colour, dashed: true },
      ]),
    },
  };
  if (result.sanity !== undefined) {
    const layers = result.settings.cascadeLayers;
    charts['sanity.png'] = {
      title: 'Sanity: |Spearman ρ| to the trained maps (low passes)',
      xLabel: 'randomised from the output down to layer',
      yLabel: 'mean |ρ|',
      xs: layers.map((_, i) => i),
      xTicks: layers,
      series: names.map((name) => ({ label: name, values: result.sanity![name]!.cascade.map((step) => step.spearman) })),
    };
  }
  return charts;
}

/** Writes every output file; returns their names relative to `outDir`. */
export async function writeEvaluationOutputs(outDir: string, result: EvaluateResult, examples: EvaluationExamples): Promise<NonNullable<EvaluateResult['files']>> {
  const charts = evaluationCharts(result);
  const plots = Object.keys(charts);
  for (const [file, chart] of Object.entries(charts)) await writeFileAtomic(path.join(outDir, file), await svgToPng(lineChartSvg(chart)), { durable: false });
  const { example } = examples;
  const exampleFiles: string[] = [];
  await writeFileAtomic(path.join(outDir, EXAMPLES_DIR, 'input.png'), encodePng(imageTile(example.view, example.height, example.width, EXAMPLE_SCALE)), { durable: false });
  for (const [method, map] of Object.entries(examples.exampleMaps)) {
    const file = `${EXAMPLES_DIR}/${method}.png`;
    const tile = overlayTile({
      image: example.view,
      imageHeight: example.height,
      imageWidth: example.width,
      heatmap: map.heatmap,
      heatmapHeight: map.height,
      heatmapWidth: map.width,
      scale: EXAMPLE_SCALE,
    });
    await writeFileAtomic(path.join(outDir, file), encodePng(tile), { durable: false });
    exampleFiles.push(file);
  }
  await removeStale(outDir, [...plots, ...exampleFiles, `${EXAMPLES_DIR}/input.png`]);
  const files = { dir: outDir, json: EVALUATION_JSON, report: EVALUATION_REPORT, plots, examples: exampleFiles };
  await writeFileAtomic(path.join(outDir, EVALUATION_REPORT), evaluationHtml({ ...result, files }, example));
  await writeFileAtomic(path.join(outDir, EVALUATION_JSON), `${JSON.stringify({ ...result, files }, null, 2)}\n`);
  return files;
}

/**
 * Removes charts and example maps a previous evaluation into the same
 * directory wrote and this one did not (another method list, no --sanity),
 * so the directory shows one run. Only names this module writes are touched.
 */
async function removeStale(outDir: string, written: readonly string[]): Promise<void> {
  const keep = new Set(written);
  const ours = [...ALL_CHART_FILES, ...(await fs.readdir(path.join(outDir, EXAMPLES_DIR)).catch(() => [])).filter((f) => f.endsWith('.png')).map((f) => `${EXAMPLES_DIR}/${f}`)];
  await Promise.all(ours.filter((file) => !keep.has(file)).map((file) => fs.rm(path.join(outDir, file), { force: true })));
}

/** evaluate.html: settings, the table (best value per column in bold), the charts, the example row. */
export function evaluationHtml(result: EvaluateResult, example: EvaluationExamples['example']): string {
  const { settings } = result;
  const columns = columnsFor(result.sanity !== undefined);
  const best = bestMethods(result.methods, result.sanity, columns);
  const rows = Object.entries(result.methods).map(([name, scores]) => {
    const cells = columns.map((column, c) => {
      const v = column.value(scores, result.sanity?.[name]);
      const text = v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(column.digits);
      return best[c] === name ? `<td><b>${text}</b></td>` : `<td>${text}</td>`;
    });
    return `<tr><th style="text-align:left">${escapeHtml(name)}</th>${cells.join('')}</tr>`;
  });
  const facts: [string, string][] = [
    ['images', String(settings.images)],
    ['model', settings.model],
    ['layer', settings.layer],
    ['maps explain', settings.score],
    ['removed pixels become', settings.baseline === 'zero' ? '0 (black, as MNIST background)' : 'a blurred copy of the image'],
    ['seed', String(settings.seed)],
    ['backend', `${settings.backend}, ${settings.threads} thread${settings.threads === 1 ? '' : 's'}`],
    ['seconds', result.seconds.toFixed(1)],
  ];
  const plots = (result.files?.plots ?? []).map((file) => `<img src="${escapeHtml(file)}" alt="${escapeHtml(file)}" width="460">`);
  const predicted = example.className ?? String(example.predicted);
  const exampleCells = [
    `<figure><img src="${EXAMPLES_DIR}/input.png" alt="input" width="140"><figcaption>input (predicted ${escapeHtml(predicted)})</figcaption></figure>`,
    ...(result.files?.examples ?? []).map((file) => {
      const method = path.basename(file, '.png');
      return `<figure><img src="${escapeHtml(file)}" alt="${escapeHtml(method)}" width="140"><figcaption>${escapeHtml(method)}</figcaption></figure>`;
    }),
  ];
  const failed = result.failed.length === 0 ? '' : `<p class="verdict bad">${result.failed.length} input${result.failed.length === 1 ? '' : 's'} could not be read and were not scored (see evaluation.json).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'">
<title>gradcam evaluate</title>
<style>${styles(140)}
figure { display: inline-block; margin: 0 8px 8px 0; text-align: center; } figcaption { font-size: 12px; color: var(--muted); }
.charts img { margin: 0 8px 8px 0; border: 1px solid var(--line); }
</style></head>
<body>
<h1>gradcam evaluate</h1>
<p class="note">Which map to trust: faithfulness metrics (deletion and insertion AUC, Petsiuk et al. 2018; average drop and increase in confidence, Chattopadhay et al. 2018; ROAD, Rong et al. 2022)${result.sanity ? ' and the cascading randomisation sanity check (Adebayo et al. 2018)' : ''}. ↓ lower is better, ↑ higher; the best value of each column is bold.</p>
${failed}
<dl class="summary">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>
<table><thead><tr><th>method</th>${columns.map((column) => `<th>${escapeHtml(column.title)}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<h2>Curves</h2>
<div class="charts">${plots.join('\n')}</div>
<h2>Example <small>${escapeHtml(example.source)}</small></h2>
<div>${exampleCells.join('\n')}</div>
</body></html>
`;
}
