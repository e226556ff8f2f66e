import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import { sweepTemporaryFiles, syncDirectory, writeFileAtomic } from '../atomic-write.js';
import { withDirectoryLock } from '../directory-lock.js';
import { makeDirectory } from '../output-paths.js';
import { firstLine, GradcamError } from '../errors.js';
import { packageRoot } from '../package-root.js';
import { detectModelFormat, isModelFileName, MODEL_FORMATS } from './formats/model-formats.js';
import { inputSpecFor, type InputSpec } from './input-spec.js';
import { chooseOutput, type ChosenOutput } from './model-output.js';
import { defaultMetadataFor, METADATA_KEY, type ModelMetadata } from './tutorial-cnn.js';

/** The file that names a TensorFlow.js layers model's topology and weight shards. */
export const MODEL_JSON = 'model.json';

/** Weight files written by {@link saveModel}: named by a prefix of their SHA-256. */
const SHARD_NAME = /^weights-[0-9a-f]{16}\.bin$/;

/**
 * The pretrained tutorial CNN shipped in the package (made by `gradcam train`;
 * README records the command and its test accuracy).
 */
export function bundledModelDir(): string {
  return path.join(packageRoot(), 'models', 'mnist-cnn');
}

/** A model read from disk with the metadata gradcam needs. */
export interface LoadedModel {
  model: tfl.LayersModel;
  metadata: ModelMetadata;
  /** What the model takes as input and how images become it (from its input shape and metadata). */
  inputSpec: InputSpec;
  /** Absolute path of the model file that was read (model.json, .h5 or .keras); loadModel reads it again. */
  modelJsonPath: string;
  /** True when the model carried gradcam metadata (trained by this tool). */
  hasGradcamMetadata: boolean;
  /** The output explained: of a multi-output model, the one chosen (model-output.ts); `model` has only it. */
  output: ChosenOutput;
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  directory: string;
  files: string[];
  bytes: number;
}

/**
 * Reads a model from disk, in any format of the table in
 * ./formats/model-formats.ts (issue 9): a TensorFlow.js layers model (a model
 * JSON of any name plus its weight shards; Sequential and functional), a Keras
 * `.h5` file (Keras 2 or 3) or a Keras 3 `.keras` archive. Models without
 * gradcam metadata get {@link defaultMetadataFor}'s (class names 0..K-1,
 * 8-bit pixels / 255).
 *
 * @param location a model file, or a directory holding model.json or exactly
 *   one model file (*.json layers model, .h5, .keras).
 */
export async function loadModel(location: string, options: { output?: number | string } = {}): Promise<LoadedModel> {
  const modelJsonPath = await resolveModelFile(location);
  const format = MODEL_FORMATS[await detectModelFormat(modelJsonPath)];
  const read = await format.read(modelJsonPath);
  const { userDefinedMetadata } = read;
  let model: tfl.LayersModel;
  let output: ChosenOutput;
  try {
    ({ model, output } = chooseOutput(read.model, options.output));
  } catch (error) {
    read.model.dispose();
    throw error;
  }
  const stored = userDefinedMetadata?.[METADATA_KEY];
  const metadata = isModelMetadata(stored) ? stored : defaultMetadataFor(model);
  let inputSpec: InputSpec;
  try {
    inputSpec = inputSpecFor(model.inputs[0]?.shape ?? [], metadata);
  } catch (error) {
    model.dispose();
    if (error instanceof GradcamError) throw new GradcamError(`${modelJsonPath}: ${error.message}`, error.exitCode, { cause: error });
    throw error;
  }
  try {
    probeModel(model, inputSpec);
  } catch (cause) {
    model.dispose();
    const { height, width, channels } = inputSpec;
    throw new GradcamError(`${modelJsonPath}: the model cannot run on a ${height}×${width}×${channels} image: ${firstLine(cause)}`, 1, { cause });
  }
  return { model, metadata, inputSpec, modelJsonPath, hasGradcamMetadata: isModelMetadata(stored), output };
}

/**
 * One forward pass on a black image of the input spec's size, at load time:
 * a model whose config tfjs-layers builds but cannot run (an input of dtype
 * "bool", a layer that rejects its input's shape) then fails here, in one
 * line, before any input is read, instead of with tfjs's stack trace
 * mid-batch (found by test/fuzz.test.ts, issue 12).
 */
function probeModel(model: tfl.LayersModel, spec: InputSpec): void {
  tf.tidy(() => {
    model.predict(tf.zeros([1, spec.height, spec.width, spec.channels]));
  });
}

/**
 * Saves a layers model to `directory` (created if needed) so that a crash or
 * Ctrl-C at any moment leaves either the old complete model or the new one:
 * the weights go to a new content-named shard first, then model.json is
 * replaced by an atomic rename, and only then are the shards the old
 * model.json referenced (and the new one does not) removed. Saves into one
 * directory take turns (withDirectoryLock), so concurrent runs never delete
 * each other's new weights: the last to finish wins, with a loadable model.
 *
 * @param hooks.beforeCommit runs between writing the weights and replacing
 *   model.json (tests use it to simulate a crash there).
 */
