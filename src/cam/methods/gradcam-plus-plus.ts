import type { CamMethod } from '../cam-method.js';
import { requireGradients } from './require-gradients.js';

/** ε of the denominator of α (pytorch-grad-cam's value; the paper has none). */
const ALPHA_EPSILON = 1e-6;

/**
 * Grad-CAM++ (Chattopadhay, Sarkar, Howlader & Balasubramanian, "Grad-CAM++:
 * Generalized Gradient-based Visual Explanations for Deep Convolutional
 * Networks", WACV 2018, arXiv:1710.11063). Eq. 19, the closed form in which
 * the second and third derivatives of an exponentiated score are powers of
 * the first-order gradient G = ∂y^c/∂A:
 *
 *   α^kc_ij = G² / (2G² + Σ_ab A^k_ab · G³),   w^c_k = Σ_ij α^kc_ij ReLU(G_ij),
 *
 * with Σ_ab A^k_ab the spatial sum of channel k (per image). As
 * pytorch-grad-cam's GradCAMPlusPlus rather than the paper: G is the gradient
 * of the score itself (the logit by default, no exponential), the
 * denominator gets ε = 1e-6, and α = 0 wherever G = 0 (the paper leaves α
 * undefined where its denominator vanishes).
 *
 * @returns weights [N, 1, 1, C] float32.
 */
export const gradcamPlusPlus: CamMethod = {
  title: 'Grad-CAM++',
  reference: 'Chattopadhay et al., WACV 2018, arXiv:1710.11063, eq. 19',
  needsGradients: true,
  classSpecific: true,
  weights: (context) => {
    const { tf, activations } = context;
    const g = requireGradients(context, 'Grad-CAM++');
    const g2 = tf.square(g);
    const g3 = tf.mul(g2, g);
    const activationSums = tf.sum(activations, [1, 2], true);
    const alpha = tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(activationSums, g3)), ALPHA_EPSILON));
    const alphaWhereGradient = tf.where(tf.notEqual(g, 0), alpha, tf.zerosLike(alpha));
    return tf.sum(tf.mul(alphaWhereGradient, tf.relu(g)), [1, 2], true);
  },
};
