import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from '../errors.js';
import { evaluateGraph, inputFeeds } from './layer-graph.js';
import type { ScoreKind } from './score-kinds.js';

/** The part of the model after the explained layer. */
export interface ModelHead {
  /**
   * Logits and probabilities, [N, K] float32 each, from the explained layer's
   * activation. The images are there for branches that bypass the layer
   * (constants for the gradient). Call inside tidy.
   */
  (activation: tf.Tensor4D, images: tf.Tensor4D): { logits: tf.Tensor2D; probabilities: tf.Tensor2D };
  /** False when the model does not end in a softmax: its output serves as logits and probabilities alike. */
  readonly softmax: boolean;
}

/**
 * The part of the model after the explained layer, returning logits and
 * probabilities. For a model ending in a softmax (an Activation/Softmax layer,
 * or a Dense layer with softmax activation) the logits are the softmax's
 * input; otherwise the output itself serves as both.
 */
export function buildHead(model: tfl.LayersModel, layerOutput: tfl.SymbolicTensor, score: ScoreKind): ModelHead {
  if (model.outputs.length !== 1) {
    throw new GradcamError(`model "${model.name}" has ${model.outputs.length} outputs; gradcam explains single-output classifiers`);
  }
  const output = model.outputs[0]!;
  const outputLayer = output.sourceLayer;
  const className = outputLayer.getClassName();
  const activation = (outputLayer.getConfig() as { activation?: unknown }).activation;
  const feedsFor = (a: tf.Tensor4D, images: tf.Tensor4D) => inputFeeds(model, [images]).set(layerOutput.id, a);

  if ((className === 'Activation' && activation === 'softmax') || className === 'Softmax') {
    const preSoftmax = outputLayer.inboundNodes[output.nodeIndex]!.inputTensors[0]!;
    return withSoftmax(true, (a, images) => {
      const [logits, probabilities] = evaluateGraph([preSoftmax, output], feedsFor(a, images));
      return { logits: logits as tf.Tensor2D, probabilities: probabilities as tf.Tensor2D };
    });
  }
  if (activation === 'softmax') {
    const denseInput = outputLayer.inboundNodes[output.nodeIndex]!.inputTensors[0]!;
    if (className !== 'Dense' || denseInput.rank !== 2) {
      if (score === 'logit') {
        throw new GradcamError(
          `cannot take logits from output layer "${outputLayer.name}" (${className} with softmax); use --score prob`,
        );
      }
      // log p equals the logits up to a per-image constant, which the softmax ignores.
      return withSoftmax(true, (a, images) => {
        const probabilities = evaluateGraph([output], feedsFor(a, images))[0] as tf.Tensor2D;
        return { logits: tf.log(probabilities), probabilities };
      });
    }
    // Dense(softmax): logits = x·W + b, the exact input of its softmax.
    return withSoftmax(true, (a, images) => {
      const [kernel, bias] = outputLayer.getWeights();
      const x = evaluateGraph([denseInput], feedsFor(a, images))[0] as tf.Tensor2D;
      let logits: tf.Tensor2D = tf.matMul(x, kernel as tf.Tensor2D);
      if (bias !== undefined) logits = tf.add(logits, bias);
      return { logits, probabilities: tf.softmax(logits) };
    });
  }
  return withSoftmax(false, (a, images) => {
    const out = evaluateGraph([output], feedsFor(a, images))[0] as tf.Tensor2D;
    return { logits: out, probabilities: out };
  });
}

function withSoftmax(softmax: boolean, head: (activation: tf.Tensor4D, images: tf.Tensor4D) => ReturnType<ModelHead>): ModelHead {
  return Object.assign(head, { softmax });
}