export async function saveModel(
  model: tfl.LayersModel,
  directory: string,
  metadata: ModelMetadata,
  hooks: { beforeCommit?: () => Promise<void> } = {},
): Promise<SavedModel> {
  await makeDirectory(directory, `model directory ${directory}`);
  return withDirectoryLock(directory, () => saveLocked(model, directory, metadata, hooks));
}

/** saveModel's work, holding the directory's lock. */
async function saveLocked(
  model: tfl.LayersModel,
  directory: string,
  metadata: ModelMetadata,
  hooks: { beforeCommit?: () => Promise<void> },
): Promise<SavedModel> {
  await sweepTemporaryFiles(directory);
  const previousShards = await referencedShards(path.join(directory, MODEL_JSON));

  model.setUserDefinedMetadata({ [METADATA_KEY]: metadata as unknown as {} });
  let files: string[] = [];
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.concatenateArrayBuffers(
        artifacts.weightData === undefined ? [] : ([] as ArrayBuffer[]).concat(artifacts.weightData),
      );
      const weights = Buffer.from(weightData);
      const shardName = `weights-${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [shardName], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      const json = Buffer.from(JSON.stringify(modelJson));
      await writeFileAtomic(path.join(directory, shardName), weights);
      // Until the rename below, model.json still names the old shards, which are intact.
      await hooks.beforeCommit?.();
      await writeFileAtomic(path.join(directory, MODEL_JSON), json);
      await syncDirectory(directory);
      files = [MODEL_JSON, shardName];
      bytes = weights.length + json.length;
      // Old shards, and shards of earlier saves that crashed before their commit.
      const orphans = (await fs.readdir(directory)).filter((name) => SHARD_NAME.test(name));
      for (const stale of new Set([...previousShards, ...orphans])) {
        if (stale !== shardName) await fs.rm(path.join(directory, stale), { force: true });
      }
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return { directory: path.resolve(directory), files, bytes };
}

/** The model file `location` names: itself, its model.json, or the only model file in it. */
async function resolveModelFile(location: string): Promise<string> {
  const absolute = path.resolve(location);
  let stat;
  try {
    stat = await fs.stat(absolute);
  } catch {
    throw new GradcamError(
      `model "${location}" not found: pass a model file (model.json, .h5, .keras) or a directory holding one (train one with \`gradcam train -o ${location}\`)`,
    );
  }
  if (!stat.isDirectory()) return readable(absolute, location);
  const modelJson = path.join(absolute, MODEL_JSON);
  if (await isReadable(modelJson)) return modelJson;
  const candidates = await modelFilesIn(absolute);
  if (candidates.length === 1) return readable(path.join(absolute, candidates[0]!), location);
  if (candidates.length > 1) {
    throw new GradcamError(`model directory "${location}" holds several model files (${candidates.join(', ')}); pass one of them as --model`);
  }
  throw new GradcamError(
    `model directory "${location}" has no readable ${MODEL_JSON} or other model file (.json layers model, .h5, .keras); is it a TensorFlow.js layers or Keras model?`,
  );
}

/** Model files in a directory: Keras files by extension, JSON files that hold a "modelTopology". */
async function modelFilesIn(directory: string): Promise<string[]> {
  const names = (await fs.readdir(directory)).filter(isModelFileName).sort();
  const found: string[] = [];
  for (const name of names) {
    if (!name.toLowerCase().endsWith('.json') || (await hasModelTopology(path.join(directory, name)))) found.push(name);
  }
  return found;
}

async function hasModelTopology(file: string): Promise<boolean> {
  try {
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { modelTopology?: unknown } | null;
    return typeof json === 'object' && json !== null && json.modelTopology != null;
  } catch {
    return false;
  }
}

async function isReadable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

async function readable(file: string, location: string): Promise<string> {
  if (!(await isReadable(file))) throw new GradcamError(`model file "${location}" is not readable; check its permissions`);
  return file;
}

/** Shard file names the model.json at this path references; empty when there is none or it is unreadable. */
async function referencedShards(modelJsonPath: string): Promise<string[]> {
  try {
    const json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as Partial<tf.io.ModelJSON>;
    // Only plain file names next to model.json: never delete outside the directory.
    return (json.weightsManifest ?? []).flatMap((group) => group.paths).filter((p) => p === path.basename(p));
  } catch {
    return [];
  }
}

function isModelMetadata(value: unknown): value is ModelMetadata {
  const v = value as Partial<ModelMetadata> | undefined;
  return (
    typeof v === 'object' && v !== null && typeof v.input === 'object' && v.input !== null && Array.isArray(v.classNames)
  );
}
