import type { BatchProgress } from '../commands/explain/options.js';
import { duration } from './format.js';
import type { ProgressStream } from './train-progress.js';

/** Seconds between plain progress lines when stderr is not a terminal (CI logs stay short). */
const LINE_INTERVAL_SECONDS = 5;

/**
 * Batch explain progress: a redrawn bar on a TTY; otherwise a plain line at
 * most every few seconds (and none for runs shorter than that).
 */
export function createBatchProgress(stream: ProgressStream, options: { tty: boolean }) {
  let shown = false;
  let lastLine = 0;
  return {
    update(p: BatchProgress): void {
      const text = `${p.done}/${p.total} images${p.failed > 0 ? `, ${p.failed} failed` : ''}  ${Math.round(p.imagesPerSecond)} img/s  ETA ${duration(p.etaSeconds)}`;
      if (options.tty) {
        const width = 24;
        const filled = Math.round((p.done / p.total) * width);
        const line = `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${text}`;
        stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
        shown = true;
      } else if (p.elapsedSeconds - lastLine >= LINE_INTERVAL_SECONDS && p.done < p.total) {
        lastLine = p.elapsedSeconds;
        stream.write(`${text}\n`);
      }
    },
    finish(): void {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
