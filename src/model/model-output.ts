/**
 * Multi-output models (issue 9: detectors and multi-task nets with 7 or 8
 * outputs, the last the class probabilities): gradcam explains one output,
 * chosen here once, so every later step sees a single-output classifier.
 */
import tfl = require('@tensorflow/tfjs-layers');
import { usageError } from '../errors.js';

/** Which output was used, of how many, and why. */
export interface ChosenOutput {
  index: number;
  name: string;
  of: number;
  reason: 'only output' | 'asked for' | 'last softmax classifier' | 'last output';
}

/** Whether an output is a classifier's probabilities: [batch, K ≥ 2] made by a softmax. */
function isSoftmaxClassifier(output: tfl.SymbolicTensor): boolean {
  const shape = output.shape;
  if (shape.length !== 2 || !(typeof shape[1] === 'number' && shape[1] >= 2)) return false;
  const layer = output.sourceLayer;
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  return activation === 'softmax' || layer.getClassName() === 'Softmax';
}

/**
 * The model restricted to one output: `requested` (an index, or an output
 * layer's name), else the last softmax classifier, else the last output. A
 * single-output model comes back as it is. The restricted model shares the
 * layers and weights (tfl.model over the same graph).
 *
 * @throws GradcamError (usage) for an output that does not exist, listing them.
 */
export function chooseOutput(model: tfl.LayersModel, requested?: number | string): { model: tfl.LayersModel; output: ChosenOutput } {
  const outputs = model.outputs;
  const names = outputs.map((output) => output.sourceLayer.name);
  const listed = names.map((name, i) => `${i}: ${name} [${outputs[i]!.shape.map((d) => d ?? '?').join(', ')}]`).join('; ');
  let index: number;
  let reason: ChosenOutput['reason'];
  if (requested !== undefined) {
    index = typeof requested === 'number' ? requested : names.indexOf(requested);
    if (!(Number.isInteger(index) && index >= 0 && index < outputs.length)) {
      throw usageError(`--model-output ${requested}: the model has ${outputs.length} output${outputs.length === 1 ? '' : 's'} (${listed})`);
    }
    reason = 'asked for';
  } else if (outputs.length === 1) {
    index = 0;
    reason = 'only output';
  } else {
    const softmax = outputs.map(isSoftmaxClassifier).lastIndexOf(true);
    index = softmax >= 0 ? softmax : outputs.length - 1;
    reason = softmax >= 0 ? 'last softmax classifier' : 'last output';
  }
  const output: ChosenOutput = { index, name: names[index]!, of: outputs.length, reason };
  if (outputs.length === 1) return { model, output };
  const restricted = tfl.model({ inputs: model.inputs, outputs: outputs[index]!, name: model.name });
  // The other heads' weights are never used: free them now, since disposing `restricted` later only reaches its own layers.
  const kept = new Set(restricted.layers);
  for (const layer of model.layers) if (!kept.has(layer)) layer.dispose();
  return { model: restricted, output };
}
