import type { BatchProgress } from '../commands/explain/options.js';
import { duration } from './format.js';
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
      const text = `${p.done}/${p.total} images${p.failed > 0 ? `, ${p.failed} failed` : ''}  ${Math.round(p.imagesPerSecond)} img/s  ETA ${duration(p.etaSeconds)}`;
      const width = 24;
      const filled = Math.round((p.done / p.total) * width);
      line.show(`[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${text}`, text, p.elapsedSeconds, p.done >= p.total);
    },
    finish: line.finish,
  };
}
