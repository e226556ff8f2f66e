import { initBackend, type BackendChoice, type BackendName } from '../backend/init-backend.js';
import { GradcamError } from '../errors.js';
import { bundledModelDir, loadModel, type LoadedModel } from '../model/model-files.js';

/** Options every command that runs a model accepts. */
export interface ModelOptions {
  /** Model directory (or model.json); default: the pretrained model bundled with the package. */
  model?: string;
  backend?: BackendName | 'auto';
}

/** A backend and a loaded model, ready for predictions. */
export interface ModelSession extends LoadedModel {
  backend: BackendChoice;
}

/** Starts the backend and loads the model (the bundled one unless `model` names another). */
export async function openModelSession(options: ModelOptions): Promise<ModelSession> {
  const backend = await initBackend(options.backend ?? 'auto');
  try {
    return { backend, ...(await loadModel(options.model ?? bundledModelDir())) };
  } catch (error) {
    if (options.model === undefined && error instanceof GradcamError) {
      throw new GradcamError(
        `the bundled model could not be read (${error.message}); reinstall gradcam or pass --model DIR`,
        1,
        { cause: error },
      );
    }
    throw error;
  }
}
