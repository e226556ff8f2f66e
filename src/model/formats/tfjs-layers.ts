/**
 * TensorFlow.js layers models: a model JSON (`model.json` or any other name)
 * plus the weight shards its manifest names (any number, any file names, as
 * written by tfjs-node's `file://` handler, `tensorflowjs_converter` or
 * gradcam's own `saveModel`). Pure tfjs has no `file://` handler, hence this one.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import { firstLine, GradcamError } from '../../errors.js';
import type { ModelFormat, ReadModel } from './model-format.js';
import { checkLayersTopology } from './topology-check.js';

export const tfjsLayersFormat: ModelFormat = {
  description: 'TensorFlow.js layers model (JSON + weight shards)',
  extensions: ['.json'],
  read: readTfjsLayersModel,
};

async function readTfjsLayersModel(modelJsonPath: string): Promise<ReadModel> {
  const modelJson = await readModelJson(modelJsonPath);
  checkLayersTopology(modelJson.modelTopology, modelJsonPath);
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
  const userDefinedMetadata = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  return userDefinedMetadata === undefined ? { model } : { model, userDefinedMetadata };
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
  for (const [i, group] of (json.weightsManifest as unknown[]).entries()) {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p !== '') || !Array.isArray(weights)) {
      throw new GradcamError(`${modelJsonPath}: weightsManifest[${i}] needs "paths" (weight file names) and "weights" (a list)`);
    }
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
