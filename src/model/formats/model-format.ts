/**
 * One model file format (issue 9): how to recognise a file of that format and
 * how to turn it into a tfjs-layers model. The formats form a table in
 * ./model-formats.ts; each member lives in its own small file.
 */
import type tfl = require('@tensorflow/tfjs-layers');

/** What a format reader returns: the model, and gradcam's metadata when the file carries it. */
export interface ReadModel {
  model: tfl.LayersModel;
  /** The model's user-defined metadata (tfjs `userDefinedMetadata`); Keras files have none. */
  userDefinedMetadata?: Record<string, unknown>;
}

export interface ModelFormat {
  /** How messages name the format. */
  description: string;
  /** File name endings, lower case, with the dot (".h5"). */
  extensions: readonly string[];
  /** The file's first bytes, when the format has a signature. */
  magic?: Uint8Array;
  /** Reads the file at `file` (absolute path). Expected failures throw GradcamError naming the file. */
  read(file: string): Promise<ReadModel>;
}
