/**
 * gradcam as a library: the commands the CLI runs, and the pieces to explain
 * an image of your own in a few lines. Named re-exports only; importing this
 * module starts no backend, prints nothing and leaves `process` alone.
 *
 * @example
 * import { explainImage } from 'gradcam';
 * const why = await explainImage('my-digit.png', { method: 'gradcam' });
 * console.log(why.className, why.probability, why.heatmap); // heatmap: { width, height, values }
 *
 * @module
 */

// One call: an image in, its classes and map out.
export {
  disposeExplainImageModels,
  explainImage,
  type ExplainImageOptions,
  type ImageExplanation,
  type RankedClass,
} from './explain-image.js';

// The CAM pipeline and its method table.
export {
  createCam,
  DEFAULT_CAM_SEED,
  NORMALISATION_EPSILON,
  resizeMaps,
  type CamBatch,
  type CamExplainer,
  type CamOptions,
  type SmoothGradOptions,
} from './cam/pipeline.js';
export { createGradcam, type GradcamBatch, type GradcamExplainer } from './cam/gradcam.js';
export type { CamContext, CamMethod } from './cam/cam-method.js';
export { CAM_METHOD_NAMES, CAM_METHODS, DEFAULT_CAM_METHOD, type CamMethodName } from './cam/cam-methods.js';
export { DEFAULT_SCORE_KIND, SCORE_KINDS, type ScoreKind } from './cam/score-kinds.js';
export { GradcamPool, type GradcamPoolSetup } from './cam/gradcam-pool.js';

// Models, backends and inputs.
export { bundledModelDir, loadModel, MODEL_JSON, saveModel, type LoadedModel, type SavedModel } from './model/model-files.js';
export { detectModelFormat, MODEL_FORMATS, type ModelFormatName } from './model/formats/model-formats.js';
export type { ModelFormat, ReadModel } from './model/formats/model-format.js';
export type { ModelMetadata, TrainingSummary } from './model/tutorial-cnn.js';
export { predictProbabilities, stackImages, type ImageShape } from './model/classify.js';
export { argMax, DEFAULT_TOP_K, topClasses, type ClassProbability } from './model/ranking.js';
export { BACKEND_NAMES, initBackend, type BackendChoice, type BackendName } from './backend/init-backend.js';
export { decodeImage, loadDigitImage, type DecodedImage, type DigitImage } from './data/image.js';
export { preprocessingReport, type PreprocessingReport } from './data/preprocessing-report.js';

// The commands, as the CLI runs them: each returns data and prints nothing.
export {
  explain,
  type BatchExplainResult,
  type BatchProgress,
  type ExplainOptions,
  type ExplainResult,
  type Explanation,
  type SingleExplainResult,
} from './commands/explain/explain.js';
export {
  DEFAULT_EVALUATED_METHODS,
  evaluate,
  type EvaluateOptions,
  type EvaluateResult,
  type EvaluationSettings,
} from './commands/evaluate/evaluate.js';
export { predict, type Prediction, type PredictOptions, type PredictResult } from './commands/predict.js';
export { TRAIN_DEFAULTS, train, type TrainOptions, type TrainResult } from './commands/train.js';
export type { ModelOptions } from './commands/model-session.js';
export type { FailedInput } from './data/inputs.js';
export type { BatchSummary, ManifestRecord } from './outputs/manifest.js';

// Faithfulness metrics and the sanity check, on models and arrays you bring.
export {
  evaluateMethods,
  type CascadeStep,
  type EvaluationOutcome,
  type EvaluationProgress,
  type EvaluationRun,
  type SanityScores,
} from './evaluate/evaluate-methods.js';
export { EVALUATION_METRICS, type EvaluationMetricName, type MethodScores } from './evaluate/metrics.js';
export type { ClassScorer, EvaluationMetric, MetricInputs } from './evaluate/metric.js';

export { INPUT_RANGE_NAMES, INPUT_RANGES, withInputRange, type InputRangeName } from './model/input-range.js';
export { inputSize, inputSpecFor, normaliseForModel, type InputSpec, type InputPreparation } from './model/input-spec.js';

// Pictures (PNG bytes; no TensorFlow.js).
export { renderOverlay, renderPanel, type PanelOptions } from './render/overlay.js';
export { renderComparison, type ComparedMap, type ComparisonOptions } from './render/comparison-figure.js';
export type { OverlayOptions } from './render/tiles.js';
export { RENDER_DEFAULTS, type RenderStyle } from './render/render-style.js';
export { COLORMAP_NAMES, type ColormapName } from './render/colormaps.js';

// Errors.
export { EXIT_CODES, GradcamError, type ExitCode } from './errors.js';
