/** A model whose output is NaN: the bundled digit CNN with one NaN in its last bias (issue 12, item 8). */
import tf = require('@tensorflow/tfjs-core');
import { initBackend } from '../../src/backend/init-backend.js';
import { bundledModelDir, loadModel, saveModel } from '../../src/model/model-files.js';

/** Saves the NaN model to `directory`. */
export async function saveNanModel(directory: string): Promise<void> {
  await initBackend('cpu');
  const { model, metadata } = await loadModel(bundledModelDir());
  try {
    const weights = model.getWeights();
    const bias = weights[weights.length - 1]!;
    const values = Float32Array.from(bias.dataSync());
    values[0] = Number.NaN;
    const broken = tf.tensor(values, bias.shape);
    model.setWeights([...weights.slice(0, -1), broken]);
    broken.dispose();
    await saveModel(model, directory, metadata);
  } finally {
    model.dispose();
  }
}
