import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from './errors.js';
import { seededRandom, shuffleInPlace } from './random.js';

/** Labelled images, one after another, row-major, grey levels 0..255 (IDX layout). */
export interface LabelledImages {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  /** Fraction of the data held out for validation, taken from the end before shuffling (as Keras does). */
  validationSplit: number;
  /** Seeds the per-epoch shuffling. */
  seed: number;
  classCount: number;
  /** Called after every batch and at the end of every epoch. Must be cheap. */
  onProgress?: (progress: FitProgress) => void;
  /** Aborting stops training between batches with a GradcamError. */
  signal?: AbortSignal;
}

/** Running figures of the current epoch; `validation` is set on the epoch's last report. */
export interface FitProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Mean training loss and accuracy over the epoch's batches so far. */
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
  elapsedSeconds: number;
  /** Estimated seconds until the last epoch ends (training only). */
  etaSeconds: number;
  /** True on the one report at the end of an epoch (after validation). */
  epochDone: boolean;
  validation?: Evaluation;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  count: number;
}

export interface FitResult {
  epochs: FitProgress[];
  trainImages: number;
  validationImages: number;
  trainSeconds: number;
  imagesPerSecond: number;
}

/** Keras clips probabilities to [ε, 1−ε] before the log in cross-entropy (backend epsilon 1e-7). */
const PROBABILITY_EPSILON = 1e-7;

/** How often (ms) the loop yields to the event loop, so Ctrl-C and progress output get through. */
const YIELD_INTERVAL_MS = 100;

/**
 * Trains a compiled classifier with its optimizer on sparse labels by
 * minibatch gradient descent: sparse categorical cross-entropy on the softmax
 * output, as `model.fit` would, but with seeded shuffling, progress per batch,
 * and cancellation. The model's weights are updated in place.
 */
export async function fitModel(model: tfl.LayersModel, data: LabelledImages, options: FitOptions): Promise<FitResult> {
  const { epochs, batchSize, classCount } = options;
  const optimizer = model.optimizer;
  if (optimizer == null) throw new GradcamError('the model is not compiled: no optimizer to train with');
  const validationImages = Math.floor(data.count * options.validationSplit);
  const trainImages = data.count - validationImages;
  if (trainImages < 1) throw new GradcamError(`no training images left after holding out ${validationImages} for validation`);
  const batches = Math.ceil(trainImages / batchSize);
  const order = Uint32Array.from({ length: trainImages }, (_, i) => i);
  const random = seededRandom(options.seed);
  const batchBuilder = new BatchBuilder(data, classCount);
  // Only this model's weights: by default minimize() would take every trainable variable in the process.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);

  const history: FitProgress[] = [];
  const started = performance.now();
  let lastYield = started;
  let trainedImages = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    shuffleInPlace(order, random);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let progress: FitProgress | undefined;
    for (let batch = 0; batch < batches; batch++) {
      if (options.signal?.aborted) throw new GradcamError('training interrupted; no model was saved');
      const indices = order.subarray(batch * batchSize, Math.min((batch + 1) * batchSize, trainImages));
      const { x, y } = batchBuilder.build(indices);
      let batchCorrect: tf.Scalar | undefined;
      let loss: tf.Scalar | null = null;
      try {
        loss = optimizer.minimize(() => {
          const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
          batchCorrect = tf.keep(countCorrect(probabilities, y));
          return crossEntropy(probabilities, y);
        }, true, variables);
        lossSum += loss!.dataSync()[0]! * indices.length;
        correct += batchCorrect!.dataSync()[0]!;
      } finally {
        const owned: (tf.Tensor | null | undefined)[] = [x, y, loss, batchCorrect];
        tf.dispose(owned.filter((t): t is tf.Tensor => t != null));
      }
      seen += indices.length;
      trainedImages += indices.length;
      const now = performance.now();
      const elapsedSeconds = (now - started) / 1000;
      const imagesPerSecond = trainedImages / elapsedSeconds;
      progress = {
        epoch,
        epochs,
        batch: batch + 1,
        batches,
        loss: lossSum / seen,
        accuracy: correct / seen,
        imagesPerSecond,
        elapsedSeconds,
        etaSeconds: (epochs * trainImages - trainedImages) / imagesPerSecond,
        epochDone: false,
      };
      options.onProgress?.(progress);
      if (now - lastYield > YIELD_INTERVAL_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    const validation = validationImages > 0 ? evaluateModel(model, data, { start: trainImages, classCount }) : undefined;
    const epochEnd: FitProgress = { ...progress!, epochDone: true, ...(validation ? { validation } : {}) };
    history.push(epochEnd);
    options.onProgress?.(epochEnd);
  }
  const trainSeconds = history.length > 0 ? history[history.length - 1]!.elapsedSeconds : 0;
  return {
    epochs: history,
    trainImages,
    validationImages,
    trainSeconds,
    imagesPerSecond: trainSeconds > 0 ? trainedImages / trainSeconds : 0,
  };
}

/**
 * Loss and accuracy of the model on images `start..count-1` of `data`, in
 * batches (inference mode).
 */
export function evaluateModel(
  model: tfl.LayersModel,
  data: LabelledImages,
  options: { start?: number; batchSize?: number; classCount: number },
): Evaluation {
  const { start = 0, batchSize = 1000, classCount } = options;
  const builder = new BatchBuilder(data, classCount);
  let lossSum = 0;
  let correct = 0;
  for (let from = start; from < data.count; from += batchSize) {
    const indices = Uint32Array.from({ length: Math.min(batchSize, data.count - from) }, (_, i) => from + i);
    const { x, y } = builder.build(indices);
    try {
      const [loss, right] = tf.tidy(() => {
        const probabilities = model.apply(x, { training: false }) as tf.Tensor2D;
        return [crossEntropy(probabilities, y), countCorrect(probabilities, y)];
      });
      lossSum += loss!.dataSync()[0]! * indices.length;
      correct += right!.dataSync()[0]!;
      tf.dispose([loss!, right!]);
    } finally {
      tf.dispose([x, y]);
    }
  }
  const count = data.count - start;
  return { loss: count > 0 ? lossSum / count : 0, accuracy: count > 0 ? correct / count : 0, count };
}

/** Mean sparse categorical cross-entropy of softmax outputs. @returns scalar float32 */
function crossEntropy(probabilities: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(probabilities, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
  });
}

/** Number of rows whose arg-max matches the one-hot label. @returns scalar float32 */
function countCorrect(probabilities: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(oneHot, -1)), 'float32')) as tf.Scalar);
}

/**
 * Assembles [B,H,W,1] float32 inputs (x/255) and [B,K] one-hot labels from
 * chosen rows. Fresh arrays per batch: the cpu backend keeps a reference to
 * the array a tensor was made from, so reusing one buffer would be unsafe.
 */
class BatchBuilder {
  private readonly imageSize: number;

  constructor(
    private readonly data: LabelledImages,
    private readonly classCount: number,
  ) {
    this.imageSize = data.rows * data.cols;
  }

  build(indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const n = indices.length;
    const { images, labels, rows, cols } = this.data;
    const size = this.imageSize;
    const pixels = new Float32Array(n * size);
    const oneHot = new Float32Array(n * this.classCount);
    for (let b = 0; b < n; b++) {
      const index = indices[b]!;
      const offset = index * size;
      for (let p = 0; p < size; p++) pixels[b * size + p] = images[offset + p]! / 255;
      oneHot[b * this.classCount + labels[index]!] = 1;
    }
    return { x: tf.tensor4d(pixels, [n, rows, cols, 1]), y: tf.tensor2d(oneHot, [n, this.classCount]) };
  }
}
