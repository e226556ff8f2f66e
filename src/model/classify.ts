import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';

/** Images per forward pass: large enough to amortise per-call overhead, small enough to keep memory flat. */
export const PREDICT_BATCH_SIZE = 256;

/** Height, width and channels of the model's input. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * Stacks images into one [N, H, W, C] float32 tensor (caller disposes).
 * @param images each `H*W*C` values, already normalised for the model.
 */
export function stackImages(images: readonly Float32Array[], shape: ImageShape): tf.Tensor4D {
  const size = shape.height * shape.width * shape.channels;
  const values = new Float32Array(images.length * size);
  images.forEach((image, i) => values.set(image.subarray(0, size), i * size));
  return tf.tensor4d(values, [images.length, shape.height, shape.width, shape.channels]);
}

/**
 * The model's output for each image, in batches, in inference mode.
 * @returns [N, K] float32 values, row per image (probabilities for a softmax classifier).
 */
export function predictProbabilities(
  model: tfl.LayersModel,
  images: readonly Float32Array[],
  shape: ImageShape,
  batchSize = PREDICT_BATCH_SIZE,
): { values: Float32Array; classCount: number } {
  const outputShape = model.outputs[0]!.shape;
  const classCount = outputShape[outputShape.length - 1] as number;
  const values = new Float32Array(images.length * classCount);
  for (let start = 0; start < images.length; start += batchSize) {
    const batch = images.slice(start, start + batchSize);
    const output = tf.tidy(() => {
      const x = stackImages(batch, shape);
      return model.predict(x, { batchSize }) as tf.Tensor2D;
    });
    try {
      values.set(output.dataSync(), start * classCount);
    } finally {
      output.dispose();
    }
  }
  return { values, classCount };
}

export { topClasses, type ClassProbability } from './ranking.js';
