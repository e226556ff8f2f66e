/**
 * Which class score a CAM method differentiates. The choice changes the maps
 * materially on a trained model, so it is explicit and recorded with every
 * result. (Its own module so the CLI can list the choices without loading
 * TensorFlow.js.)
 */
export const SCORE_KINDS = {
  logit:
    'the class logit, the input of the final softmax (Grad-CAM paper, Selvaraju et al. 2017: y^c "before the softmax"; keras.io Grad-CAM example)',
  prob: "the class's softmax probability (the Keras MNIST Grad-CAM tutorial)",
} as const;
export type ScoreKind = keyof typeof SCORE_KINDS;

/** The score differentiated when none is asked for: the paper's choice. */
export const DEFAULT_SCORE_KIND: ScoreKind = 'logit';
