import type { ProgressStream } from './train-progress.js';

/** Seconds between plain progress lines when stderr is not a terminal (CI logs stay short). */
const LINE_INTERVAL_SECONDS = 5;

/**
 * One progress line on stderr: redrawn in place on a TTY; otherwise a plain
 * line at most every few seconds (and none for runs shorter than that).
 * Shared by batch explain and evaluate.
 */
export function createProgressLine(stream: ProgressStream, options: { tty: boolean }) {
  let shown = false;
  let lastLine = 0;
  return {
    /** `redrawn` on a TTY, `plain` otherwise; `finished`: the work is done (no plain line then). */
    show(redrawn: string, plain: string, elapsedSeconds: number, finished: boolean): void {
      if (options.tty) {
        stream.write(`\r${redrawn.slice(0, (stream.columns ?? 120) - 1)}\x1b[K`);
        shown = true;
      } else if (elapsedSeconds - lastLine >= LINE_INTERVAL_SECONDS && !finished) {
        lastLine = elapsedSeconds;
        stream.write(`${plain}\n`);
      }
    },
    finish(): void {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
