import { initBackend, type BackendChoice, type BackendName } from '../backend/init-backend.js';
import { EXIT_CODES, GradcamError, usageError } from '../errors.js';
import { withClassNames } from '../model/class-labels.js';
import { bundledModelDir, loadModel, type LoadedModel } from '../model/model-files.js';
import { INPUT_RANGE_NAMES, isInputRangeName, withInputRange, type InputRangeName } from '../model/input-range.js';

/** Options every command that runs a model accepts. */
export interface ModelOptions {
  /** Model directory (or model.json); default: the pretrained model bundled with the package. */
  model?: string;
  backend?: BackendName | 'auto';
  /** Of a multi-output model, the output to explain: an index or an output layer's name (default: the last softmax classifier). */
  modelOutput?: number | string;
  /** The value range the model takes, overriding its metadata (for models that carry none, e.g. Keras files). */
  inputRange?: InputRangeName;
  /** A labels file (one class name per line, or a JSON array) naming the model's classes (class-labels.ts). */
  labels?: string;
}

/** A backend and a loaded model, ready for predictions. */
export interface ModelSession extends LoadedModel {
  backend: BackendChoice;
}

/** Starts the backend and loads the model (the bundled one unless `model` names another). */
export async function openModelSession(options: ModelOptions): Promise<ModelSession> {
  const { inputRange } = options;
  if (inputRange !== undefined && !isInputRangeName(inputRange)) {
    throw usageError(`unknown --input-range "${String(inputRange)}"; choose ${INPUT_RANGE_NAMES.join(', ')}`);
  }
  const backend = await initBackend(options.backend ?? 'auto');
  let read: LoadedModel;
  try {
    read = await loadModel(options.model ?? bundledModelDir(), options.modelOutput === undefined ? {} : { output: options.modelOutput });
  } catch (error) {
    // A bad value (exit 2, e.g. a --model-output the model lacks) is the user's, not a broken install.
    if (options.model === undefined && error instanceof GradcamError && error.exitCode !== EXIT_CODES.usage) {
      throw new GradcamError(
        `the bundled model could not be read (${error.message}); reinstall gradcam or pass --model DIR`,
        1,
        { cause: error },
      );
    }
    throw error;
  }
  let loaded: LoadedModel;
  try {
    loaded = await withClassNames(read, options.labels);
  } catch (error) {
    read.model.dispose();
    throw error;
  }
  return { backend, ...loaded, ...(inputRange === undefined ? {} : { inputSpec: withInputRange(loaded.inputSpec, inputRange) }) };
}
