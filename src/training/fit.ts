/**
 * Minibatch training of a classifier on labelled images, and the pieces every
 * trainer shares: the loss, the batch builder, the gradient step, the
 * validation split and shuffling, and the progress figures. `fitModel` runs on
 * the calling thread; `fit-parallel.ts` runs the same step on worker
 * threads and reports through the same tracker, so both trainers give the same
 * figures for the same weights.
 */
import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from '../errors.js';
import { seededRandom, shuffleInPlace } from './random.js';
import { MNIST_PIXEL_MAX } from '../model/tutorial-cnn.js';

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

/** Images per forward pass when evaluating (inference only, so memory, not accuracy, sets it). */
export const EVALUATION_BATCH_SIZE = 1000;

/** The message both trainers throw when their AbortSignal fires. */
export const INTERRUPTED_MESSAGE = 'training interrupted; no model was saved';

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
  const { trainImages, validationImages, batches } = planFit(data.count, options);
  const shuffler = createEpochShuffler(trainImages, options.seed);
  const batchBuilder = new BatchBuilder(data, classCount);
  const variables = trainableVariables(model);

  const tracker = new FitProgressTracker({ epochs, batches, trainImages });
  let lastYield = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffler.next();
    for (let batch = 0; batch < batches; batch++) {
      if (options.signal?.aborted) throw new GradcamError(INTERRUPTED_MESSAGE);
      const indices = order.subarray(batch * batchSize, Math.min((batch + 1) * batchSize, trainImages));
      const { x, y } = batchBuilder.build(indices);
      let step: BatchGradients | undefined;
      let lossSum: number;
      let correct: number;
      try {
        step = batchGradients(model, variables, x, y);
        optimizer.applyGradients(step.gradients);
        lossSum = step.loss.dataSync()[0]! * indices.length;
        correct = step.correct.dataSync()[0]!;
      } finally {
        tf.dispose([x, y]);
        if (step) disposeBatchGradients(step);
      }
      const progress = tracker.batchDone(epoch, batch + 1, indices.length, lossSum, correct);
      options.onProgress?.(progress);
      const now = performance.now();
      if (now - lastYield > YIELD_INTERVAL_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
    const validation = validationImages > 0 ? evaluateModel(model, data, { start: trainImages, classCount }) : undefined;
    const epochEnd = tracker.epochDone(validation);
    options.onProgress?.(epochEnd);
  }
  return tracker.result(validationImages);
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
  const { start = 0, batchSize = EVALUATION_BATCH_SIZE, classCount } = options;
  const sums = evaluateRange(model, data, { from: start, to: data.count, batchSize, classCount });
  return evaluationFromSums(sums);
}

/** Unnormalised evaluation figures, so that partial results (one per worker) can be added up. */
export interface EvaluationSums {
  /** Σ over batches of (batch mean loss × batch size). */
  lossSum: number;
  correct: number;
  count: number;
}

/**
 * Loss and correct-prediction sums of the model on images `from..to-1`, in
 * inference mode, in batches of `batchSize` starting at `from`. A caller that
 * splits a range at multiples of `batchSize` from its start gets the very same
 * per-batch figures as one call over the whole range.
 */
export function evaluateRange(
  model: tfl.LayersModel,
  data: LabelledImages,
  options: { from: number; to: number; batchSize: number; classCount: number },
): EvaluationSums {
  const { from, to, batchSize, classCount } = options;
  const builder = new BatchBuilder(data, classCount);
  let lossSum = 0;
  let correct = 0;
  for (let first = from; first < to; first += batchSize) {
    const indices = Uint32Array.from({ length: Math.min(batchSize, to - first) }, (_, i) => first + i);
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
  return { lossSum, correct, count: Math.max(0, to - from) };
}

/** Mean loss and accuracy from sums (0 for an empty range rather than NaN). */
export function evaluationFromSums(sums: EvaluationSums): Evaluation {
  const { lossSum, correct, count } = sums;
  return { loss: count > 0 ? lossSum / count : 0, accuracy: count > 0 ? correct / count : 0, count };
}

/** How a data set of `count` images splits into training and validation images and batches. */
export interface FitPlan {
  trainImages: number;
  validationImages: number;
  /** Batches per epoch; the last one may be short. */
  batches: number;
}

/**
 * Holds out the last `floor(count × validationSplit)` images for validation,
 * as Keras does (before shuffling).
 * @throws GradcamError when no training image is left.
 */
export function planFit(count: number, options: { validationSplit: number; batchSize: number }): FitPlan {
  const validationImages = Math.floor(count * options.validationSplit);
  const trainImages = count - validationImages;
  if (trainImages < 1) throw new GradcamError(`no training images left after holding out ${validationImages} for validation`);
  return { trainImages, validationImages, batches: Math.ceil(trainImages / options.batchSize) };
}

/**
 * The seeded per-epoch visiting order of the training images `0..trainImages-1`.
 * Each call to `next()` shuffles the previous epoch's order again (Fisher–Yates
 * with mulberry32, see random.ts) and returns it; the array is reused, so copy
 * it to keep it.
 */
export function createEpochShuffler(trainImages: number, seed: number): { next(): Uint32Array } {
  const order = Uint32Array.from({ length: trainImages }, (_, i) => i);
  const random = seededRandom(seed);
  return { next: () => shuffleInPlace(order, random) };
}

/**
 * The model's own trainable variables, in `model.trainableWeights` order. Passed
 * explicitly to the gradient computation: by default tfjs differentiates with
 * respect to every trainable variable in the process.
 */
export function trainableVariables(model: tfl.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** What one forward/backward pass over a batch produced. Every tensor belongs to the caller. */
export interface BatchGradients {
  /** Mean loss over the batch, scalar float32. */
  loss: tf.Scalar;
  /** Number of correct predictions in the batch, scalar float32. */
  correct: tf.Scalar;
  /** Gradient of the mean loss per variable name, each shaped like its variable, in `variables` order. */
  gradients: tf.NamedTensorMap;
}

/**
 * One forward and backward pass in training mode: the mean sparse categorical
 * cross-entropy of the softmax output over the batch (Keras's clipping) and its
 * gradients with respect to `variables` (what `optimizer.minimize` computes
 * before it applies them).
 *
 * @param x [B, H, W, C] float32 images; @param y [B, K] float32 one-hot labels.
 * @returns caller disposes (see `disposeBatchGradients`).
 */
export function batchGradients(model: tfl.LayersModel, variables: tf.Variable[], x: tf.Tensor4D, y: tf.Tensor2D): BatchGradients {
  let correct: tf.Scalar | undefined;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
      correct = tf.keep(countCorrect(probabilities, y));
      return crossEntropy(probabilities, y);
    }, variables);
    return { loss: value, correct: correct!, gradients: grads };
  } catch (error) {
    correct?.dispose();
    throw error;
  }
}

