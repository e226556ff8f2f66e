/**
 * The CAM methods gradcam implements, by the name the CLI, the manifest and
 * the library use. A new method is one file in methods/ and one line here.
 * Method files import TensorFlow.js types only (they get the ops through
 * CamContext.tf), so this table is cheap to load: the CLI lists its names.
 */
import type { CamMethod } from './cam-method.js';
import { eigencam } from './methods/eigencam.js';
import { gradcam } from './methods/gradcam.js';
import { gradcamElementwise } from './methods/gradcam-elementwise.js';
import { gradcamPlusPlus } from './methods/gradcam-plus-plus.js';
import { hirescam } from './methods/hirescam.js';
import { layercam } from './methods/layercam.js';
import { xgradcam } from './methods/xgradcam.js';
import { scorecam } from './methods/scorecam.js';
import { ablationcam } from './methods/ablationcam.js';
import { guidedBackprop } from './methods/guided-backprop.js';
import { guidedGradcam } from './methods/guided-gradcam.js';
import { random } from './methods/random.js';
import { center } from './methods/center.js';

export const CAM_METHODS = {
  gradcam,
  'gradcam++': gradcamPlusPlus,
  xgradcam,
  hirescam,
  'gradcam-elementwise': gradcamElementwise,
  layercam,
  eigencam,
  scorecam,
  ablationcam,
  'guided-backprop': guidedBackprop,
  'guided-gradcam': guidedGradcam,
  random,
  center,
} as const satisfies Record<string, CamMethod>;

export type CamMethodName = keyof typeof CAM_METHODS;

/** The method used when none is asked for. */
export const DEFAULT_CAM_METHOD: CamMethodName = 'gradcam';

/** Whether `name` is one of {@link CAM_METHODS}. */
export function isCamMethodName(name: string): name is CamMethodName {
  return Object.hasOwn(CAM_METHODS, name);
}

/** The names of {@link CAM_METHODS}, in table order. */
export const CAM_METHOD_NAMES = Object.keys(CAM_METHODS) as CamMethodName[];
