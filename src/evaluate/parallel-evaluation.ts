import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend/init-backend.js';
import type { CamMethodName } from '../cam/cam-methods.js';
import type { ScoreKind } from '../cam/score-kinds.js';
import { deserializeError, type SerializedError } from '../serialized-error.js';
import type { EvaluationOutcome, EvaluationProgress, EvaluationRun } from './evaluate-methods.js';
import { mergeOutcomes } from './merge-outcomes.js';

/** What one evaluation thread is given: a contiguous share of the images and everything resolved. */
export interface EvaluationShare {
  modelJsonPath: string;
  /** Of a multi-output model, the output's index. */
  modelOutput?: number;
  backend: BackendName;
  /** The share's images, [n, H, W, C]. */
  images: Float32Array;
  /** Position of the share's first image in the whole run (seeds follow it). */
  firstIndex: number;
  methods: readonly CamMethodName[];
  layer?: string;
  score: ScoreKind;
  seed: number;
  sanity: boolean;
}

export type EvaluationThreadMessage = { progress: EvaluationProgress } | { outcome: EvaluationOutcome } | { error: SerializedError };

const WORKER_URL = new URL('./evaluation-worker.js', import.meta.url);

/**
 * Images per thread below which one thread is faster: a thread costs ~0.3 s
 * to start and load the model, about what 30 images cost through the metrics.
 */
export const MIN_IMAGES_PER_THREAD = 64;

/**
 * {@link evaluateMethods} on `threads` worker threads, each scoring a
 * contiguous share of the images with its own copy of the model (read from
 * `modelJsonPath`); the shares' outcomes are merged by image-weighted means
 * (merge-outcomes.ts), so the result is the single-thread result up to float
 * summation order. Image i draws the same random numbers either way.
 */
export async function evaluateOnThreads(
  run: Omit<EvaluationRun, 'model' | 'onProgress' | 'firstIndex'>,
  source: { modelJsonPath: string; backend: BackendName; modelOutput?: number },
  threads: number,
  onProgress?: (progress: EvaluationProgress) => void,
): Promise<EvaluationOutcome> {
  const size = run.spec.height * run.spec.width * run.spec.channels;
  const count = run.images.length / size;
  const shares = Math.max(1, Math.min(threads, Math.floor(count / MIN_IMAGES_PER_THREAD)));
  const bounds = Array.from({ length: shares + 1 }, (_, s) => Math.round((s * count) / shares));
  const latest: (EvaluationProgress | undefined)[] = new Array(shares);
  const workers: Worker[] = [];
  try {
    const outcomes = await Promise.all(
      Array.from({ length: shares }, (_, s) => {
        const images = run.images.slice(bounds[s]! * size, bounds[s + 1]! * size);
        const share: EvaluationShare = {
          ...source,
          images,
          firstIndex: bounds[s]!,
          methods: run.methods,
          ...(run.layer === undefined ? {} : { layer: run.layer }),
          score: run.score,
          seed: run.seed,
          sanity: run.sanity,
        };
        const worker = new Worker(WORKER_URL, { workerData: share, transferList: [images.buffer as ArrayBuffer], execArgv: [] });
        workers.push(worker);
        return new Promise<EvaluationOutcome>((resolve, reject) => {
          worker.on('message', (message: EvaluationThreadMessage) => {
            if ('progress' in message) {
              latest[s] = message.progress;
              const parts = latest.filter((p): p is EvaluationProgress => p !== undefined);
              onProgress?.({
                ...message.progress,
                done: parts.reduce((sum, p) => sum + p.done, 0),
                total: parts.reduce((sum, p) => sum + p.total, 0) * (shares / parts.length),
              });
            } else if ('outcome' in message) resolve(message.outcome);
            else reject(deserializeError(message.error));
          });
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`an evaluation thread exited with code ${code}`)));
        });
      }),
    );
    return mergeOutcomes(outcomes);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
