/**
 * Keras model configs (the `model_config` of an .h5 file, the config.json of a
 * .keras archive) as tfjs-layers' `modelFromJSON` reads them. tfjs-layers
 * already reads Keras 2 JSON; Keras 3 writes a few things differently
 * (issue 9), which {@link normaliseKerasConfig} rewrites in the Keras 2 form.
 */
import tf = require('@tensorflow/tfjs-core');
import { GradcamError } from '../../errors.js';

/** A Keras object as serialised: `{class_name, config}`, maybe with Keras 3 extras. */
export interface KerasObject {
  class_name: string;
  config: Record<string, unknown>;
  [key: string]: unknown;
}

/** Keras 3 serialisation fields that Keras 2 (and tfjs-layers) do not have. */
const KERAS3_ONLY_FIELDS = ['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id'] as const;

/** Keras' dtype policies (Keras 3 `DTypePolicy`, Keras 2 mixed precision `Policy`): tfjs computes in float32. */
const DTYPE_POLICIES = new Set(['DTypePolicy', 'FloatDTypePolicy', 'Policy']);

/** Dtypes a tfjs layer can be declared with; other policies (mixed_float16, bfloat16) compute in float32 here. */
const TFJS_DTYPES = new Set(['float32', 'int32', 'bool']);

/** Container classes whose config lists layers, besides the layers tfjs registers. */
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/**
 * Rewrites a Keras 2 or Keras 3 model config in the Keras 2 form tfjs-layers
 * reads: drops `module`, `registered_name`, `build_config`, `compile_config`;
 * replaces dtype policy objects by their dtype name; renames InputLayer's
 * `batch_shape` to `batch_input_shape`; turns Keras 3 functional
 * `inbound_nodes` (`{args, kwargs}` holding `__keras_tensor__`s with a
 * `keras_history`) into Keras 2 node lists `[[layer, node, tensor, kwargs], ...]`;
 * wraps a single `input_layers`/`output_layers` triple in a list; counts a
 * nested model's own node in Keras 3 node references; gives a Sequential's
 * `build_input_shape` to its first layer; drops the stale input shapes of
 * inner layers. Does not modify its argument.
 */
export function normaliseKerasConfig(config: unknown): KerasObject {
  const normalised = normaliseValue(config);
  if (!isKerasObject(normalised)) {
    throw new GradcamError('the Keras model config has no "class_name" and "config"');
  }
  return normalised;
}

function normaliseValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseValue);
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  if (isKerasObject(source) && DTYPE_POLICIES.has(source.class_name)) {
    const name = source.config.name;
    return typeof name === 'string' && TFJS_DTYPES.has(name) ? name : 'float32';
  }
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(source)) {
    if (isKerasObject(source) && (KERAS3_ONLY_FIELDS as readonly string[]).includes(key)) continue;
    out[key] = key === 'inbound_nodes' && Array.isArray(entry) ? entry.map(legacyNode) : normaliseValue(entry);
  }
  if (isKerasObject(out)) {
    if (out.class_name === 'InputLayer' && 'batch_shape' in out.config) {
      const { batch_shape: batchShape, ...rest } = out.config;
      out.config = { ...rest, batch_input_shape: batchShape };
    }
    for (const key of ['input_layers', 'output_layers']) {
      const ends = out.config[key];
      if (Array.isArray(ends) && typeof ends[0] === 'string') out.config[key] = [ends];
    }
    if (out.class_name === 'Sequential') giveFirstLayerInputShape(out.config);
    if (Array.isArray(out.config.layers)) dropInnerInputShapes(out.class_name, out.config.layers);
    if (isKerasObject(source) && usesKeras3Nodes(source.config.layers)) countBuiltInNodes(out.config);
  }
  return out;
}

/**
 * A Sequential saved without an InputLayer records its input shape only as
 * `build_input_shape`; tfjs-layers needs it on the first layer.
 */
function giveFirstLayerInputShape(config: Record<string, unknown>): void {
  const [first] = Array.isArray(config.layers) ? config.layers : [];
  const shape = config.build_input_shape;
  if (!isKerasObject(first) || first.class_name === 'InputLayer' || !Array.isArray(shape)) return;
  if (first.config.batch_input_shape === undefined && first.config.input_shape === undefined) first.config.batch_input_shape = shape;
}

