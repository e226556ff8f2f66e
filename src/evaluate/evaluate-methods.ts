import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CamMethodName } from '../cam/cam-methods.js';
import { createCam, resizeMaps } from '../cam/pipeline.js';
import type { ScoreKind } from '../cam/score-kinds.js';
import type { InputSpec } from '../model/input-spec.js';
import { GradcamError } from '../errors.js';
import { argMax } from '../model/ranking.js';
import { baselineImages, baselineKind } from './baseline.js';
import { cascadeLayerNames, randomisationCascade } from './cascade.js';
import { createClassScorer, SCORER_CHUNK } from './class-scorer.js';
import type { MetricInputs } from './metric.js';
import { EVALUATION_METRICS, type MethodScores } from './metrics.js';
import { spearman } from './spearman.js';
import { ssim } from './ssim.js';

/** Images explained per createCam call (as batch explain's chunk). */
const MAP_CHUNK = 256;

/** What to score, on which images. */
export interface EvaluationRun {
  model: tfl.LayersModel;
  spec: InputSpec;
  /** [N, H, W, C] the model's inputs. */
  images: Float32Array;
  methods: readonly CamMethodName[];
  /** The layer to explain (default: the last convolutional one). */
  layer?: string;
  score: ScoreKind;
  /** Seeds the random baseline (image i: seed + i), ROAD's noise (image i: seed + i) and the randomised weights (seed). */
  seed: number;
  /**
   * Position of the first image in the whole evaluation (default 0): a part
   * evaluated on its own (a worker's share) draws the same random numbers for
   * image i as the whole run would.
   */
  firstIndex?: number;
  sanity: boolean;
  onProgress?: (progress: EvaluationProgress) => void;
}

/** Progress in units of one image through one stage: its prediction, one method's map, one metric, one cascade step. */
export interface EvaluationProgress {
  stage: 'predict' | 'maps' | 'metrics' | 'sanity';
  method: string;
  done: number;
  total: number;
}

/** Units of work {@link evaluateMethods} reports progress in for `count` images. */
export function evaluationUnits(count: number, methods: number, cascadeSteps: number): number {
  return count * (1 + methods * (1 + Object.keys(EVALUATION_METRICS).length + cascadeSteps));
}

/** One step of the cascade: layers down to `layer` randomised. */
export interface CascadeStep {
  layer: string;
  /** Mean over images of |Spearman ρ| between the trained model's map and this step's. */
  spearman: number;
  /** Mean over images of SSIM between the two maps. */
  ssim: number;
}

export interface SanityScores {
  cascade: CascadeStep[];
}

/** One map of one image, with its size. */
export interface ExampleMap {
  heatmap: Float32Array;
  height: number;
  width: number;
}

/** What the run computed, with one example map per method for pictures. */
export interface EvaluationOutcome {
  /** Images scored. */
  count: number;
  layer: string;
  baseline: 'zero' | 'blur';
  classes: number[];
  methods: Record<string, MethodScores>;
  sanity?: Record<string, SanityScores>;
  /** Per method, the first image's normalised map at the method's map resolution. */
  exampleMaps: Record<string, ExampleMap>;
}

/**
 * Maps of one method for all images, [N, h, w] at map resolution, in chunks;
 * chunk k explains with seed + its first index, so image i's random map
 * always comes from seed + i.
 */
function methodMaps(model: tfl.LayersModel, run: EvaluationRun, method: CamMethodName, classes: readonly number[], onImages: (n: number) => void) {
  const { height, width, channels } = run.spec;
  const size = height * width * channels;
  const count = classes.length;
  let maps: Float32Array | undefined;
  let upsampled: Float32Array | undefined;
  let layer = '';
  let mapHeight = 0;
  let mapWidth = 0;
  for (let start = 0; start < count; start += MAP_CHUNK) {
    const n = Math.min(MAP_CHUNK, count - start);
    const cam = createCam(model, { method, layerName: run.layer, score: run.score, seed: run.seed + (run.firstIndex ?? 0) + start });
    ({ layerName: layer, mapHeight, mapWidth } = cam);
    const x = tf.tensor4d(run.images.subarray(start * size, (start + n) * size), [n, height, width, channels]);
    try {
      const batch = cam.explain(x, classes.slice(start, start + n));
      maps ??= new Float32Array(count * mapHeight * mapWidth);
      upsampled ??= new Float32Array(count * height * width);
      maps.set(batch.heatmaps, start * mapHeight * mapWidth);
      const up = tf.tidy(() => resizeMaps(tf.tensor3d(batch.heatmaps, [n, mapHeight, mapWidth]), height, width));
      try {
        upsampled.set(up.dataSync(), start * height * width);
      } finally {
        up.dispose();
      }
    } finally {
      x.dispose();
    }
    onImages(n);
  }
  return { maps: maps ?? new Float32Array(0), upsampled: upsampled ?? new Float32Array(0), layer, mapHeight, mapWidth };
}

