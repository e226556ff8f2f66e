/**
 * The library's one call (issue 13): `explainImage(input, options)` explains
 * one image with a CAM method and returns plain data. The model is loaded on
 * first use and cached by path; the backend starts on first use only when
 * none is active, so a backend the caller chose is left as it is.
 */
import * as path from 'node:path';
import tf = require('@tensorflow/tfjs-core');
import { initBackend, type BackendName } from './backend/init-backend.js';
import { CAM_METHOD_NAMES, DEFAULT_CAM_METHOD, isCamMethodName, type CamMethodName } from './cam/cam-methods.js';
import { createCam } from './cam/pipeline.js';
import { DEFAULT_SCORE_KIND, SCORE_KINDS, type ScoreKind } from './cam/score-kinds.js';
import { loadForModel } from './data/inputs.js';
import type { PreprocessingReport } from './data/preprocessing-report.js';
import { withPredictionNotes } from './outputs/prediction-notes.js';
import { withClassNames } from './model/class-labels.js';
import { GradcamError, usageError } from './errors.js';
import { INPUT_RANGE_NAMES, isInputRangeName, withInputRange, type InputRangeName } from './model/input-range.js';
import { type InputSpec } from './model/input-spec.js';
import { bundledModelDir, loadModel, type LoadedModel } from './model/model-files.js';
import { DEFAULT_TOP_K, topClasses, type RankedClass } from './model/ranking.js';

export interface ExplainImageOptions {
  /** A model directory or model.json, or a model from `loadModel`; default the bundled MNIST model. */
  model?: string | LoadedModel;
  /** Default the last convolutional layer. */
  layer?: string;
  /** Default 'gradcam'. */
  method?: CamMethodName;
  /** The class to explain; default the predicted class. */
  class?: number;
  /** Default 'logit'. */
  score?: ScoreKind;
  /** Starts this backend first; default: keep the active one, or start the best available ('auto') when none is. */
  backend?: BackendName | 'auto';
  /** Classes listed in `top` (default 3). */
  topK?: number;
  /** The pixel values the model expects, overriding its metadata (Keras files carry none): '0..1', '-1..1' or '0..255'. */
  inputRange?: InputRangeName;
  /** A labels file naming the model's classes (one per line or a JSON array); default: its metadata, or a Teachable Machine metadata.json beside it. */
  labels?: string;
}

export type { RankedClass };

/** What `explainImage` returns: plain data, no tensors to dispose. */
export interface ImageExplanation extends RankedClass {
  /** The most probable classes, most probable first. */
  top: RankedClass[];
  /** The class the map explains: the predicted one unless `options.class` chose another. */
  explained: RankedClass;
  method: CamMethodName;
  layer: string;
  score: ScoreKind;
  backend: string;
  /** The map normalised to [0, 1], row-major, at the layer's resolution (the input's for input-resolution methods). */
  heatmap: { width: number; height: number; values: Float32Array };
  /** The map's maximum before normalisation, in score units: near 0 means a weak explanation however hot the picture looks. */
  peak: number;
  /** The model's input as a grey picture in [0, 1] (H·W), to draw the map over (`renderOverlay`). */
  image: { width: number; height: number; values: Float32Array };
  /** What digit preprocessing did to a file or bytes (digit models only): rotation, inversion, crop box, what was removed. */
  preprocessing?: PreprocessingReport;
  /** Doubts worth showing, as the CLI prints them: "low confidence (43%)", "several digits? gradcam classifies one", "used frame 1 of 3". */
  notes: string[];
}

const models = new Map<string, Promise<LoadedModel>>();
/** The cached models with their class names (a labels file, a metadata.json beside them), by model path and labels file: read once, not per call. */
const named = new Map<string, Promise<LoadedModel>>();

/** Frees the models `explainImage` loaded and cached (the next call loads again). */
export async function disposeExplainImageModels(): Promise<void> {
  const loaded = await Promise.allSettled(models.values());
  models.clear();
  named.clear();
  for (const result of loaded) if (result.status === 'fulfilled') result.value.model.dispose();
}

async function modelFor(option: ExplainImageOptions['model']): Promise<LoadedModel> {
  if (typeof option === 'object') return option;
  const key = path.resolve(option ?? bundledModelDir());
  let pending = models.get(key);
  if (pending === undefined) {
    pending = loadModel(key);
    models.set(key, pending);
    pending.catch(() => models.delete(key));
  }
  return pending;
}

/** {@link modelFor} with its class names (class-labels.ts). */
async function namedModelFor(option: ExplainImageOptions['model'], labels: string | undefined): Promise<LoadedModel> {
  if (typeof option === 'object') return withClassNames(option, labels);
  const key = `${path.resolve(option ?? bundledModelDir())}\0${labels === undefined ? '' : path.resolve(labels)}`;
  let pending = named.get(key);
  if (pending === undefined) {
    pending = modelFor(option).then((loaded) => withClassNames(loaded, labels));
    named.set(key, pending);
    pending.catch(() => named.delete(key));
  }
  return pending;
}

