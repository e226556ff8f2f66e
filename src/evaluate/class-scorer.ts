import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ClassScorer } from './metric.js';

/** Inputs per forward pass of the metrics: measured as fast as 256 and 2048 on wasm, and bounded in memory. */
export const SCORER_CHUNK = 1024;

/**
 * A {@link ClassScorer} for a model with input [H, W, C]: stacks the rows in
 * chunks of {@link SCORER_CHUNK}, runs the model in inference mode and reads
 * each row's class from its output. Tensors are freed before it returns.
 *
 * @param onInputs called with the number of inputs of each forward pass (progress).
 */
export function createClassScorer(
  model: tfl.LayersModel,
  shape: { height: number; width: number; channels: number },
  classes: readonly number[],
  onInputs?: (count: number) => void,
): ClassScorer {
  const size = shape.height * shape.width * shape.channels;
  return (inputs, imageOf) => {
    const rows = imageOf.length;
    if (inputs.length !== rows * size) throw new Error(`scorer: expected ${rows} × ${size} values, received ${inputs.length}`);
    const scores = new Float32Array(rows);
    for (let start = 0; start < rows; start += SCORER_CHUNK) {
      const n = Math.min(SCORER_CHUNK, rows - start);
      const output = tf.tidy(() => {
        const x = tf.tensor4d(inputs.subarray(start * size, (start + n) * size), [n, shape.height, shape.width, shape.channels]);
        return model.predict(x, { batchSize: n }) as tf.Tensor2D;
      });
      let values: Float32Array;
      try {
        values = output.dataSync() as Float32Array;
      } finally {
        output.dispose();
      }
      const classCount = values.length / n;
      for (let r = 0; r < n; r++) scores[start + r] = values[r * classCount + classes[imageOf[start + r]!]!]!;
      onInputs?.(n);
    }
    return scores;
  };
}
