/**
 * What every evaluation metric is handed, and what it is. Metrics work on
 * plain arrays and ask a {@link ClassScorer} for the model's output on the
 * inputs they build, so they import no TensorFlow.js and never print.
 */

/**
 * The model's output for the explained class of M inputs, computed in
 * chunked forward passes (class-scorer.ts).
 *
 * @param inputs M·H·W·C values, [M, H, W, C] order, normalised as the model expects.
 * @param imageOf for each row, the image whose class is read.
 * @returns [M] the class probability of each row (the model's output; a probability for a softmax classifier).
 */
export type ClassScorer = (inputs: Float32Array, imageOf: readonly number[]) => Float32Array;

/** The images a method is scored on, with its maps, and the model to ask. */
export interface MetricInputs {
  /** N images. */
  count: number;
  height: number;
  width: number;
  channels: number;
  /** [N, H, W, C] float32, the model's inputs. */
  images: Float32Array;
  /** [N, H, W] float32 in [0, 1]: the method's normalised maps upsampled to the input size. */
  maps: Float32Array;
  /** [N, H, W, C]: the "removed" value of every pixel (0 for digit models, a blurred copy otherwise; baseline.ts). */
  baseline: Float32Array;
  /** The explained class of each image. */
  classes: readonly number[];
  /** [N] the class probability of each image as it is. */
  original: Float32Array;
  /** [N] the class probability of each image's baseline. */
  baselineScore: Float32Array;
  /** Seed for metrics that draw random numbers (ROAD's noise). */
  seed: number;
  score: ClassScorer;
  /** Called as the metric finishes images (progress). */
  onImages?: (count: number) => void;
}

/** One metric of the table in metrics.ts. */
export interface EvaluationMetric<Result extends object> {
  /** As reports print it. */
  readonly title: string;
  /** The paper that defines it, and the equation or section implemented. */
  readonly reference: string;
  /** Scores one method's maps; the fields of the result join the method's row. */
  run(inputs: MetricInputs): Result;
}
