import type { Tensor4D } from '@tensorflow/tfjs-core';
import type { CamMethodName } from '../../cam/cam-methods.js';
import type { CamExplainer, CamOptions } from '../../cam/pipeline.js';
import type { Digit } from '../../data/inputs.js';
import { findExplainableLayer } from '../../cam/layer-graph.js';
import { GradcamError, usageError } from '../../errors.js';
import { preloadTensorflow } from '../../backend/tfjs-loader.js';
import { warmUpTextRendering } from '../../render/text.js';
import type { ModelOptions, ModelSession } from '../model-session.js';
import type { ExplainPlan } from './options.js';

/** A model ready to explain, and what it needs to read its inputs. */
export interface Explainer {
  session: ModelSession;
  /** The plan's method bound to the model, with the layer resolved (its name is `cam.layerName`). */
  cam: CamExplainer;
  /** The plan's options with another method (`--method all`). */
  camFor: (method: CamMethodName) => CamExplainer;
  /** Resolves once text rendering is warm (see warmUpTextRendering). */
  textReady: Promise<void>;
  /** Stacks digits into the model's input tensor (caller disposes). */
  stack: (digits: readonly Digit[]) => Tensor4D;
  className: (c: number) => string;
}

/**
 * Loads TensorFlow.js, the backend and the model, and binds the plan's CAM
 * method to its layer. Fonts initialise on sharp's threads meanwhile
 * (TensorFlow.js loads on this one), so the first picture does not wait for them.
 */
export async function openExplainer(options: ModelOptions, plan: ExplainPlan): Promise<Explainer> {
  const textReady = warmUpTextRendering();
  preloadTensorflow();
  const [{ openModelSession }, { createCam }, { stackImages }] = await Promise.all([
    import('../model-session.js'),
    import('../../cam/pipeline.js'),
    import('../../model/classify.js'),
  ]);
  const session = await openModelSession(options);
  let cam: CamExplainer;
  try {
    // --layer and --class are option values only the model can judge: a bad one is a usage error (exit 2).
    for (const name of plan.layer ?? []) {
      try {
        findExplainableLayer(session.model, name);
      } catch (error) {
        throw error instanceof GradcamError ? usageError(error.message) : error;
      }
    }
    cam = createCam(session.model, camOptions(plan, plan.method));
    const { classIndex } = plan;
    if (classIndex !== undefined && classIndex >= cam.classCount) {
      throw usageError(`class ${classIndex} is out of range: this model has ${cam.classCount} classes (0..${cam.classCount - 1})`);
    }
  } catch (error) {
    session.model.dispose();
    throw error;
  }
  const { classNames } = session.metadata;
  return {
    session,
    cam,
    camFor: (method) => createCam(session.model, camOptions(plan, method)),
    textReady,
    stack: (digits) => stackImages(digits.map((d) => d.pixels), session.inputSpec),
    className: (c) => classNames[c] ?? String(c),
  };
}

/** The CAM options of a plan, for one of its methods. */
export function camOptions(plan: ExplainPlan, method: CamMethodName): CamOptions {
  return {
    method,
    ...(plan.layer === undefined ? {} : { layerName: plan.layer }),
    score: plan.score,
    eigenSmooth: plan.eigenSmooth,
    ...(plan.smoothGrad === undefined ? {} : { smoothGrad: plan.smoothGrad }),
  };
}
