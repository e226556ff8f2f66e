import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend/init-backend.js';
import { GradcamError } from '../errors.js';
import type { CamMethodName } from './cam-methods.js';
import type { CamBatch, SmoothGradOptions } from './pipeline.js';
import type { ScoreKind } from './score-kinds.js';
import { deserializeError, type SerializedError } from '../serialized-error.js';

/** What every worker starts with: the method, layer and score already resolved on the main thread. */
export interface GradcamPoolSetup {
  modelJsonPath: string;
  /** Of a multi-output model, the output's index (LoadedModel.output.index). */
  modelOutput?: number;
  method: CamMethodName;
  /** The explained layer, or several joined with "," (as CamExplainer.layerName). */
  layerName: string;
  score: ScoreKind;
  backend: BackendName;
  eigenSmooth?: boolean;
  smoothGrad?: SmoothGradOptions;
}

/** A slice of a batch for one worker. */
export interface GradcamJob {
  id: number;
  /** count × H·W·C input values, normalised for the model. */
  images: Float32Array;
  count: number;
  classes: number[] | null;
}

export type GradcamReply = { id: number; batch: CamBatch } | { id: number; error: SerializedError };

type StartMessage = { ready: true } | { ready: false; error: SerializedError };

const WORKER_URL = new URL('./gradcam-worker.js', import.meta.url);

/**
 * Grad-CAM on several threads: each worker holds the model on its own
 * TensorFlow.js backend and explains a contiguous slice of every batch; the
 * slices are joined back in order. On the wasm backend one thread runs one
 * convolution at a time, so this is how batch explain uses every core
 * (measured ~1.8× one thread with 2 workers on 2 cores; see BENCHMARKS.md).
 * Start-up is ~0.3 s per worker, in parallel.
 */
export class GradcamPool {
  private readonly pending = new Map<number, { resolve: (batch: CamBatch) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(private readonly workers: Worker[]) {
    for (const worker of workers) {
      worker.on('message', (reply: GradcamReply) => {
        const request = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        if (request === undefined) return;
        if ('error' in reply) request.reject(deserializeError(reply.error));
        else request.resolve(reply.batch);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a Grad-CAM thread exited with code ${code}`));
      });
    }
  }

  /**
   * Starts `workers` threads (default: one per core) and waits until each has
   * its model ready. Throws the first worker's start-up error (e.g. an unknown layer).
   */
  static async start(setup: GradcamPoolSetup, workers = availableParallelism()): Promise<GradcamPool> {
    const threads = Array.from({ length: Math.max(1, workers) }, () => new Worker(WORKER_URL, { workerData: setup, execArgv: [] }));
    try {
      await Promise.all(
        threads.map(
          (thread) =>
            new Promise<void>((resolve, reject) => {
              thread.once('message', (message: StartMessage) => (message.ready ? resolve() : reject(deserializeError(message.error))));
              thread.once('error', reject);
            }),
        ),
      );
    } catch (error) {
      await Promise.all(threads.map((thread) => thread.terminate()));
      throw error;
    }
    return new GradcamPool(threads);
  }

  /** Number of threads. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Explains `count` images, split into contiguous slices across the threads;
   * the result is the same as one GradcamExplainer.explain call on the whole batch.
   * @param images count × imageSize values (copied to the workers).
   */
  async explain(images: Float32Array, count: number, imageSize: number, classes?: readonly number[]): Promise<CamBatch> {
    if (this.failure !== undefined) throw this.failure;
    const slices = this.workers.map((_, w) => {
      const start = Math.floor((w * count) / this.workers.length);
      const end = Math.floor(((w + 1) * count) / this.workers.length);
      return { start, end };
    });
    const parts = await Promise.all(
      slices.map(({ start, end }, w) =>
        end === start
          ? undefined
          : new Promise<CamBatch>((resolve, reject) => {
              const id = this.nextId++;
              this.pending.set(id, { resolve, reject });
              const job: GradcamJob = {
                id,
                images: images.slice(start * imageSize, end * imageSize),
                count: end - start,
                classes: classes === undefined ? null : classes.slice(start, end),
              };
              this.workers[w]!.postMessage(job, [job.images.buffer as ArrayBuffer]);
            }),
      ),
    );
    return joinBatches(parts.filter((p): p is CamBatch => p !== undefined));
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private fail(error: Error): void {
    this.failure ??= new GradcamError(`a Grad-CAM thread failed: ${error.message}`, 1, { cause: error });
    for (const request of this.pending.values()) request.reject(this.failure);
    this.pending.clear();
  }
}

/** Concatenates per-slice results, in slice order. */
export function joinBatches(parts: readonly CamBatch[]): CamBatch {
  const first = parts[0];
  if (first === undefined) throw new GradcamError('nothing to join: no images were explained');
  const join = (key: 'heatmaps' | 'unnormalised' | 'channelWeights' | 'probabilities' | 'logits') => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[key].length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part[key], at);
      at += part[key].length;
    }
    return out;
  };
  return {
    ...first,
    count: parts.reduce((n, p) => n + p.count, 0),
    heatmaps: join('heatmaps'),
    unnormalised: join('unnormalised'),
    channelWeights: join('channelWeights'),
    probabilities: join('probabilities'),
    logits: join('logits'),
    classes: parts.flatMap((p) => p.classes),
  };
}
