/**
 * `--input-range`: the value range a model was trained on, for models that
 * carry no metadata saying so (Keras files, most tfjs exports). Issue 9:
 * a public Keras MNIST model trained on raw 0..255 pixels scored 14% when fed
 * [0, 1] and 99% when fed what it was trained on.
 */
import { BYTE_MAX } from './byte-max.js';
import type { InputSpec } from './input-spec.js';

/** Each range as the InputSpec's x = (byte · scale − mean) / std, for every channel. */
export const INPUT_RANGES = {
  '0..1': { scale: 1 / BYTE_MAX, mean: 0, std: 1 },
  '-1..1': { scale: 2 / BYTE_MAX, mean: 1, std: 1 },
  '0..255': { scale: 1, mean: 0, std: 1 },
} as const;

export type InputRangeName = keyof typeof INPUT_RANGES;

export const INPUT_RANGE_NAMES = Object.keys(INPUT_RANGES) as InputRangeName[];

export function isInputRangeName(name: string): name is InputRangeName {
  return Object.hasOwn(INPUT_RANGES, name);
}

/** The spec with its value mapping replaced by `range` (shape and preparation kept). */
export function withInputRange(spec: InputSpec, range: InputRangeName): InputSpec {
  const { scale, mean, std } = INPUT_RANGES[range];
  return { ...spec, scale, mean: Array.from({ length: spec.channels }, () => mean), std: Array.from({ length: spec.channels }, () => std) };
}
