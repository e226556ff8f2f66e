/**
 * A child process for the save tests (issue 12): saves the bundled CNN into a
 * directory `count` times, each time with its last bias shifted by a random
 * amount, so every save writes a weight shard of its own name and replaces
 * the previous one. Prints "saved <i> <bias0>" after each save.
 *
 *   node build/test/helpers/save-loop.js DIR COUNT
 */
import tf = require('@tensorflow/tfjs-core');
import { initBackend } from '../../src/backend/init-backend.js';
import { bundledModelDir, loadModel, saveModel } from '../../src/model/model-files.js';

const [directory, countArg] = process.argv.slice(2);
// `node --test build/test/` runs every file under it, this one too, without arguments: then it does nothing.
if (directory !== undefined) await saveLoop(directory, Number(countArg ?? 1));

async function saveLoop(directory: string, count: number): Promise<void> {
await initBackend('cpu');
const { model, metadata } = await loadModel(bundledModelDir());
for (let i = 0; i < count; i++) {
  const weights = model.getWeights();
  const bias = weights[weights.length - 1]!;
  const values = Float32Array.from(bias.dataSync());
  values[0] = values[0]! + Math.random();
  const shifted = tf.tensor(values, bias.shape);
  model.setWeights([...weights.slice(0, -1), shifted]);
  shifted.dispose();
  await saveModel(model, directory, metadata);
  process.stdout.write(`saved ${i} ${values[0]}\n`);
}
model.dispose();
}
