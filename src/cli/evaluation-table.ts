/**
 * `gradcam evaluate` on the terminal: a table with methods as rows (the
 * columns of outputs/evaluation-columns.ts, the best value of each column in
 * bold), the settings that produced it, the sanity cascade, and progress.
 */
import type { EvaluateResult } from '../commands/evaluate/options.js';
import type { EvaluateOptions } from '../commands/evaluate/options.js';
import { bestMethods, columnsFor } from '../outputs/evaluation-columns.js';
import { duration, PLAIN, type Style } from './format.js';
import { createProgressLine } from './progress-line.js';
import type { ProgressStream } from './train-progress.js';

/** Pads cells to their column's width: the first column left-aligned, numbers right-aligned. */
function layout(rows: readonly (readonly string[])[], styled: (row: number, column: number, text: string) => string): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => [...row[c]!].length)));
  return rows.map((row, r) =>
    row.map((cell, c) => styled(r, c, c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
  );
}

export function formatEvaluation(result: EvaluateResult, style: Style = PLAIN): string {
  const { settings } = result;
  const columns = columnsFor(result.sanity !== undefined);
  const best = bestMethods(result.methods, result.sanity, columns);
  const names = Object.keys(result.methods);
  const rows = [
    ['method', ...columns.map((column) => column.title)],
    ...names.map((name) => [
      name,
      ...columns.map((column) => {
        const v = column.value(result.methods[name]!, result.sanity?.[name]);
        return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(column.digits);
      }),
    ]),
  ];
  const lines = layout(rows, (r, c, text) => (r === 0 ? style.dim(text) : c > 0 && best[c - 1] === names[r - 1] ? style.bold(text) : text));
  lines.push(
    style.dim(
      `${settings.images} images, layer ${settings.layer}, maps of the ${settings.score}, removed pixels → ${settings.baseline === 'zero' ? '0' : 'blurred copy'}, seed ${settings.seed}, ${settings.backend} × ${settings.threads}, ${duration(result.seconds)}`,
    ),
  );
  if (result.sanity !== undefined) {
    lines.push('', style.bold('sanity check (cascading randomisation, output layer first): mean |Spearman ρ| / SSIM to the trained maps'));
    const cascade = settings.cascadeLayers;
    const sanityRows = [
      ['method', ...cascade.map((layer, i) => (i === 0 ? layer : `+${layer}`))],
      ...names.map((name) => [name, ...result.sanity![name]!.cascade.map((step) => `${step.spearman.toFixed(2)} / ${step.ssim.toFixed(2)}`)]),
    ];
    lines.push(...layout(sanityRows, (r, _c, text) => (r === 0 ? style.dim(text) : text)));
    lines.push(style.dim('low values after full randomisation (the last column) pass: the map depends on what the model learned'));
  }
  if (result.files !== null) lines.push('', `wrote ${result.files.dir}/${result.files.report}, ${result.files.json}, ${result.files.plots.length} charts, ${result.files.examples.length} example maps`);
  return lines.join('\n');
}

type EvaluationProgress = Parameters<NonNullable<EvaluateOptions['onProgress']>>[0];

/** Evaluation progress on stderr: a redrawn line on a TTY, a plain line every few seconds otherwise. */
export function createEvaluationProgress(stream: ProgressStream, options: { tty: boolean }) {
  const line = createProgressLine(stream, options);
  return {
    update(p: EvaluationProgress): void {
      const fraction = p.total === 0 ? 0 : Math.min(1, p.done / p.total);
      const eta = fraction > 0 ? (p.elapsedSeconds * (1 - fraction)) / fraction : NaN;
      const text = `${Math.floor(fraction * 100)}%  ${p.stage}${p.method === '' ? '' : ` ${p.method}`}  ETA ${Number.isFinite(eta) ? duration(eta) : '?'}`;
      line.show(text, `evaluate: ${text}`, p.elapsedSeconds, fraction >= 1);
    },
    finish: line.finish,
  };
}