/** The class probabilities of the images, [N, K], in chunked inference passes. */
function predictAll(model: tfl.LayersModel, spec: InputSpec, images: Float32Array): { probabilities: Float32Array; classCount: number } {
  const { height, width, channels } = spec;
  const size = height * width * channels;
  const count = images.length / size;
  const chunks: Float32Array[] = [];
  for (let start = 0; start < count; start += SCORER_CHUNK) {
    const n = Math.min(SCORER_CHUNK, count - start);
    const y = tf.tidy(() => model.predict(tf.tensor4d(images.subarray(start * size, (start + n) * size), [n, height, width, channels]), { batchSize: n }) as tf.Tensor);
    try {
      chunks.push(y.dataSync() as Float32Array);
    } finally {
      y.dispose();
    }
  }
  const probabilities = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    probabilities.set(chunk, offset);
    offset += chunk.length;
  }
  return { probabilities, classCount: count === 0 ? 0 : probabilities.length / count };
}

/**
 * Scores CAM methods on N images with every metric of EVALUATION_METRICS,
 * and with `sanity` the cascading randomisation check. Each image is
 * explained for the class the trained model predicts. Prints nothing.
 */
export async function evaluateMethods(run: EvaluationRun): Promise<EvaluationOutcome> {
  const { model, spec, images, methods } = run;
  const { height, width, channels } = spec;
  const size = height * width * channels;
  const count = images.length / size;
  const firstIndex = run.firstIndex ?? 0;
  const metrics = Object.values(EVALUATION_METRICS);
  const cascadeLayers = run.sanity ? cascadeLayerNames(model) : [];
  const progress: EvaluationProgress = { stage: 'predict', method: '', done: 0, total: evaluationUnits(count, methods.length, cascadeLayers.length) };
  const advance = (n: number) => {
    progress.done += n;
    run.onProgress?.({ ...progress });
  };

  // The trained model's prediction: the class explained and Y, its probability.
  const { probabilities, classCount } = predictAll(model, spec, images);
  const classes: number[] = [];
  const original = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    classes.push(argMax(probabilities, i * classCount, classCount));
    original[i] = probabilities[i * classCount + classes[i]!]!;
    // Scores of a NaN output would be NaN too, or worse, numbers: refuse instead (issue 12, item 8).
    if (!Number.isFinite(original[i]!)) {
      throw new GradcamError(`the model's output is not a number (NaN or infinite) for image ${firstIndex + i}; check the model's weights`);
    }
  }
  advance(count);
  const score = createClassScorer(model, spec, classes);
  const kind = baselineKind(spec);
  const baseline = baselineImages(kind, images, height, width, channels);
  const baselineScore = score(baseline, classes.map((_, i) => i));

  const scores: Record<string, MethodScores> = {};
  const exampleMaps: Record<string, ExampleMap> = {};
  const trainedMaps = new Map<string, Float32Array>();
  let layer = '';
  for (const method of methods) {
    progress.stage = 'maps';
    progress.method = method;
    const explained = methodMaps(model, run, method, classes, advance);
    const { mapHeight, mapWidth } = explained;
    layer = explained.layer;
    exampleMaps[method] = { heatmap: explained.maps.slice(0, mapHeight * mapWidth), height: mapHeight, width: mapWidth };
    if (run.sanity) trainedMaps.set(method, explained.upsampled);
    progress.stage = 'metrics';
    const inputs: MetricInputs = {
      count,
      height,
      width,
      channels,
      images,
      maps: explained.upsampled,
      baseline,
      classes,
      original,
      baselineScore,
      seed: run.seed + firstIndex,
      score,
      onImages: advance,
    };
    scores[method] = Object.assign({}, ...metrics.map((metric) => metric.run(inputs))) as MethodScores;
  }

  let sanity: Record<string, SanityScores> | undefined;
  if (run.sanity) {
    progress.stage = 'sanity';
    sanity = Object.fromEntries(methods.map((method) => [method, { cascade: [] as CascadeStep[] }]));
    const cascade = await randomisationCascade(model, run.seed);
    try {
      for (let step = 0; step < cascade.layers.length; step++) {
        cascade.apply(step);
        for (const method of methods) {
          progress.method = method;
          const randomised = methodMaps(cascade.model, run, method, classes, advance);
          const trained = trainedMaps.get(method)!;
          const pixels = height * width;
          let rho = 0;
          let similarity = 0;
          for (let i = 0; i < count; i++) {
            const a = trained.subarray(i * pixels, (i + 1) * pixels);
            const b = randomised.upsampled.subarray(i * pixels, (i + 1) * pixels);
            rho += Math.abs(spearman(a, b));
            similarity += ssim(a, b, height, width);
          }
          sanity[method]!.cascade.push({ layer: cascade.layers[step]!, spearman: rho / count, ssim: similarity / count });
        }
      }
    } finally {
      cascade.dispose();
    }
  }
  return { count, layer, baseline: kind, classes, methods: scores, ...(sanity ? { sanity } : {}), exampleMaps };
}