/** The model's input from a path, encoded bytes, or a tensor already in the model's input space. */
async function inputFor(
  input: string | Uint8Array | tf.Tensor,
  spec: InputSpec,
): Promise<{ values: Float32Array; view: Float32Array; notes?: string[]; preprocessing?: PreprocessingReport }> {
  if (!(input instanceof tf.Tensor)) return loadForModel(input, typeof input === 'string' ? input : 'image bytes', spec);
  const expected = [spec.height, spec.width, spec.channels];
  const shape = input.shape.length === 4 && input.shape[0] === 1 ? input.shape.slice(1) : input.shape;
  if (shape.length !== 3 || shape.some((d, i) => d !== expected[i])) {
    throw usageError(`explainImage: expected a tensor of shape [${expected.join(', ')}] (or [1, …]), received [${input.shape.join(', ')}]`);
  }
  const values = Float32Array.from(input.dataSync());
  const view = new Float32Array(spec.height * spec.width);
  // The picture: the channel mean rescaled to [0, 1] (the tensor is in the model's units).
  let low = Infinity;
  let high = -Infinity;
  for (let p = 0; p < view.length; p++) {
    let sum = 0;
    for (let c = 0; c < spec.channels; c++) sum += values[p * spec.channels + c]!;
    view[p] = sum / spec.channels;
    low = Math.min(low, view[p]!);
    high = Math.max(high, view[p]!);
  }
  for (let p = 0; p < view.length; p++) view[p] = high > low ? (view[p]! - low) / (high - low) : 0;
  return { values, view };
}

/**
 * Explains one image: its top classes and a CAM map of the predicted (or
 * chosen) class.
 *
 * @param input an image file path, its encoded bytes (PNG, JPEG, …), or a
 *   tensor [H, W, C] / [1, H, W, C] already normalised as the model expects.
 *   Files and bytes get the model's preprocessing (digit models: MNIST's; others: a resize).
 * @example
 * import { explainImage } from 'gradcam';
 * const why = await explainImage('my-digit.png');
 * console.log(why.className, why.probability, why.heatmap.width, why.heatmap.height);
 * @throws GradcamError for an unreadable image, an unknown method, layer or class, or an input the model cannot take.
 */
export async function explainImage(input: string | Uint8Array | tf.Tensor, options: ExplainImageOptions = {}): Promise<ImageExplanation> {
  const method = options.method ?? DEFAULT_CAM_METHOD;
  if (!isCamMethodName(method)) throw usageError(`unknown method "${String(method)}"; choose ${CAM_METHOD_NAMES.join(', ')}`);
  const score = options.score ?? DEFAULT_SCORE_KIND;
  if (!Object.hasOwn(SCORE_KINDS, score)) throw usageError(`unknown score "${score}"; choose ${Object.keys(SCORE_KINDS).join(' or ')}`);
  if (options.inputRange !== undefined && !isInputRangeName(options.inputRange)) {
    throw usageError(`unknown inputRange "${String(options.inputRange)}"; choose ${INPUT_RANGE_NAMES.join(', ')}`);
  }
  if (options.backend !== undefined) await initBackend(options.backend);
  // tfjs-core types backendName as a string, but it is null until a backend is set.
  else if ((tf.engine().backendName as string | null) == null) await initBackend('auto');
  const loaded = await namedModelFor(options.model, options.labels);
  const { model, metadata } = loaded;
  const inputSpec = options.inputRange === undefined ? loaded.inputSpec : withInputRange(loaded.inputSpec, options.inputRange);
  const { values, view, notes, preprocessing } = await inputFor(input, inputSpec);
  let cam;
  try {
    cam = createCam(model, { method, score, ...(options.layer === undefined ? {} : { layerName: options.layer }) });
  } catch (error) {
    // An unknown layer is a bad option value (exit 2), as `--layer` is on the command line.
    throw error instanceof GradcamError && options.layer !== undefined ? usageError(error.message) : error;
  }
  const classCount = cam.classCount;
  if (options.class !== undefined && !(Number.isInteger(options.class) && options.class >= 0 && options.class < classCount)) {
    throw usageError(`class ${options.class} is not a class of the model (0..${classCount - 1})`);
  }
  const x = tf.tensor4d(values, [1, inputSpec.height, inputSpec.width, inputSpec.channels]);
  let batch;
  try {
    batch = cam.explain(x, options.class === undefined ? undefined : [options.class]);
  } finally {
    x.dispose();
  }
  const name = (c: number) => metadata.classNames[c] ?? String(c);
  const ranked = (c: number): RankedClass => ({ class: c, className: name(c), probability: batch.probabilities[c]! });
  const top = topClasses(batch.probabilities, options.topK ?? DEFAULT_TOP_K).map((c) => ranked(c.class));
  const predicted = topClasses(batch.probabilities, 1)[0]!.class;
  if (!Number.isFinite(batch.probabilities[predicted]!)) {
    throw new GradcamError(`the model's output is not a number (NaN or infinite) for this input; check the model's weights`);
  }
  return {
    ...ranked(predicted),
    top,
    explained: ranked(batch.classes[0]!),
    method,
    layer: cam.layerName,
    score,
    backend: tf.getBackend(),
    heatmap: { width: batch.mapWidth, height: batch.mapHeight, values: batch.heatmaps },
    peak: batch.unnormalised.reduce((a, b) => Math.max(a, b), 0),
    image: { width: inputSpec.width, height: inputSpec.height, values: view },
    ...(preprocessing === undefined ? {} : { preprocessing }),
    notes: withPredictionNotes(notes, batch.probabilities[predicted]!) ?? [],
  };
}
