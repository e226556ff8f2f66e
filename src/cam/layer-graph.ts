import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from '../errors.js';

type Layer = tfl.LayersModel['layers'][number];

/** Concrete values for symbolic tensors of a model's graph, keyed by SymbolicTensor id. */
export type Feeds = Map<number, tf.Tensor>;

/** A layer whose output can be explained: it has one output of rank 4 (NHWC feature maps). */
export interface SpatialLayer {
  name: string;
  className: string;
  /** [H, W, C] of the layer's output. */
  outputShape: [number, number, number];
}

/**
 * Evaluates symbolic tensors of a layers model on concrete tensors, starting
 * from any tensors given in `feeds` (model inputs, or an intermediate layer's
 * output). Only the layers needed for `targets` run, each with
 * `training: false`. Works for functional models and Sequential ones alike
 * (both keep their graph in `layer.inboundNodes`), which is what the Keras
 * tutorial's Grad-CAM code cannot do for Sequential models.
 *
 * Call inside `tf.tidy` (or dispose the results): the returned tensors and
 * intermediates belong to the caller's scope.
 */
export function evaluateGraph(targets: tfl.SymbolicTensor[], feeds: Feeds): tf.Tensor[] {
  const values = new Map(feeds);
  const evaluate = (symbolic: tfl.SymbolicTensor): tf.Tensor => {
    const known = values.get(symbolic.id);
    if (known !== undefined) return known;
    const layer = symbolic.sourceLayer;
    const node = layer.inboundNodes[symbolic.nodeIndex];
    if (node === undefined || node.inputTensors.length === 0) {
      throw new GradcamError(`cannot evaluate the model graph: no value for input "${symbolic.name}"`);
    }
    const inputs = node.inputTensors.map(evaluate);
    const output = layer.apply(inputs.length === 1 ? inputs[0]! : inputs, { ...node.callArgs, training: false });
    const outputs = (Array.isArray(output) ? output : [output]) as tf.Tensor[];
    node.outputTensors.forEach((out, i) => {
      const value = outputs[i];
      if (value !== undefined) values.set(out.id, value);
    });
    const result = values.get(symbolic.id);
    if (result === undefined) throw new GradcamError(`layer "${layer.name}" produced no value for "${symbolic.name}"`);
    return result;
  };
  return targets.map(evaluate);
}

/** Feeds that bind a model's inputs to concrete tensors. */
export function inputFeeds(model: tfl.LayersModel, inputs: tf.Tensor[]): Feeds {
  if (inputs.length !== model.inputs.length) {
    throw new GradcamError(`model "${model.name}" takes ${model.inputs.length} inputs, got ${inputs.length}`);
  }
  return new Map(model.inputs.map((symbolic, i) => [symbolic.id, inputs[i]!]));
}

/** Layers of the model with a single rank-4 output, in graph order: the layers Grad-CAM can explain. */
export function spatialLayers(model: tfl.LayersModel): SpatialLayer[] {
  return model.layers.flatMap((layer) => {
    if (layer.inboundNodes.length !== 1 || layer.getClassName() === 'InputLayer') return [];
    const shape = layer.outputShape;
    if (!Array.isArray(shape) || shape.length !== 4 || Array.isArray(shape[0])) return [];
    const [, h, w, c] = shape as (number | null)[];
    if (h == null || w == null || c == null) return [];
    return [{ name: layer.name, className: layer.getClassName(), outputShape: [h, w, c] as [number, number, number] }];
  });
}

/** Whether a layer is a convolution (Conv2D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose...). */
export function isConvolution(layer: SpatialLayer): boolean {
  return /Conv/.test(layer.className);
}

/** Layers that keep the shape and act value by value (or per channel): the rectified map after a linear conv is one of them. */
const FOLLOWING_LAYERS = new Set(['BatchNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU']);

/**
 * From a convolution with a linear activation, the last layer of its chain of
 * single consumers that are BatchNormalization or activations: the rectified
 * feature map users mean (issue 9: a linear Conv2D → BatchNorm → ReLU left
 * 27 of 200 maps all zero when the raw conv was explained). A conv with its
 * own non-linear activation is itself the answer.
 */
function rectifiedOutput(model: tfl.LayersModel, convName: string, spatial: ReadonlySet<string>): string {
  let layer = model.getLayer(convName);
  if ((layer.getConfig() as { activation?: unknown }).activation !== 'linear') return convName;
  for (;;) {
    const consumers = layer.outboundNodes.map((node) => node.outboundLayer).filter((next) => next !== undefined);
    const next = consumers.length === 1 ? consumers[0]! : undefined;
    if (next === undefined || !FOLLOWING_LAYERS.has(next.getClassName()) || !spatial.has(next.name)) return layer.name;
    layer = next;
  }
}

/**
 * The layer to explain: `requested` by name, else the last convolutional layer
 * (Grad-CAM paper, Selvaraju et al. 2017, §3: the last conv layer balances
 * high-level semantics and spatial detail) whose map is larger than 1×1 (a
 * 1×1 map makes every heatmap uniform), taken after its BatchNormalization
 * and activation when the conv itself is linear.
 */
export function findExplainableLayer(model: tfl.LayersModel, requested?: string): Layer {
  const candidates = spatialLayers(model);
  const convolutions = candidates.filter(isConvolution);
  const listed = (convolutions.length > 0 ? convolutions : candidates).map((l) => l.name).join(', ') || 'none';
  if (requested === undefined) {
    const larger = convolutions.filter((l) => l.outputShape[0] * l.outputShape[1] > 1);
    const conv = larger.at(-1) ?? convolutions.at(-1);
    if (conv !== undefined) return model.getLayer(rectifiedOutput(model, conv.name, new Set(candidates.map((l) => l.name))));
    const last = candidates.at(-1);
    if (last === undefined) throw new GradcamError(`model "${model.name}" has no layer with 2-D feature maps to explain`);
    return model.getLayer(last.name);
  }
  if (!candidates.some((l) => l.name === requested)) {
    const exists = model.layers.some((l) => l.name === requested);
    throw new GradcamError(
      exists
        ? `layer "${requested}" has no 2-D feature maps to explain; convolutional layers in this model: ${listed}`
        : `unknown layer "${requested}"; convolutional layers in this model: ${listed}`,
    );
  }
  return model.getLayer(requested);
}
