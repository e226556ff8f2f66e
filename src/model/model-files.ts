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
import { inputSpecFor, type InputSpec } from './input-spec.js';
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
  /** Absolute path of the model.json that was read. */
  modelJsonPath: string;
  /** True when the model carried gradcam metadata (trained by this tool). */
  hasGradcamMetadata: boolean;
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  directory: string;
  files: string[];
  bytes: number;
}

/**
 * Reads a TensorFlow.js layers model from disk: `model.json` plus the weight
 * shards its manifest names (any number of shards, any file names, as written
 * by tfjs-node's `file://` handler, `tensorflowjs_converter` or {@link saveModel}).
 * Sequential and functional topologies both load. Pure tfjs has no `file://`
 * handler, hence this one.
 *
 * @param location a directory holding model.json, or the model.json path itself.
 */
export async function loadModel(location: string): Promise<LoadedModel> {
  const modelJsonPath = await resolveModelJson(location);
  const modelJson = await readModelJson(modelJsonPath);
  const baseDir = path.dirname(modelJsonPath);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    const specs: tf.io.WeightsManifestEntry[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const shard of group.paths) {
        buffers.push(await readShard(path.resolve(baseDir, shard), modelJsonPath));
      }
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });

  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel({ load: async () => artifacts });
  } catch (cause) {
    throw new GradcamError(`${modelJsonPath}: cannot build the model: ${firstLine(cause)}`, 1, { cause });
  }
  const stored = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[METADATA_KEY];
  const metadata = isModelMetadata(stored) ? stored : defaultMetadataFor(model);
  let inputSpec: InputSpec;
  try {
    inputSpec = inputSpecFor(model.inputs[0]?.shape ?? [], metadata);
  } catch (error) {
    model.dispose();
    if (error instanceof GradcamError) throw new GradcamError(`${modelJsonPath}: ${error.message}`, error.exitCode, { cause: error });
    throw error;
  }
  return { model, metadata, inputSpec, modelJsonPath, hasGradcamMetadata: isModelMetadata(stored) };
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

async function resolveModelJson(location: string): Promise<string> {
  const absolute = path.resolve(location);
  let stat;
  try {
    stat = await fs.stat(absolute);
  } catch {
    throw new GradcamError(
      `model "${location}" not found: pass a directory holding ${MODEL_JSON} (train one with \`gradcam train -o ${location}\`)`,
    );
  }
  const candidate = stat.isDirectory() ? path.join(absolute, MODEL_JSON) : absolute;
  try {
    await fs.access(candidate, fsConstants.R_OK);
  } catch {
    throw new GradcamError(`model directory "${location}" has no readable ${MODEL_JSON}; is it a TensorFlow.js layers model?`);
  }
  return candidate;
}

async function readModelJson(modelJsonPath: string): Promise<tf.io.ModelJSON> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(modelJsonPath, 'utf8'));
  } catch (cause) {
    throw new GradcamError(`${modelJsonPath}: not valid JSON (${firstLine(cause)})`, 1, { cause });
  }
  const json = parsed as Partial<tf.io.ModelJSON> | null;
  if (json === null || typeof json !== 'object' || json.modelTopology == null) {
    throw new GradcamError(`${modelJsonPath}: no "modelTopology"; not a TensorFlow.js model.json`);
  }
  if (json.format === 'graph-model') {
    throw new GradcamError(
      `${modelJsonPath}: is a graph model; gradcam needs a layers model (convert Keras models with tensorflowjs_converter --output_format tfjs_layers_model)`,
    );
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new GradcamError(`${modelJsonPath}: no "weightsManifest"; the model has no weights`);
  }
  return json as tf.io.ModelJSON;
}

async function readShard(shardPath: string, modelJsonPath: string): Promise<ArrayBuffer> {
  try {
    const bytes = await fs.readFile(shardPath);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  } catch (cause) {
    throw new GradcamError(`${modelJsonPath}: weight file "${path.basename(shardPath)}" is missing or unreadable`, 1, { cause });
  }
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
