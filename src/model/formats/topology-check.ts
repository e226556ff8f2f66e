/**
 * Checks a layers model's topology (the Keras config tfjs-layers builds
 * from) before tfjs-layers sees it. tfjs-layers trusts the config: a node
 * naming a layer by something other than a string makes its graph walk loop
 * forever, and a stride or pool size of 0 or −1 never finishes a pass (found
 * by test/fuzz.test.ts, issue 12). Refusing those in one line is cheap;
 * everything else the builder reports itself ("cannot build the model").
 */
import { GradcamError } from '../../errors.js';

/** Layer config fields that must hold positive integers (or arrays of them) when present. */
const POSITIVE_INTEGER_FIELDS = ['filters', 'units', 'kernel_size', 'strides', 'pool_size', 'dilation_rate', 'depth_multiplier', 'size'] as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIndex(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 0;
}

/**
 * @param topology `modelTopology` of a model.json, or a Keras config
 *   (`{class_name, config}`), possibly nesting models as layers.
 * @param source the file, for messages.
 * @throws GradcamError naming the layer and field at fault.
 */
export function checkLayersTopology(topology: unknown, source: string): void {
  const root = isObject(topology) && isObject(topology['model_config']) ? topology['model_config'] : topology;
  checkModel(root, source, 'the model');
}

function fail(source: string, what: string): never {
  throw new GradcamError(`${source}: cannot build the model: ${what}`);
}

function checkModel(model: unknown, source: string, where: string): void {
  if (!isObject(model) || !isObject(model['config']) && !Array.isArray(model['config'])) fail(source, `${where} has no "config"`);
  const config = model['config'];
  // Sequential configs of old Keras versions are the layer list itself.
  const layers = Array.isArray(config) ? config : (config as Json)['layers'];
  if (!Array.isArray(layers)) fail(source, `${where} has no "layers" list`);
  /** Nodes each layer has (the calls of it; an input layer has one): what a reference's node index may be below. */
  const names = new Map<string, number>();
  const functional = model['class_name'] !== 'Sequential' && !Array.isArray(config);
  for (const [i, layer] of layers.entries()) {
    if (!isObject(layer) || typeof layer['class_name'] !== 'string') fail(source, `layer ${i} of ${where} has no "class_name"`);
    const layerConfig = layer['config'];
    if (!isObject(layerConfig)) fail(source, `layer ${i} (${layer['class_name']}) of ${where} has no "config"`);
    // Functional configs name a layer at its top (what inbound nodes refer to), Sequential ones in its config.
    const name = functional ? layer['name'] : layerConfig['name'];
    if (typeof name !== 'string' || name === '') fail(source, `layer ${i} (${layer['class_name']}) of ${where} has no name`);
    if (names.has(name)) fail(source, `two layers of ${where} are named "${name}"`);
    // A nested model has one node more than its calls: the one Keras made when it was built on its own Input.
    const calls = layer['inbound_nodes'];
    const nested = ['Sequential', 'Functional', 'Model'].includes(layer['class_name']) ? 1 : 0;
    names.set(name, Math.max(1, (Array.isArray(calls) ? calls.length : 0) + nested));
    const shown = `layer "${name}" (${layer['class_name']})`;
    for (const field of POSITIVE_INTEGER_FIELDS) {
      const value = layerConfig[field];
      if (value === undefined || value === null) continue;
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || !values.every((v) => Number.isInteger(v) && (v as number) > 0)) {
        fail(source, `${shown} has ${field} ${JSON.stringify(value)}; it must be a positive integer${Array.isArray(value) ? ' for each axis' : ''}`);
      }
    }
    if (['Sequential', 'Functional', 'Model'].includes(layer['class_name'])) checkModel(layer, source, shown);
  }
  if (Array.isArray(config)) return;
  const cfg = config as Json;
  // Functional graphs: every reference is [layer name, node index, tensor index, kwargs?] naming a layer of this model.
  const checkReference = (reference: unknown, what: string) => {
    if (!Array.isArray(reference) || typeof reference[0] !== 'string' || !isIndex(reference[1]) || !isIndex(reference[2])) {
      fail(source, `${what} of ${where} is ${JSON.stringify(reference)?.slice(0, 60)}, not [layer name, node index, tensor index]`);
    }
    const nodes = names.get(reference[0]);
    if (nodes === undefined) fail(source, `${what} of ${where} names layer "${reference[0]}", which the model does not have`);
    if (reference[1] >= nodes) fail(source, `${what} of ${where} is node ${reference[1]} of layer "${reference[0]}", which has ${nodes}`);
  };
  for (const [i, layer] of layers.entries()) {
    const nodes = (layer as Json)['inbound_nodes'];
    if (nodes === undefined) continue;
    if (!Array.isArray(nodes)) fail(source, `the inbound_nodes of layer ${i} of ${where} are not a list`);
    for (const node of nodes) {
      if (!Array.isArray(node) || node.length === 0) fail(source, `an inbound node of layer ${i} of ${where} is not a list of inputs`);
      for (const reference of node) checkReference(reference, `an input of layer ${i}`);
    }
  }
  for (const key of ['input_layers', 'output_layers'] as const) {
    const references = cfg[key];
    if (references === undefined) continue;
    if (!Array.isArray(references)) fail(source, `the ${key} of ${where} are not a list`);
    // Keras writes a single input or output as one reference rather than a list of them.
    const list = references.length > 0 && typeof references[0] === 'string' ? [references] : references;
    for (const reference of list) checkReference(reference, `one of the ${key}`);
  }
}
