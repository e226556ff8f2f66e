/**
 * What a model takes as input, and how an image becomes that input (issue 8).
 * Derived once per model from its input shape and metadata; the loaders, the
 * stacking and the renderers read sizes from here, so nothing else assumes
 * 28×28 grey digits.
 */
import { GradcamError } from '../errors.js';
import type { ModelMetadata } from './tutorial-cnn.js';
import { MNIST_INPUT_SHAPE } from './tutorial-cnn.js';
import { BYTE_MAX } from './byte-max.js';

export { BYTE_MAX } from './byte-max.js';

/**
 * How an image file becomes the model's input:
 * - `digit`: MNIST preprocessing (data/mnist-preprocess.ts: crop, fit in
 *   20×20, centre the mass in 28×28, white ink on black), for 28×28×1 digit models;
 * - `resize`: the whole image resized to H×W (aspect ratio not kept, as
 *   Keras' `image.load_img(target_size=...)` does), grey for C = 1, RGB for C = 3.
 */
export type InputPreparation = 'digit' | 'resize';

/** A model's input: x = (byte · scale − mean[c]) / std[c] per channel c, laid out [H, W, C]. */
export interface InputSpec {
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB). */
  channels: number;
  /** Multiplies 8-bit pixel values first: 1/255 maps them to [0, 1]. */
  scale: number;
  /** Per channel (C entries), subtracted after scaling; zeros by default. */
  mean: number[];
  /** Per channel (C entries), divided by last; ones by default. */
  std: number[];
  preparation: InputPreparation;
}

/** Values per image: H·W·C. */
export function inputSize(spec: Pick<InputSpec, 'height' | 'width' | 'channels'>): number {
  return spec.height * spec.width * spec.channels;
}

/** "[28, 28, 1]": the per-image shape as messages print it. */
export function shapeText(spec: Pick<InputSpec, 'height' | 'width' | 'channels'>): string {
  return `[${spec.height}, ${spec.width}, ${spec.channels}]`;
}

/**
 * The input spec of a model with input shape `[N, H, W, C]` and `metadata`
 * (gradcam's own, or defaults for models from elsewhere). Refuses, with one
 * line, shapes gradcam cannot feed: not 4-D, an unknown height or width, a
 * channel count other than 1 or 3, or metadata that disagrees with the model.
 */
export function inputSpecFor(inputShape: readonly (number | null)[], metadata: ModelMetadata): InputSpec {
  const shown = `[${inputShape.map((d) => d ?? '?').join(', ')}]`;
  if (inputShape.length !== 4) {
    throw new GradcamError(`the model's input has shape ${shown}; gradcam explains image models with input [batch, height, width, channels]`);
  }
  const [, height, width, channels] = inputShape;
  if (height == null || width == null || channels == null) {
    throw new GradcamError(`the model's input has shape ${shown}; gradcam needs a fixed height, width and channel count`);
  }
  if (channels !== 1 && channels !== 3) {
    throw new GradcamError(`the model's input has ${channels} channels (shape ${shown}); gradcam reads images as grey (1) or RGB (3)`);
  }
  const declared = metadata.input;
  if (declared.height !== height || declared.width !== width || declared.channels !== channels) {
    throw new GradcamError(
      `the model's metadata says its input is ${shapeText(declared)} but the model takes ${shown}; the model.json is inconsistent`,
    );
  }
  const mean = declared.mean ?? Array.from({ length: channels }, () => 0);
  const std = declared.std ?? Array.from({ length: channels }, () => 1);
  if (mean.length !== channels || std.length !== channels || std.some((s) => !(s > 0)) || !(declared.scale > 0)) {
    throw new GradcamError(`the model's metadata has an invalid input normalisation (scale, mean, std) for ${channels} channel${channels === 1 ? '' : 's'}`);
  }
  const [digitHeight, digitWidth, digitChannels] = MNIST_INPUT_SHAPE;
  const digit = height === digitHeight && width === digitWidth && channels === digitChannels;
  return { height, width, channels, scale: declared.scale, mean, std, preparation: digit ? 'digit' : 'resize' };
}

/**
 * Maps grey levels or RGB values in [0, 1] (8-bit value / 255) to the model's
 * input: v · 255 · scale, minus mean, divided by std, per channel.
 * @param values H·W·C values in [0, 1], [H, W, C] order.
 * @returns a new Float32Array, or `values` itself when the mapping is the identity (scale 1/255, mean 0, std 1).
 */
export function normaliseForModel(values: Float32Array, spec: InputSpec): Float32Array {
  const byteScale = spec.scale * BYTE_MAX;
  const identity = Math.abs(byteScale - 1) < 1e-12 && spec.mean.every((m) => m === 0) && spec.std.every((s) => s === 1);
  if (identity) return values;
  const out = new Float32Array(values.length);
  const c = spec.channels;
  for (let i = 0; i < values.length; i++) out[i] = (values[i]! * byteScale - spec.mean[i % c]!) / spec.std[i % c]!;
  return out;
}

