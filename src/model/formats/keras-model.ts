/**
 * Builds a tfjs-layers model from a Keras config and sets its weights from a
 * Keras file, whichever way the file stores them (keras-h5.ts, keras-zip.ts).
 */
import * as fs from 'node:fs/promises';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import { checkLayersTopology } from './topology-check.js';
import { firstLine, GradcamError } from '../../errors.js';
import type { StoredWeight } from './hdf5.js';
import { assertSupportedLayers, normaliseKerasConfig } from './keras-config.js';

/**
 * The weights a Keras file stores for one layer that owns weights, addressed
 * by its path of layer names from the outer model in (`["conv2d"]`, or
 * `["mobilenet", "conv1"]` inside a nested model); undefined when it stores none.
 */
export type KerasWeightSource = (layerPath: readonly string[]) => StoredWeight[] | undefined;

/**
 * The model a Keras config describes, with the weights `weightsOf` gives each
 * layer, in the order tfjs expects (`layer.weights`): matched by name (kernel,
 * bias, gamma, ...) when the file names them, else by position, which is the
 * order Keras writes (trainable, then non-trainable).
 * @param file the Keras file, for messages.
 * @returns a new model; the caller disposes it.
 */
export async function buildKerasModel(config: unknown, file: string, weightsOf: KerasWeightSource): Promise<tfl.LayersModel> {
  let topology;
  try {
    topology = normaliseKerasConfig(config);
  } catch (error) {
    if (error instanceof GradcamError) throw new GradcamError(`${file}: ${error.message}`, error.exitCode, { cause: error });
    throw error;
  }
  assertSupportedLayers(topology, file);
  checkLayersTopology(topology, file);
  let model: tfl.LayersModel;
  try {
    model = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] } as tf.io.ModelJSON);
  } catch (cause) {
    throw new GradcamError(`${file}: cannot build the model: ${firstLine(cause)}`, 1, { cause });
  }
  try {
    for (const { path, layer } of layersWithWeights(model.layers, [])) {
      const name = path.join('/');
      const stored = weightsOf(path);
      if (stored === undefined) throw new GradcamError(`${file}: no weights stored for layer "${name}"; is the file a whole model (model.save)?`);
      const values = inTfjsOrder(layer, stored, name, file);
      const tensors = values.map((w) => tf.tensor(w.values, w.shape, 'float32'));
      try {
        layer.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Layers that own weights, with their paths, looking inside nested models. */
function* layersWithWeights(layers: readonly tfl.layers.Layer[], prefix: readonly string[]): Generator<{ path: string[]; layer: tfl.layers.Layer }> {
  for (const layer of layers) {
    if (layer instanceof tfl.LayersModel) yield* layersWithWeights(layer.layers, [...prefix, layer.name]);
    else if (layer.weights.length > 0) yield { path: [...prefix, layer.name], layer };
  }
}

/** `stored` reordered to `layer.weights`, checking count and shapes. */
function inTfjsOrder(layer: tfl.layers.Layer, stored: StoredWeight[], layerName: string, file: string): StoredWeight[] {
  const expected = layer.weights;
  if (stored.length !== expected.length) {
    throw new GradcamError(`${file}: layer "${layerName}" expected ${expected.length} weight${expected.length === 1 ? '' : 's'}, received ${stored.length}`);
  }
  const storedByName = new Map(stored.map((w) => [shortName(w.name), w]));
  const byName = storedByName.size === stored.length && expected.every((w) => storedByName.has(shortName(w.originalName)));
  return expected.map((variable, i) => {
    const weight = byName ? storedByName.get(shortName(variable.originalName))! : stored[i]!;
    const shape = variable.shape as number[];
    if (weight.shape.length !== shape.length || weight.shape.some((d, k) => d !== shape[k])) {
      throw new GradcamError(
        `${file}: weight "${layerName}/${shortName(variable.originalName)}" expected shape [${shape.join(', ')}], received [${weight.shape.join(', ')}]`,
      );
    }
    return weight;
  });
}

/** "conv2d/kernel:0" → "kernel". */
function shortName(name: string): string {
  return (name.split('/').at(-1) ?? name).replace(/:\d+$/, '');
}

/** Reads a whole file as bytes, with the path in the message on failure. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (cause) {
    throw new GradcamError(`${file}: cannot read the file (${firstLine(cause)})`, 1, { cause });
  }
}

/** JSON.parse with the file and what was parsed in the message. */
export function parseJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GradcamError(`${file}: ${what} is not valid JSON (${firstLine(cause)})`, 1, { cause });
  }
}