/**
 * Keras ignores an input shape on any layer but an InputLayer or a
 * Sequential's first layer (models carry stale ones, e.g. a Dense declaring
 * [null, 784] after a Flatten giving 144); tfjs-layers warns on the console
 * about them, so they are dropped.
 */
function dropInnerInputShapes(modelClass: string, layers: unknown[]): void {
  layers.forEach((layer, i) => {
    if (!isKerasObject(layer) || layer.class_name === 'InputLayer' || (modelClass === 'Sequential' && i === 0)) return;
    delete layer.config.batch_input_shape;
    delete layer.config.input_shape;
  });
}

function usesKeras3Nodes(layers: unknown): boolean {
  return Array.isArray(layers) && layers.some((layer) => {
    const nodes = (layer as { inbound_nodes?: unknown } | null)?.inbound_nodes;
    return Array.isArray(nodes) && nodes.some((node) => node !== null && typeof node === 'object' && !Array.isArray(node));
  });
}

/**
 * A nested model starts with a node of its own in tfjs-layers (and Keras 2),
 * so its first call is node 1 there; Keras 3 numbers only the nodes of the
 * outer model (functional.py, serialize_node), so its first call is node 0.
 * Shifts references to nested models in a Keras 3 functional config by one.
 */
function countBuiltInNodes(config: Record<string, unknown>): void {
  const layers = Array.isArray(config.layers) ? (config.layers as Record<string, unknown>[]) : [];
  const models = new Set(layers.filter((l) => isKerasObject(l) && MODEL_CLASSES.has(l.class_name)).map((l) => l.name));
  const shift = (ref: unknown) => {
    if (Array.isArray(ref) && models.has(ref[0]) && typeof ref[1] === 'number') ref[1] += 1;
  };
  for (const layer of layers) {
    for (const node of Array.isArray(layer.inbound_nodes) ? layer.inbound_nodes : []) if (Array.isArray(node)) node.forEach(shift);
  }
  if (Array.isArray(config.output_layers)) config.output_layers.forEach(shift);
}

/** A Keras 3 node `{args, kwargs}` as the Keras 2 list of inbound tensors; Keras 2 nodes pass through. */
function legacyNode(node: unknown): unknown {
  if (Array.isArray(node) || node === null || typeof node !== 'object') return normaliseValue(node);
  const { args = [], kwargs = {} } = node as { args?: unknown; kwargs?: unknown };
  const callKwargs = normaliseValue(kwargs);
  return kerasTensors(args).map(([layer, nodeIndex, tensorIndex]) => [layer, nodeIndex, tensorIndex, callKwargs]);
}

/** The `keras_history` of every `__keras_tensor__` inside a node's args, in order (lists and `__tuple__`s flattened). */
function kerasTensors(value: unknown): [string, number, number][] {
  if (Array.isArray(value)) return value.flatMap(kerasTensors);
  if (!isKerasObject(value)) return [];
  if (value.class_name === '__keras_tensor__') {
    const history = value.config.keras_history;
    return Array.isArray(history) ? [history.slice(0, 3) as [string, number, number]] : [];
  }
  if (value.class_name === '__tuple__') return kerasTensors(value.config.value);
  return [];
}

/**
 * Refuses, in one line, a config using a layer class tfjs-layers does not
 * have, naming the class and the converter that may help.
 * @param file the model file, for the message.
 */
export function assertSupportedLayers(config: KerasObject, file: string): void {
  const known = tf.serialization.SerializationMap.getMap().classNameMap;
  for (const className of layerClassNames(config)) {
    if (!MODEL_CLASSES.has(className) && !(className in known)) {
      throw new GradcamError(
        `${file}: layer class "${className}" is not supported by TensorFlow.js layers; if the converter supports it, try tensorflowjs_converter --input_format keras ${file} out/ and pass --model out/`,
      );
    }
  }
}

/** Class names of the model and of every layer in it, nested models included. */
function layerClassNames(object: KerasObject): string[] {
  const layers = object.config.layers;
  const inner = Array.isArray(layers) ? layers.filter(isKerasObject).flatMap(layerClassNames) : [];
  return [object.class_name, ...inner];
}

function isKerasObject(value: unknown): value is KerasObject {
  const v = value as Partial<KerasObject> | null;
  return typeof v === 'object' && v !== null && typeof v.class_name === 'string' && typeof v.config === 'object' && v.config !== null && !Array.isArray(v.config);
}
