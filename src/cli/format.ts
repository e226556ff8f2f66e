/**
 * Human-readable text for command results. Pure functions returning strings:
 * `cli.ts` decides where they go (stdout) and whether `--json` replaces them.
 */
import type { ExplainResult } from '../commands/explain/options.js';
import type { BatchSummary } from '../outputs/manifest.js';
import type { PredictResult } from '../commands/predict.js';
import type { TrainResult } from '../commands/train.js';
import type { FitProgress } from '../training/fit.js';
import { peakText, percent, thousands } from '../outputs/number-format.js';

export { percent, thousands };

/** Colouring hooks, so tests and `NO_COLOR` get plain text. */
export interface Style {
  good(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export const PLAIN: Style = { good: (t) => t, bad: (t) => t, dim: (t) => t, bold: (t) => t };

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line per finished epoch (the non-TTY progress, and the history in the final report). */
export function formatEpoch(p: Pick<FitProgress, 'epoch' | 'loss' | 'accuracy' | 'validation' | 'imagesPerSecond' | 'elapsedSeconds'>, epochs: number): string {
  const parts = [
    `epoch ${p.epoch}/${epochs}`,
    `loss ${p.loss.toFixed(4)}`,
    `accuracy ${percent(p.accuracy)}`,
  ];
  if (p.validation) parts.push(`val_loss ${p.validation.loss.toFixed(4)}`, `val_accuracy ${percent(p.validation.accuracy)}`);
  parts.push(`${thousands(Math.round(p.imagesPerSecond))} img/s`, `${p.elapsedSeconds.toFixed(1)} s`);
  return parts.join('  ');
}

/** The progress bar line of a TTY: epoch, bar, batch, loss, accuracy, images/s, ETA. */
export function formatProgressBar(p: FitProgress, width = 24): string {
  const filled = Math.round((p.batch / p.batches) * width);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? '=' : '>') : '') + ' '.repeat(width - filled);
  return [
    `epoch ${p.epoch}/${p.epochs} [${bar}] ${p.batch}/${p.batches}`,
    `loss ${p.loss.toFixed(4)}`,
    `acc ${percent(p.accuracy)}`,
    `${thousands(Math.round(p.imagesPerSecond))} img/s`,
    `ETA ${duration(p.etaSeconds)}`,
  ].join('  ');
}

/** The end-of-training report; `withEpochs: false` when progress lines already showed each epoch. */
export function formatTrain(result: TrainResult, style: Style = PLAIN, withEpochs = true): string {
  return [
    ...(withEpochs ? result.epochs.map((e) => formatEpoch(e, result.epochs.length)) : []),
    `test accuracy ${style.bold(percent(result.test.accuracy))} on ${thousands(result.test.count)} test images (loss ${result.test.loss.toFixed(4)})`,
    `trained on ${thousands(result.trainImages)} images × ${result.epochs.length} epoch${result.epochs.length === 1 ? '' : 's'} in ${result.trainSeconds.toFixed(1)} s ` +
      `(${thousands(Math.round(result.imagesPerSecond))} img/s, backend ${result.backend}, ${result.workers === 1 ? '1 thread' : `${result.workers} worker threads`}); total ${result.totalSeconds.toFixed(1)} s`,
    `saved ${result.modelDir}`,
  ].join('\n');
}

export function formatPredict(result: PredictResult, style: Style = PLAIN): string {
  const lines = successes(result.predictions).map((p) => {
    const verdict =
      p.label === undefined ? '' : `  label ${p.label} ${p.correct ? style.good('✓') : style.bad('✗')}`;
    const top = p.top.map((c) => `${c.className} ${percent(c.probability)}`).join(' · ');
    return `${p.source}  → ${style.bold(p.className)}  ${percent(p.probability)}${verdict}  ${style.dim(`top ${p.top.length}: ${top}`)}${notesText(p.notes, style)}`;
  });
  const { summary } = result;
  if (summary.inputs > 1) lines.push(summaryLine(summary, style));
  return lines.join('\n');
}

