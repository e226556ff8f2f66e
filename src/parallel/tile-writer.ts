import { Worker } from 'node:worker_threads';
import { GradcamError } from '../errors.js';
import type { TileSpec } from '../overlay.js';

/** A chunk of pictures for the tile thread: images and maps back to back, one target path each. */
export interface TileJobs {
  id: number;
  /** n × imageHeight·imageWidth grey levels in [0, 1]. */
  images: Float32Array;
  /** n × heatmapHeight·heatmapWidth normalised maps. */
  heatmaps: Float32Array;
  targets: string[];
}

/** Per target: null when written, else why not (one line). */
export interface TileResults {
  id: number;
  errors: (string | null)[];
}

const WORKER_URL = new URL('./tile-writer-worker.js', import.meta.url);

/**
 * Paints, encodes and writes batch overlays on a worker thread, so that on
 * two cores the main thread computes Grad-CAM while the other core makes the
 * pictures (measured on 10,000 MNIST overlays: painting ~0.3 ms and encoding
 * ~0.5 ms each, more than the ~0.4 ms of Grad-CAM per image).
 */
export class TileWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (errors: (string | null)[]) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  /** @param level zlib level of the PNGs. */
  constructor(spec: TileSpec, level: number) {
    // execArgv: [] so that flags of the parent (e.g. --input-type) do not stop the worker loading its file.
    this.worker = new Worker(WORKER_URL, { workerData: { spec, level }, execArgv: [] });
    this.worker.on('message', (results: TileResults) => {
      this.pending.get(results.id)?.resolve(results.errors);
      this.pending.delete(results.id);
    });
    const fail = (error: Error) => {
      this.failure = new GradcamError(`the picture thread failed: ${error.message}`, 1, { cause: error });
      for (const { reject } of this.pending.values()) reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (code !== 0 && this.failure === undefined) fail(new Error(`it exited with code ${code}`));
    });
  }

  /**
   * Writes one picture per target; resolves, in order, to null for each
   * picture written or the reason it was not. The arrays are transferred
   * (unusable here afterwards).
   */
  write(images: Float32Array, heatmaps: Float32Array, targets: string[]): Promise<(string | null)[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const jobs: TileJobs = { id, images, heatmaps, targets };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(jobs, [images.buffer as ArrayBuffer, heatmaps.buffer as ArrayBuffer]);
    });
  }

  /** Stops the thread (pending writes are abandoned; await them first). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
