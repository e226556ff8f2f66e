import { SCHEMA_VERSION } from '../../outputs/schema-version.js';
import * as path from 'node:path';
import { availableParallelism } from 'node:os';
import { resolveInputs } from '../../data/input-sources.js';
import { isFailure, loadInputs, type Digit, type FailedInput } from '../../data/inputs.js';
import { packed } from '../../data/packed.js';
import { GradcamError, usageError } from '../../errors.js';
import { inputSize } from '../../model/input-spec.js';
import { createCam } from '../../cam/pipeline.js';
import { cascadeLayerNames } from '../../evaluate/cascade.js';
import { evaluateMethods, type EvaluationOutcome, type EvaluationProgress, type EvaluationRun } from '../../evaluate/evaluate-methods.js';
import { evaluateOnThreads, MIN_IMAGES_PER_THREAD } from '../../evaluate/parallel-evaluation.js';
import { CURVE_STEPS } from '../../evaluate/perturbation-curve.js';
import { ROAD_FRACTIONS } from '../../evaluate/road.js';
import { prepareEvaluationDir, writeEvaluationOutputs } from '../../outputs/evaluation-outputs.js';
import { openModelSession } from '../model-session.js';
import { DEFAULT_EVALUATION_SEED, resolveMethods, resolveScore, type EvaluateOptions, type EvaluateResult } from './options.js';

export type { EvaluateOptions, EvaluateResult, EvaluationSettings } from './options.js';
export { DEFAULT_EVALUATED_METHODS } from './options.js';

/**
 * `gradcam evaluate`: scores CAM methods on a set of inputs with deletion
 * and insertion AUC, average drop and increase in confidence, and ROAD, and
 * with `sanity` the cascading randomisation check (src/evaluate/). Inputs
 * are chosen as in `explain`; inputs that cannot be read are listed in
 * `failed` and the others scored. Options are checked, the output directory
 * created and the layer resolved before the long work starts. Prints nothing.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const started = performance.now();
  const methods = resolveMethods(options.methods);
  const score = resolveScore(options.score);
  const seed = options.seed ?? DEFAULT_EVALUATION_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0) throw usageError(`--seed must be a whole number ≥ 0, got ${seed}`);
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw usageError(`--threads must be a whole number ≥ 1, got ${options.threads}`);
  }
  const cwd = options.cwd ?? '.';
  const refs = await resolveInputs({
    paths: options.images,
    mnistIndex: options.mnistIndex,
    mnistTest: options.mnistTest,
    offset: options.offset,
    limit: options.limit,
    cwd,
  });
  if (refs.length === 0) throw usageError('nothing to evaluate: give image files, directories, patterns, --mnist-index or --mnist-test');
  const outDir = options.outDir === undefined ? undefined : path.resolve(cwd, options.outDir);
  if (outDir !== undefined) await prepareEvaluationDir(outDir, `--out-dir ${options.outDir}`);

  const session = await openModelSession(options);
  const { model, inputSpec } = session;
  try {
    const loaded = await loadInputs(refs, { dataDir: options.dataDir, cwd, spec: inputSpec });
    const failed: FailedInput[] = loaded.filter(isFailure).map(({ source, error }) => ({ source, error }));
    const digits = loaded.filter((input): input is Digit => !isFailure(input));
    if (digits.length === 0) throw new GradcamError(`none of the ${refs.length} inputs could be read (first: ${failed[0]?.error})`);
    // Resolves (and checks) the layer now, not after minutes of work; a layer only the model
    // can judge wrong is still a bad option value (exit 2, as explain's --layer).
    let layer: string;
    try {
      layer = createCam(model, { method: methods[0]!, ...(options.layer === undefined ? {} : { layerName: options.layer }) }).layerName;
    } catch (error) {
      throw error instanceof GradcamError && options.layer !== undefined ? usageError(error.message) : error;
    }
    const images = packed(
      digits.map((digit) => digit.pixels),
      inputSize(inputSpec),
    );
    const run: Omit<EvaluationRun, 'model' | 'onProgress' | 'firstIndex'> = { spec: inputSpec, images, methods, layer, score, seed, sanity: options.sanity === true };
    const onProgress = (progress: EvaluationProgress) =>
      options.onProgress?.({ ...progress, elapsedSeconds: (performance.now() - started) / 1000 });
    const threads = options.threads ?? availableParallelism();
    let outcome: EvaluationOutcome;
    let threadsUsed = 1;
    if (threads > 1 && digits.length >= 2 * MIN_IMAGES_PER_THREAD) {
      threadsUsed = Math.min(threads, Math.floor(digits.length / MIN_IMAGES_PER_THREAD));
      outcome = await evaluateOnThreads(run, { modelJsonPath: session.modelJsonPath, backend: session.backend.name, modelOutput: session.output.index }, threadsUsed, onProgress);
    } else {
      outcome = await evaluateMethods({ ...run, model, onProgress });
    }
    const result: EvaluateResult = {
      schemaVersion: SCHEMA_VERSION,
      settings: {
        model: session.modelJsonPath,
        backend: session.backend.name,
        images: outcome.count,
        layer: outcome.layer,
        score,
        seed,
        baseline: outcome.baseline,
        curveSteps: CURVE_STEPS,
        roadFractions: ROAD_FRACTIONS,
        sanity: options.sanity === true,
        cascadeLayers: options.sanity === true ? cascadeLayerNames(model) : [],
        threads: threadsUsed,
      },
      methods: outcome.methods,
      ...(outcome.sanity === undefined ? {} : { sanity: outcome.sanity }),
      failed,
      seconds: 0,
      files: null,
    };
    result.seconds = (performance.now() - started) / 1000;
    if (outDir !== undefined) {
      const first = digits[0]!;
      result.files = await writeEvaluationOutputs(outDir, result, {
        exampleMaps: outcome.exampleMaps,
        example: { source: first.source, view: first.view, height: inputSpec.height, width: inputSpec.width, predicted: outcome.classes[0]!, className: session.metadata.classNames?.[outcome.classes[0]!] },
      });
    }
    return result;
  } finally {
    model.dispose();
  }
}
