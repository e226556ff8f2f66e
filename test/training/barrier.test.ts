import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { BarrierStopped, SharedBarrier } from '../../src/training/barrier.js';

/** The compiled barrier module, for workers started from source text. */
const BARRIER_URL = new URL('../../src/training/barrier.js', import.meta.url).href;

/** Starts a worker running `body` with `SharedBarrier`, `BarrierStopped`, `workerData` and `parentPort` in scope; resolves to its messages when it exits. */
function runWorker(body: string, workerData: unknown): { messages: Promise<unknown[]>; worker: Worker } {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(${JSON.stringify(BARRIER_URL)}).then(async ({ SharedBarrier, BarrierStopped }) => { ${body} });
  `;
  const worker = new Worker(code, { eval: true, workerData });
  const received: unknown[] = [];
  worker.on('message', (m) => received.push(m));
  const messages = new Promise<unknown[]>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', () => resolve(received));
  });
  return { messages, worker };
}

describe('SharedBarrier', () => {
  it('lets no party into phase p+1 before every party finished phase p (3 workers, 300 phases)', async () => {
    const parties = 3;
    const phases = 300;
    const barrier = SharedBarrier.createBuffer();
    const progress = new SharedArrayBuffer(parties * 4);
    // Each worker marks "finished phase p" in its cell, then arrives. After the
    // barrier every cell must be at least p+1; a worker may already be one phase
    // ahead, never two.
    const body = `
      const { barrier, progress, parties, phases, index } = workerData;
      const cells = new Int32Array(progress);
      const b = new SharedBarrier(barrier, parties);
      let violations = 0;
      for (let p = 0; p < phases; p++) {
        Atomics.store(cells, index, p + 1);
        b.arrive();
        for (let w = 0; w < parties; w++) {
          const done = Atomics.load(cells, w);
          if (done < p + 1 || done > p + 2) violations++;
        }
      }
      parentPort.postMessage(violations);
    `;
    const runs = Array.from({ length: parties }, (_, index) => runWorker(body, { barrier, progress, parties, phases, index }).messages);
    const results = await Promise.all(runs);
    assert.deepEqual(results, Array.from({ length: parties }, () => [0]));
    assert.deepEqual([...new Int32Array(progress)], [phases, phases, phases]);
  });

  it('releases a waiting party promptly when stopped, with the reason', async () => {
    const buffer = SharedBarrier.createBuffer();
    const { messages } = runWorker(
      `
      const b = new SharedBarrier(workerData.buffer, 2);
      parentPort.postMessage('waiting');
      const t0 = performance.now();
      try { b.arrive(); parentPort.postMessage('passed'); }
      catch (e) { parentPort.postMessage({ stopped: e instanceof BarrierStopped, reason: e.reason, ms: performance.now() - t0 }); }
      `,
      { buffer },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    new SharedBarrier(buffer, 2).stop('aborted');
    const [waiting, outcome] = (await messages) as [string, { stopped: boolean; reason: string; ms: number }];
    assert.equal(waiting, 'waiting');
    assert.equal(outcome.stopped, true);
    assert.equal(outcome.reason, 'aborted');
    // Woken by notify, not by the 250 ms poll (generous bound for a loaded machine).
    assert.ok(outcome.ms < 2000, `released after ${outcome.ms} ms`);
  });

  it('throws at once after a stop, and keeps the first reason', () => {
    const barrier = new SharedBarrier(SharedBarrier.createBuffer(), 2);
    assert.equal(barrier.stopReason(), 'none');
    barrier.stop('failed');
    barrier.stop('aborted');
    assert.equal(barrier.stopReason(), 'failed');
    assert.throws(() => barrier.arrive(), (e: unknown) => e instanceof BarrierStopped && e.reason === 'failed');
  });

  it('does not block a single party', () => {
    const barrier = new SharedBarrier(SharedBarrier.createBuffer(), 1);
    for (let i = 0; i < 5; i++) barrier.arrive();
  });
});
