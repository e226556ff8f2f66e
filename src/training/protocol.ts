/**
 * What crosses the boundary between `fitModelParallel` (main thread) and its
 * training workers: the set-up each worker starts with (`workerData`), the
 * messages workers post back, and plain-data forms of tensors and errors
 * (structured clone carries typed arrays and SharedArrayBuffers, not tensors or
 * class instances).
 */
import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import type { BackendName } from '../backend/init-backend.js';
import type { EvaluationSums } from './fit.js';
import type { SerializedError } from '../serialized-error.js';

/** A tensor as plain data. `values` is copied by postMessage unless transferred. */
export interface SerializedTensor {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** The training images, shared (not copied) with every worker. */
export interface SharedImages {
  /** `count × rows × cols` grey levels, a SharedArrayBuffer of that many bytes. */
  images: SharedArrayBuffer;
  /** `count` labels. */
  labels: SharedArrayBuffer;
  count: number;
  rows: number;
  cols: number;
}

/** Everything a training worker needs; sent once, as `workerData`. */
export interface WorkerSetup {
  workerIndex: number;
  workers: number;
  backend: BackendName;
  /** `model.toJSON(null, false)`: the topology to rebuild the replica from. */
  modelTopology: unknown;
  /** `model.getWeights()`, in `model.weights` order. */
  weights: SerializedTensor[];
  optimizer: {
    /** Registered tfjs class name, e.g. 'Adam'. */
    className: string;
    config: Record<string, unknown>;
    /** `optimizer.getWeights()`: the iteration count, then any slot variables (Adam's moments). */
    state: SerializedTensor[];
  };
  data: SharedImages;
  /** Uint32 visiting order of the training images, `epochs × trainImages`, epoch after epoch. */
  orders: SharedArrayBuffer;
  plan: {
    epochs: number;
    batchSize: number;
    batches: number;
    trainImages: number;
    validationImages: number;
    classCount: number;
    evaluationBatchSize: number;
  };
  /** Control cells of the step barrier (see barrier.ts). */
  barrier: SharedArrayBuffer;
  /** Gradient slots and statistics (see gradient-exchange.ts). */
  exchange: SharedArrayBuffer;
  /** Length of the flat gradient vector. */
  parameterCount: number;
  /** Send the final weights (worker 0 always does; the others only when the caller checks the replicas). */
  sendWeights: boolean;
}

/** Where one worker's time went, in milliseconds summed over all steps. */
export interface StepTimings {
  steps: number;
  /** Building the batch tensors, forward and backward pass, copying gradients into the shared slot. */
  computeMs: number;
  /** Waiting at the barrier for the other workers (load imbalance and wake-up latency). */
  waitMs: number;
  /** Forming the weighted mean of all slots. */
  reduceMs: number;
  /** Making gradient tensors and the optimizer update. */
  applyMs: number;
  /** Evaluating this worker's share of the validation images, all epochs. */
  validationMs: number;
  /** From the worker module's start (tfjs already loaded) to ready: backend, replica, optimizer. */
  startupMs: number;
}

export type WorkerMessage =
  | { type: 'ready'; workerIndex: number; startupMs: number }
  | { type: 'batch'; epoch: number; batch: number; images: number; lossSum: number; correct: number }
  | { type: 'epoch'; epoch: number; validation: EvaluationSums | undefined }
  | {
      type: 'done';
      workerIndex: number;
      timings: StepTimings;
      weights?: SerializedTensor[];
      optimizerState?: SerializedTensor[];
    }
  | { type: 'error'; workerIndex: number; error: SerializedError };

export { serializeError, type SerializedError } from '../serialized-error.js';

/**
 * Copies a tensor's values out (synchronously: wasm and cpu read back at once).
 * @throws Error for dtypes other than float32 and int32 (no model weight or optimizer slot of this project has one).
 */
export function serializeTensor(name: string, tensor: tf.Tensor): SerializedTensor {
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') throw new Error(`cannot send a ${tensor.dtype} tensor (${name}) to a worker`);
  return { name, shape: [...tensor.shape], dtype: tensor.dtype, values: tensor.dataSync() as Float32Array | Int32Array };
}

/** @returns a new tensor with the serialized values; caller disposes. */
export function deserializeTensor(serialized: SerializedTensor): tf.Tensor {
  return tf.tensor(serialized.values, serialized.shape, serialized.dtype);
}

/** Loads serialized weights (in `model.weights` order) into a model. */
export function setModelWeights(model: tfl.LayersModel, weights: SerializedTensor[]): void {
  const tensors = weights.map(deserializeTensor);
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}