export function formatExplain(result: ExplainResult, style: Style = PLAIN): string {
  if (result.mode === 'batch') return formatBatch(result.summary, style);
  const e = result.explanation;
  if ('error' in e) return '';
  const target =
    e.explainedClass === e.class
      ? `${e.className} (${percent(e.probability)})`
      : `class ${e.explainedClass} (${percent(e.explainedProbability)}), predicted ${e.className}`;
  const label = e.label === undefined ? '' : `  label ${e.label} ${e.correct ? style.good('✓') : style.bad('✗')}`;
  const heatmap = e.heatmapFile === undefined ? '' : ` and ${e.heatmapFile}`;
  return `${e.source}  → ${style.bold(target)}${label}  wrote ${e.output === '-' ? 'the PNG to stdout' : e.output}${heatmap}${notesText(e.notes, style)}`;
}

/** An input's reading notes at the end of its line: `  (used frame 1 of 3)`. */
function notesText(notes: readonly string[] | undefined, style: Style): string {
  return notes === undefined || notes.length === 0 ? '' : `  ${style.dim(`(${notes.join('; ')})`)}`;
}

function contactSheetsText(count: number): string {
  return count === 0 ? '' : count === 1 ? ', 1 contact sheet' : `, ${thousands(count)} contact sheets`;
}

/** The end-of-run report of batch explain. */
export function formatBatch(s: BatchSummary, style: Style = PLAIN): string {
  const counts = [`${thousands(s.inputs)} inputs`, `${thousands(s.explained)} explained`];
  if (s.failed > 0) counts.push(style.bad(`${thousands(s.failed)} failed`));
  if (s.only !== 'all') counts.push(`${thousands(s.written)} ${s.only} written`);
  if (s.shard) counts.push(`shard ${s.shard.index}/${s.shard.count} of ${thousands(s.shard.of)}`);
  const lines = [counts.join(', ')];
  if (s.accuracy !== null) {
    lines.push(`accuracy ${style.bold(percent(s.accuracy))} (${thousands(s.correct)}/${thousands(s.labelled)} labelled)`);
  }
  lines.push(
    `${s.seconds.total.toFixed(1)} s (${thousands(s.imagesPerSecond)} images/s; backend ${s.backend}, layer ${s.layer}, score ${s.score}${
      s.normalize === 'batch' && s.peak !== null ? `; one scale for all maps: 1 = raw peak ${peakText(s.peak)}` : ''
    })`,
    `wrote ${s.outDir}: manifest.jsonl, summary.json${contactSheetsText(s.files.contactSheets.length)}${s.files.report ? ', index.html' : ''}`,
  );
  return lines.join('\n');
}

/**
 * One line per failed input, for stderr: `gradcam: <reason>` (reasons name
 * their input already, e.g. "nope.png: no such file").
 */
export function formatFailures(items: readonly object[], style: Style = PLAIN): string[] {
  return items.flatMap((item) =>
    'error' in item && typeof item.error === 'string' ? [style.bad(`gradcam: ${item.error}`)] : [],
  );
}

function successes<T extends object>(items: readonly (T | { source: string; error: string })[]): T[] {
  return items.filter((item): item is T => !('error' in item));
}

function summaryLine(
  s: { inputs: number; failed: number; labelled: number; correct: number; accuracy: number | null; seconds: number },
  style: Style,
): string {
  const parts = [`${thousands(s.inputs)} inputs`];
  if (s.failed > 0) parts.push(style.bad(`${s.failed} failed`));
  if (s.accuracy !== null) parts.push(`accuracy ${percent(s.accuracy)} (${s.correct}/${s.labelled} labelled)`);
  parts.push(`${s.seconds.toFixed(2)} s`);
  return parts.join(', ');
}
