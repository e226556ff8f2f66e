/** The shared progress line: redrawn on a TTY; otherwise plain lines at the start, every 5 s and at the end. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBatchProgress } from '../../src/cli/batch-progress.js';
import { createEvaluationProgress } from '../../src/cli/evaluation-table.js';
import { createProgressLine } from '../../src/cli/progress-line.js';

function recorder(columns?: number) {
  const writes: string[] = [];
  return { writes, stream: { write: (text: string) => writes.push(text) > 0, ...(columns === undefined ? {} : { columns }) } };
}

describe('progress line', () => {
  it('on a TTY: redraws in place, cut to the width, and clears on finish', () => {
    const { writes, stream } = recorder(10);
    const line = createProgressLine(stream, { tty: true });
    line.show('0123456789abc', 'plain', 0, false);
    line.finish();
    line.finish();
    assert.deepEqual(writes, ['\r012345678\x1b[K', '\r\x1b[K']);
  });

  it('not on a TTY: a plain line at the first update, then at most every 5 s, and one at the end, whatever the length', () => {
    const { writes, stream } = recorder();
    const line = createProgressLine(stream, { tty: false });
    for (const [t, finished] of [[1, false], [5, false], [7, false], [10, false], [20, true], [21, true]] as const) line.show('bar', `at ${t}`, t, finished);
    line.finish();
    assert.deepEqual(writes, ['at 1\n', 'at 7\n', 'at 20\n']);
    // A run of 2 seconds: its start and its end.
    const short = recorder();
    const quick = createProgressLine(short.stream, { tty: false });
    for (const [t, finished] of [[0, false], [1, false], [2, true]] as const) quick.show('bar', `at ${t}`, t, finished);
    assert.deepEqual(short.writes, ['at 0\n', 'at 2\n']);
  });

  it('batch explain and evaluate say what they say through it', () => {
    const batch = recorder();
    const progress = createBatchProgress(batch.stream, { tty: false });
    progress.update({ done: 0, total: 20_000, failed: 0, elapsedSeconds: 0.3, imagesPerSecond: 0, etaSeconds: 0 });
    progress.update({ done: 10_000, total: 20_000, failed: 1, elapsedSeconds: 6, imagesPerSecond: 1_666.7, etaSeconds: 6 });
    progress.update({ done: 20_000, total: 20_000, failed: 1, elapsedSeconds: 8, imagesPerSecond: 2_500, etaSeconds: 0, writing: ['contact sheets', 'the report'] });
    assert.deepEqual(batch.writes, [
      '0/20,000 images: starting\n',
      '10,000/20,000 images, 1 failed  1,667 img/s  ETA 0:06\n',
      '20,000/20,000 images, 1 failed; writing contact sheets and the report…\n',
    ]);
    const evaluation = recorder();
    createEvaluationProgress(evaluation.stream, { tty: false }).update({ stage: 'metrics', method: 'gradcam', done: 1, total: 4, elapsedSeconds: 6 });
    assert.deepEqual(evaluation.writes, ['evaluate: 25%  metrics gradcam  ETA 0:18\n']);
  });
});
