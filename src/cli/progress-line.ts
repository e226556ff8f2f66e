import type { ProgressStream } from './train-progress.js';

/** Seconds between plain progress lines when stderr is not a terminal (CI logs stay short). */
const LINE_INTERVAL_SECONDS = 5;

/**
 * One progress line on stderr: redrawn in place on a TTY; otherwise (CI
 * logs) a plain line at the first update, then at most every few seconds,
 * and one when the work is done, whatever the run's length (issue 13: a CI
 * log of a 6-second batch showed no progress at all). Shared by batch
 * explain and evaluate.
 */
export function createProgressLine(stream: ProgressStream, options: { tty: boolean }) {
  let shown = false;
  let lastLine = -Infinity;
  let ended = false;
  return {
    /** `redrawn` on a TTY, `plain` otherwise; `finished`: the work is done (its plain line is the last). */
    show(redrawn: string, plain: string, elapsedSeconds: number, finished: boolean): void {
      if (options.tty) {
        stream.write(`\r${redrawn.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
        shown = true;
      } else if (!ended && (finished || elapsedSeconds - lastLine >= LINE_INTERVAL_SECONDS)) {
        lastLine = elapsedSeconds;
        ended = finished;
        stream.write(`${plain}\n`);
      }
    },
    finish(): void {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
