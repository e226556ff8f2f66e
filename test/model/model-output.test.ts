/** Multi-output models (issue 9): one output chosen at load time, by default the last softmax classifier. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import { initBackend } from '../../src/backend/init-backend.js';
import { EXIT_CODES } from '../../src/errors.js';
import { bundledModelDir, loadModel, saveModel } from '../../src/model/model-files.js';
import { runCli } from '../helpers/run-cli.js';

let tmp: string;
let modelDir: string;

describe('multi-output models', () => {
  before(async () => {
    await initBackend('cpu');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-multi-output-'));
    modelDir = path.join(tmp, 'two-heads');
    // The bundled digit CNN with a second, linear head ("box", 4 values) listed after its softmax.
    const { model, metadata } = await loadModel(bundledModelDir());
    const hidden = model.getLayer('dense').output as tfl.SymbolicTensor;
    const box = tfl.layers.dense({ units: 4, name: 'box' }).apply(hidden) as tfl.SymbolicTensor;
    const twoHeads = tfl.model({ inputs: model.inputs, outputs: [model.outputs[0]!, box], name: 'two_heads' });
    await saveModel(twoHeads, modelDir, metadata);
    twoHeads.dispose();
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('loads as a single-output model of the last softmax classifier, says which, and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadModel(modelDir);
    assert.equal(loaded.model.outputs.length, 1);
    assert.deepEqual(loaded.output, { index: 0, name: 'predictions', of: 2, reason: 'last softmax classifier' });
    const box = await loadModel(modelDir, { output: 'box' });
    assert.deepEqual([box.output.index, box.output.reason], [1, 'asked for']);
    assert.deepEqual(box.model.outputs[0]!.shape, [null, 4]);
    loaded.model.dispose();
    box.model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it('predict and explain use that output; a missing one is a usage error listing the outputs', async () => {
    const predict = await runCli(['predict', '--mnist-index', '0', '--model', modelDir, '--json'], tmp);
    assert.equal(predict.code, 0, predict.stderr);
    assert.match(predict.stdout, /"class": 7/);
    const explain = await runCli(['explain', '--mnist-index', '0', '--model', modelDir, '-o', 'seven.png'], tmp);
    assert.equal(explain.code, 0, explain.stderr);
    const bad = await runCli(['predict', '--mnist-index', '0', '--model', modelDir, '--model-output', '5'], tmp);
    assert.equal(bad.code, EXIT_CODES.usage);
    assert.match(bad.stderr, /has 2 outputs \(0: predictions \[\?, 10\]; 1: box \[\?, 4\]\)/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});
