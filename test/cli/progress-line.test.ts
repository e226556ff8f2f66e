/** The shared progress line: redrawn on a TTY, throttled plain lines otherwise, nothing once finished. */
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

  it('not on a TTY: a plain line at most every 5 s, none once finished', () => {
    const { writes, stream } = recorder();
    const line = createProgressLine(stream, { tty: false });
    for (const [t, finished] of [[1, false], [5, false], [7, false], [10, false], [20, true]] as const) line.show('bar', `at ${t}`, t, finished);
    line.finish();
    assert.deepEqual(writes, ['at 5\n', 'at 10\n']);
  });

  it('batch explain and evaluate say what they say through it', () => {
    const batch = recorder();
    createBatchProgress(batch.stream, { tty: false }).update({ done: 10, total: 20, failed: 1, elapsedSeconds: 6, imagesPerSecond: 5, etaSeconds: 2 });
    assert.deepEqual(batch.writes, ['10/20 images, 1 failed  5 img/s  ETA 0:02\n']);
    const evaluation = recorder();
    createEvaluationProgress(evaluation.stream, { tty: false }).update({ stage: 'metrics', method: 'gradcam', done: 1, total: 4, elapsedSeconds: 6 });
    assert.deepEqual(evaluation.writes, ['evaluate: 25%  metrics gradcam  ETA 0:18\n']);
  });
});
