/**
 * Entry point of one evaluation thread (started by parallel-evaluation.ts,
 * compiled next to it): loads the model on its own TensorFlow.js backend,
 * evaluates its contiguous share of the images and posts progress and the
 * outcome back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { preloadTensorflow } from '../backend/tfjs-loader.js';
import { serializeError } from '../serialized-error.js';
import type { EvaluationShare, EvaluationThreadMessage } from './parallel-evaluation.js';

const share = workerData as EvaluationShare;

async function start(): Promise<void> {
  preloadTensorflow();
  const [{ initBackend }, { loadModel }, { evaluateMethods }] = await Promise.all([
    import('../backend/init-backend.js'),
    import('../model/model-files.js'),
    import('./evaluate-methods.js'),
  ]);
  await initBackend(share.backend);
  const { model, inputSpec } = await loadModel(share.modelJsonPath, share.modelOutput === undefined ? {} : { output: share.modelOutput });
  try {
    const outcome = await evaluateMethods({
      model,
      spec: inputSpec,
      images: share.images,
      methods: share.methods,
      ...(share.layer === undefined ? {} : { layer: share.layer }),
      score: share.score,
      seed: share.seed,
      firstIndex: share.firstIndex,
      sanity: share.sanity,
      // Progress crosses threads at most every 50 ms: a message per metric group is cheap, per image it is not.
      onProgress: throttled((progress) => post({ progress })),
    });
    post({ outcome });
  } finally {
    model.dispose();
  }
}

function post(message: EvaluationThreadMessage): void {
  parentPort!.postMessage(message);
}

function throttled<T>(send: (value: T) => void, ms = 50): (value: T) => void {
  let last = 0;
  return (value) => {
    const now = performance.now();
    if (now - last < ms) return;
    last = now;
    send(value);
  };
}

start().catch((error: unknown) => post({ error: serializeError(error) }));
