/**
 * The topology check before tfjs-layers builds a model (issue 12): configs
 * that made tfjs-layers loop forever or fail with a stack trace (found by
 * test/fuzz.test.ts) are refused in one line; real configs pass.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../../src/backend/init-backend.js';
import { GradcamError } from '../../../src/errors.js';
import { checkLayersTopology } from '../../../src/model/formats/topology-check.js';
import { bundledModelDir, loadModel, MODEL_JSON } from '../../../src/model/model-files.js';
import { temporaryDirectory } from '../../helpers/temp-dir.js';

type Json = { modelTopology: { config: { layers: Record<string, any>[]; output_layers?: unknown } } } & Record<string, any>;

describe('checkLayersTopology', () => {
  const dir = temporaryDirectory('gradcam-topology-');
  let valid: Json;
  before(async () => {
    valid = JSON.parse(await fs.readFile(path.join(bundledModelDir(), MODEL_JSON), 'utf8')) as Json;
  });
  const mutated = (change: (json: Json) => void): Json => {
    const copy = structuredClone(valid);
    change(copy);
    return copy;
  };

  it('passes the bundled model', () => checkLayersTopology(valid.modelTopology, 'model.json'));

  const cases: [string, (json: Json) => void, RegExp][] = [
    ['an input named by a list, not a name', (j) => (j.modelTopology.config.layers[2]!.inbound_nodes[0][0][0] = [-1, 28, 28, 1]), /an input of layer 2 of the model is \[\[-1,28,28,1\],0,0,\{\}\], not \[layer name, node index, tensor index\]/],
    ['a node index the layer does not have', (j) => (j.modelTopology.config.layers[2]!.inbound_nodes[0][0][1] = 3), /is node 3 of layer "\w+", which has 1$/],
    ['a call with no inputs', (j) => (j.modelTopology.config.layers[2]!.inbound_nodes[0] = []), /an inbound node of layer 2 of the model is not a list of inputs/],
    ['a layer named by a boolean', (j) => (j.modelTopology.config.layers[2]!.name = true), /layer 2 \(\w+\) of the model has no name/],
    ['a layer named twice', (j) => (j.modelTopology.config.layers[2]!.name = j.modelTopology.config.layers[1]!.name), /two layers of the model are named "\w+"/],
    ['a stride of 0', (j) => (j.modelTopology.config.layers[1]!.config.strides = [0, 1]), /layer "conv1" \(Conv2D\) has strides \[0,1\]; it must be a positive integer for each axis/],
    ['a reference to a missing layer', (j) => (j.modelTopology.config.output_layers = [['nowhere', 0, 0]]), /names layer "nowhere", which the model does not have/],
  ];
  for (const [name, change, message] of cases) {
    it(`refuses ${name} in one line`, () => {
      assert.throws(
        () => checkLayersTopology(mutated(change).modelTopology, 'm.json'),
        (error: unknown) => error instanceof GradcamError && error.message.startsWith('m.json: cannot build the model: ') && !error.message.includes('\n') && message.test(error.message),
      );
    });
  }

  it('loadModel: a model that builds but cannot run (input dtype "bool") is refused at load, in one line', async () => {
    await initBackend('cpu');
    const modelDir = path.join(dir(), 'bool-input');
    await fs.cp(bundledModelDir(), modelDir, { recursive: true });
    const json = mutated((j) => (j.modelTopology.config.layers[0]!.config.dtype = 'bool'));
    await fs.writeFile(path.join(modelDir, MODEL_JSON), JSON.stringify(json));
    await assert.rejects(loadModel(modelDir), (error: unknown) => error instanceof GradcamError && /the model cannot run on a 28×28×1 image: /.test(error.message) && !error.message.includes('\n'));
  });
});
