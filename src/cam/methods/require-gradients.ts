import type tf = require('@tensorflow/tfjs-core');
import type { CamContext } from '../cam-method.js';

/**
 * ∂y^c/∂A from the context, for a method that set `needsGradients`.
 *
 * @returns [N, h, w, C] float32, owned by the pipeline (do not dispose).
 * @throws Error when the pipeline ran no backward pass: a bug of the
 *   method's declaration, not a user error.
 */
export function requireGradients({ gradients }: CamContext, title: string): tf.Tensor4D {
  if (gradients === undefined) throw new Error(`${title} needs the gradients of the class score`);
  return gradients;
}
