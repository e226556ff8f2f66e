import { GradcamError } from '../errors.js';
import { argMax } from '../model/ranking.js';

/**
 * The class each image's map explains: the requested ones, checked against
 * the model's classes, or else each image's predicted class.
 *
 * @param probabilities [N, K] float32, the model's output for the batch.
 * @throws GradcamError when `requested` has the wrong length or a class out of range.
 */
export function targetClasses(
  requested: readonly number[] | undefined,
  probabilities: Float32Array,
  count: number,
  classCount: number,
): number[] {
  if (requested === undefined) return Array.from({ length: count }, (_, i) => argMax(probabilities, i * classCount, classCount));
  validateClasses(requested, count, classCount);
  return [...requested];
}

/** @throws GradcamError unless there is one class per image, each in 0..classCount-1. */
export function validateClasses(classes: readonly number[], count: number, classCount: number): void {
  if (classes.length !== count) {
    throw new GradcamError(`got ${classes.length} classes for ${count} images; give one class per image`);
  }
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= classCount) {
      throw new GradcamError(`class ${c} is out of range: this model has ${classCount} classes (0..${classCount - 1})`);
    }
  }
}
