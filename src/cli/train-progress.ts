import { formatEpoch, formatProgressBar, thousands } from './format.js';
import type { FitProgress } from '../training/fit.js';

/** The part of a stream the progress display writes to (process.stderr in the CLI). */
export interface ProgressStream {
  write(text: string): unknown;
  columns?: number;
}

/** Redraws of the bar per second at most: drawing every batch would cost more than the batch. */
const REDRAWS_PER_SECOND = 10;

/**
 * Training progress for a terminal: a redrawn bar (epoch, batch, loss,
 * accuracy, images/s, ETA) on a TTY, and one plain line per epoch otherwise
 * (CI logs). Epoch lines are printed as they finish, so the final report
 * need not repeat them (`printedEpochs`).
 */
export function createTrainProgress(stream: ProgressStream, options: { tty: boolean }) {
  let lastDraw = 0;
  let barShown = false;
  const state = {
    printedEpochs: false,
    start(info: { backend: string; workers: number; trainImages: number; validationImages: number; parameters: number }): void {
      const threads = info.workers === 1 ? '1 thread' : `${info.workers} worker threads`;
      stream.write(
        `training on ${thousands(info.trainImages)} images, validating on ${thousands(info.validationImages)} (backend ${info.backend}, ${threads}, ${thousands(info.parameters)} parameters)\n`,
      );
    },
    update(progress: FitProgress): void {
      if (progress.epochDone) {
        clearBar();
        stream.write(`${formatEpoch(progress, progress.epochs)}\n`);
        state.printedEpochs = true;
        return;
      }
      if (!options.tty) return;
      const now = performance.now();
      if (now - lastDraw < 1000 / REDRAWS_PER_SECOND && progress.batch !== progress.batches) return;
      lastDraw = now;
      const line = formatProgressBar(progress);
      const width = (stream.columns ?? 120) - 1;
      stream.write(`\r${line.slice(0, width)}\x1b[K`);
      barShown = true;
    },
    finish(): void {
      clearBar();
    },
  };
  function clearBar(): void {
    if (barShown) stream.write('\r\x1b[K');
    barShown = false;
  }
  return state;
}
