/**
 * A reusable barrier for worker threads over a SharedArrayBuffer, with a stop
 * flag that anyone (a worker that failed, the main thread on abort) can raise
 * to release every waiter with a `BarrierStopped` instead of a hang.
 *
 * Generation counting: a party reads the generation before it arrives; the
 * last to arrive resets the count, then bumps the generation and wakes the
 * others (Atomics.wait/notify on the generation cell). Reading the generation
 * first means a bump between "arrive" and "wait" cannot be missed.
 */

/** Int32 cells of the control array. */
const COUNT = 0;
const GENERATION = 1;
const STOP = 2;
/** Int32 cells the barrier needs. */
export const BARRIER_CELLS = 3;

/** Why waiting stopped. */
export const STOP_REASONS = { none: 0, aborted: 1, failed: 2 } as const;
export type StopReason = keyof typeof STOP_REASONS;

/** How long (ms) one Atomics.wait lasts before the stop flag is checked again (a safety net: stop() also notifies). */
const POLL_MS = 250;

/** Thrown by `arrive` when the barrier was stopped; a worker that catches it just exits. */
export class BarrierStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`barrier stopped (${reason})`);
    this.name = 'BarrierStopped';
  }
}

export class SharedBarrier {
  private readonly cells: Int32Array;

  /**
   * @param buffer shared between all parties; `BARRIER_CELLS` Int32 cells from `byteOffset`, zero at first.
   * @param parties how many threads call `arrive` per phase (the main thread is not one of them).
   */
  constructor(
    buffer: SharedArrayBuffer,
    private readonly parties: number,
    byteOffset = 0,
  ) {
    this.cells = new Int32Array(buffer, byteOffset, BARRIER_CELLS);
  }

  /** A fresh zeroed buffer for one barrier. */
  static createBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(BARRIER_CELLS * Int32Array.BYTES_PER_ELEMENT);
  }

  /**
   * Blocks (Atomics.wait: worker threads only) until all parties have arrived.
   * @throws BarrierStopped if the barrier is or gets stopped.
   */
  arrive(): void {
    const cells = this.cells;
    this.throwIfStopped();
    const generation = Atomics.load(cells, GENERATION);
    if (Atomics.add(cells, COUNT, 1) === this.parties - 1) {
      Atomics.store(cells, COUNT, 0);
      Atomics.add(cells, GENERATION, 1);
      Atomics.notify(cells, GENERATION);
      return;
    }
    while (Atomics.load(cells, GENERATION) === generation) {
      this.throwIfStopped();
      Atomics.wait(cells, GENERATION, generation, POLL_MS);
    }
  }

  /** Raises the stop flag (the first reason wins) and wakes every waiter. Safe from any thread, never blocks. */
  stop(reason: Exclude<StopReason, 'none'>): void {
    Atomics.compareExchange(this.cells, STOP, STOP_REASONS.none, STOP_REASONS[reason]);
    Atomics.notify(this.cells, GENERATION);
  }

  /** Why the barrier was stopped, or 'none'. */
  stopReason(): StopReason {
    const value = Atomics.load(this.cells, STOP);
    return value === STOP_REASONS.aborted ? 'aborted' : value === STOP_REASONS.failed ? 'failed' : 'none';
  }

  /** @throws BarrierStopped if the stop flag is up. */
  throwIfStopped(): void {
    const reason = this.stopReason();
    if (reason !== 'none') throw new BarrierStopped(reason);
  }
}
