/**
 * Model outputs that are not probabilities: a model with a NaN weight (or
 * one that overflows) yields NaN or infinite values, which must fail the
 * input rather than print "NaN%" or count as a prediction (issue 12, item 8).
 */

/**
 * Why a row of the model's output is no answer, or undefined when every value is finite.
 *
 * @param row one input's K class probabilities.
 * @param model the model's path, named in the message.
 */
export function badModelOutput(row: ArrayLike<number>, model: string): string | undefined {
  let infinite = false;
  for (let i = 0; i < row.length; i++) {
    const value = row[i]!;
    if (Number.isNaN(value)) return `model output is NaN (model ${model}); its weights or this input hold NaN or overflow`;
    if (!Number.isFinite(value)) infinite = true;
  }
  return infinite ? `model output is infinite (model ${model}); its weights or this input overflow` : undefined;
}
