import tf = require('@tensorflow/tfjs-core');
import type * as tfl from '@tensorflow/tfjs-layers';
import { GradcamError } from '../errors.js';
import { inputSize, shapeText, type InputSpec } from './input-spec.js';

/** Images per forward pass: large enough to amortise per-call overhead, small enough to keep memory flat. */
export const PREDICT_BATCH_SIZE = 256;

/** Height, width and channels of the model's input. */
export type ImageShape = Pick<InputSpec, 'height' | 'width' | 'channels'>;

/**
 * Stacks images into one [N, H, W, C] float32 tensor (caller disposes).
 * @param images each `H*W*C` values, already normalised for the model.
 * @throws GradcamError when an image has another length: an image is never
 *   padded or cut to fit (a 784-value digit in a 224×224×3 input would leave
 *   149,744 zeros and a confident, meaningless answer; issue 8).
 */
export function stackImages(images: readonly Float32Array[], shape: ImageShape): tf.Tensor4D {
  const size = inputSize(shape);
  const values = new Float32Array(images.length * size);
  images.forEach((image, i) => {
    if (image.length !== size) {
      throw new GradcamError(
        `expected ${shapeText(shape)} (${size} values) per image, received ${image.length} values` +
          (images.length > 1 ? ` (image ${i + 1} of ${images.length})` : ''),
      );
    }
    values.set(image, i * size);
  });
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