/** Disposes every tensor of a `BatchGradients`. */
export function disposeBatchGradients(step: BatchGradients): void {
  tf.dispose([step.loss, step.correct, ...Object.values(step.gradients)]);
}

/** Mean sparse categorical cross-entropy of softmax outputs. @returns scalar float32 */
export function crossEntropy(probabilities: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const clipped = tf.clipByValue(probabilities, PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1))) as tf.Scalar;
  });
}

/** Number of rows whose arg-max matches the one-hot label. @returns scalar float32 */
export function countCorrect(probabilities: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(oneHot, -1)), 'float32')) as tf.Scalar);
}

/**
 * Assembles [B,H,W,1] float32 inputs (x/255) and [B,K] one-hot labels from
 * chosen rows. Fresh arrays per batch: the cpu backend keeps a reference to
 * the array a tensor was made from, so reusing one buffer would be unsafe.
 * `data.images` may be a view of a SharedArrayBuffer (worker threads).
 */
export class BatchBuilder {
  private readonly imageSize: number;

  constructor(
    private readonly data: LabelledImages,
    private readonly classCount: number,
  ) {
    this.imageSize = data.rows * data.cols;
  }

  /** @returns x [n,H,W,1] float32 and y [n,K] float32; caller disposes both. */
  build(indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const n = indices.length;
    const { images, labels, rows, cols } = this.data;
    const size = this.imageSize;
    const pixels = new Float32Array(n * size);
    const oneHot = new Float32Array(n * this.classCount);
    for (let b = 0; b < n; b++) {
      const index = indices[b]!;
      const offset = index * size;
      for (let p = 0; p < size; p++) pixels[b * size + p] = images[offset + p]! / MNIST_PIXEL_MAX;
      oneHot[b * this.classCount + labels[index]!] = 1;
    }
    return { x: tf.tensor4d(pixels, [n, rows, cols, 1]), y: tf.tensor2d(oneHot, [n, this.classCount]) };
  }
}

/**
 * Turns per-batch sums into `FitProgress` reports (running epoch means,
 * throughput, ETA) and collects the per-epoch history. The clock starts when
 * the tracker is made: make it just before the first batch.
 */
export class FitProgressTracker {
  private readonly started = performance.now();
  private readonly history: FitProgress[] = [];
  private trainedImages = 0;
  private lossSum = 0;
  private correct = 0;
  private seen = 0;
  private last: FitProgress | undefined;

  constructor(private readonly plan: { epochs: number; batches: number; trainImages: number }) {}

  /**
   * Records batch `batch` (1-based) of `epoch`: `images` images, the sum of
   * their losses and their number of correct predictions.
   */
  batchDone(epoch: number, batch: number, images: number, lossSum: number, correct: number): FitProgress {
    const { epochs, batches, trainImages } = this.plan;
    if (batch === 1) {
      this.lossSum = 0;
      this.correct = 0;
      this.seen = 0;
    }
    this.lossSum += lossSum;
    this.correct += correct;
    this.seen += images;
    this.trainedImages += images;
    const elapsedSeconds = (performance.now() - this.started) / 1000;
    const imagesPerSecond = this.trainedImages / elapsedSeconds;
    this.last = {
      epoch,
      epochs,
      batch,
      batches,
      loss: this.lossSum / this.seen,
      accuracy: this.correct / this.seen,
      imagesPerSecond,
      elapsedSeconds,
      etaSeconds: (epochs * trainImages - this.trainedImages) / imagesPerSecond,
      epochDone: false,
    };
    return this.last;
  }

  /** The epoch's closing report: the last batch's figures, with `validation` if given. */
  epochDone(validation: Evaluation | undefined): FitProgress {
    if (this.last === undefined) throw new Error('epochDone() before any batchDone()');
    const report: FitProgress = { ...this.last, epochDone: true, ...(validation ? { validation } : {}) };
    this.history.push(report);
    return report;
  }

  /** The run's summary; training time is the elapsed time at the last epoch's end. */
  result(validationImages: number): FitResult {
    const trainSeconds = this.history.length > 0 ? this.history[this.history.length - 1]!.elapsedSeconds : 0;
    return {
      epochs: this.history,
      trainImages: this.plan.trainImages,
      validationImages,
      trainSeconds,
      imagesPerSecond: trainSeconds > 0 ? this.trainedImages / trainSeconds : 0,
    };
  }
}
