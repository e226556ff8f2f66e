import type { BatchProgress } from '../commands/explain/options.js';
import { duration, thousands } from './format.js';
import { createProgressLine } from './progress-line.js';
import type { ProgressStream } from './train-progress.js';

/**
 * Batch explain progress: a redrawn bar on a TTY; otherwise a plain line at
 * most every few seconds (and none for runs shorter than that).
 */
export function createBatchProgress(stream: ProgressStream, options: { tty: boolean }) {
  const line = createProgressLine(stream, options);
  return {
    update(p: BatchProgress): void {
      const counts = `${thousands(p.done)}/${thousands(p.total)} images${p.failed > 0 ? `, ${thousands(p.failed)} failed` : ''}`;
      let text: string;
      if (p.writing !== undefined) text = `${counts}; writing ${p.writing.length > 0 ? p.writing.join(' and ') : 'the summary'}…`;
      else if (p.done === 0) text = `${counts}: starting`;
      else text = `${counts}  ${thousands(Math.round(p.imagesPerSecond))} img/s  ETA ${duration(p.etaSeconds)}`;
      const width = 24;
      const filled = Math.round((p.done / p.total) * width);
      line.show(`[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${text}`, text, p.elapsedSeconds, p.writing !== undefined);
    },
    finish: line.finish,
  };
}
