/**
 * Conversion of image pixels into the model's input tensor.
 * A separate module from `mnist.ts` so that reading data never loads TensorFlow.js.
 */
import tf = require('@tensorflow/tfjs-core');
import { GradcamError } from '../errors.js';

/** Grey levels of the IDX files are 0..255; the model sees x / 255 in [0, 1] (Keras tutorial: `x / 255`). */
export const PIXEL_MAX = 255;

/**
 * Builds the model input from images stored one after another, row-major.
 *
 * - `Uint8Array`: grey levels 0..255 (IDX records), scaled by 1/255 into [0, 1] — the model's
 *   input normalisation.
 * - `Float32Array`: values already in [0, 1] (e.g. `DigitImage.pixels`), used unchanged.
 *
 * The values are copied, so the caller may reuse `images` afterwards.
 * @param images exactly `count * rows * cols` values.
 * @returns [count, rows, cols, 1] float32, caller disposes.
 * @throws GradcamError when the length does not match the shape.
 */
export function imagesToTensor(
  images: Uint8Array | Float32Array,
  count: number,
  rows: number,
  cols: number,
): tf.Tensor4D {
  const size = count * rows * cols;
  if (images.length !== size) {
    throw new GradcamError(
      `imagesToTensor: expected ${count}x${rows}x${cols} = ${size} pixel values, got ${images.length}`,
    );
  }
  const values = new Float32Array(size);
  if (images instanceof Uint8Array) {
    for (let i = 0; i < size; i++) values[i] = (images[i] as number) / PIXEL_MAX;
  } else {
    values.set(images);
  }
  return tf.tensor4d(values, [count, rows, cols, 1], 'float32');
}
