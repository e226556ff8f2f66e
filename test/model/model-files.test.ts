import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import tfl = require('@tensorflow/tfjs-layers');
import '@tensorflow/tfjs-backend-cpu';
import { GradcamError } from '../../src/errors.js';
import { loadModel, MODEL_JSON, saveModel } from '../../src/model/model-files.js';
import { buildTutorialCnn, defaultMetadataFor, type ModelMetadata } from '../../src/model/tutorial-cnn.js';

let tmp: string;
const inputs = () => tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 11);

function predictValues(model: tfl.LayersModel): number[] {
  return tf.tidy(() => Array.from((model.predict(inputs()) as tf.Tensor).dataSync()));
}

const metadata = (model: tfl.LayersModel): ModelMetadata => ({ ...defaultMetadataFor(model), classNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] });

/** Writes a model the way tensorflowjs_converter does for a Keras model: topology under model_config, N shards. */
async function writeConverterStyle(model: tfl.LayersModel, dir: string, shards: number): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(tf.io.concatenateArrayBuffers([artifacts.weightData as ArrayBuffer]));
      // The converter cuts shards at a byte size, regardless of weight boundaries.
      const size = Math.ceil(data.length / shards);
      const paths: string[] = [];
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < shards; i++) {
        const name = `group1-shard${i + 1}of${shards}.bin`;
        paths.push(name);
        await fs.writeFile(path.join(dir, name), data.subarray(i * size, (i + 1) * size));
      }
      const topology = artifacts.modelTopology as Record<string, unknown>;
      const json = {
        format: 'layers-model',
        generatedBy: 'keras v2.15.0',
        convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: { keras_version: '2.15.0', backend: 'tensorflow', model_config: { class_name: topology.class_name, config: topology.config } },
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      await fs.writeFile(path.join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

describe('model files', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-model-files-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('save → load gives identical predictions and keeps the metadata', async () => {
    const model = buildTutorialCnn({ seed: 1 });
    const dir = path.join(tmp, 'roundtrip');
    const saved = await saveModel(model, dir, metadata(model));
    assert.deepEqual(saved.files.map((f) => f.replace(/[0-9a-f]{16}/, 'HASH')), ['model.json', 'weights-HASH.bin']);
    const loaded = await loadModel(dir);
    assert.deepEqual(predictValues(loaded.model), predictValues(model));
    assert.deepEqual(loaded.metadata.classNames, metadata(model).classNames);
    assert.equal(loaded.hasGradcamMetadata, true);
    assert.equal(loaded.model.getLayer('conv2').getClassName(), 'Conv2D');
    model.dispose();
    loaded.model.dispose();
  });

  it('replacing a model removes the old shards; a crash before the commit leaves the old model intact', async () => {
    const dir = path.join(tmp, 'replace');
    const first = buildTutorialCnn({ seed: 1 });
    const second = buildTutorialCnn({ seed: 2 });
    await saveModel(first, dir, metadata(first));
    const third = buildTutorialCnn({ seed: 3 });
    await assert.rejects(
      saveModel(third, dir, metadata(third), { beforeCommit: async () => Promise.reject(new Error('simulated crash')) }),
      /simulated crash/,
    );
    const survivor = await loadModel(dir);
    assert.deepEqual(predictValues(survivor.model), predictValues(first));
    survivor.model.dispose();

    await saveModel(second, dir, metadata(second));
    const replaced = await loadModel(dir);
    assert.deepEqual(predictValues(replaced.model), predictValues(second));
    const files = (await fs.readdir(dir)).filter((f) => !f.startsWith('.'));
    // model.json and second's shard: first's shard and the crashed save's orphan are gone.
    assert.equal(files.length, 2, files.join(', '));
    for (const m of [first, second, third, replaced.model]) m.dispose();
  });

  it('concurrent saves into one directory take turns: the directory always holds a loadable model (issue 12, item 1)', async () => {
    const dir = path.join(tmp, 'concurrent');
    const models = [1, 2, 3].map((seed) => buildTutorialCnn({ seed }));
    const expected = models.map(predictValues);
    for (let round = 0; round < 5; round++) {
      // The first save dawdles between its weights and its commit, where another save's clean-up used to delete its new shard.
      const slow = { beforeCommit: () => new Promise<void>((resolve) => setTimeout(resolve, 30)) };
      await Promise.all(models.map((m, i) => saveModel(m, dir, metadata(m), i === 0 ? slow : {})));
      const loaded = await loadModel(dir);
      const values = predictValues(loaded.model);
      assert.ok(expected.some((e) => JSON.stringify(e) === JSON.stringify(values)), 'the model of one of the saves');
      loaded.model.dispose();
      assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith('.bin')).length, 1);
    }
    assert.ok(!(await fs.readdir(dir)).includes('.gradcam.lock'));
    for (const m of models) m.dispose();
  });

  it('a lock left by a killed save (its process gone) does not block the next save', async () => {
    const dir = path.join(tmp, 'stale-lock');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, '.gradcam.lock'), '4194305\n'); // above Linux's pid_max: no such process
    const model = buildTutorialCnn({ seed: 4 });
    await saveModel(model, dir, metadata(model));
    (await loadModel(dir)).model.dispose();
    model.dispose();
  });

  for (const kind of ['functional', 'sequential'] as const) {
    it(`loads a ${kind} model in tensorflowjs_converter layout (3 shards, Keras model_config)`, async () => {
      let model: tfl.LayersModel;
      if (kind === 'functional') {
        model = buildTutorialCnn({ seed: 4 });
      } else {
        const seq = tfl.sequential();
        seq.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, activation: 'relu', name: 'c1' }));
        seq.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
        seq.add(tfl.layers.flatten());
        seq.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
        model = seq;
      }
      const dir = path.join(tmp, `converter-${kind}`);
      await writeConverterStyle(model, dir, 3);
      const loaded = await loadModel(path.join(dir, MODEL_JSON));
      assert.deepEqual(predictValues(loaded.model), predictValues(model));
      assert.equal(loaded.hasGradcamMetadata, false);
      assert.deepEqual(loaded.metadata.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      model.dispose();
      loaded.model.dispose();
    });
  }

  it('finds a model JSON of another name when it is the only model JSON in the directory', async () => {
    const model = buildTutorialCnn({ seed: 2 });
    const dir = path.join(tmp, 'renamed-json');
    await writeConverterStyle(model, dir, 1);
    await fs.rename(path.join(dir, MODEL_JSON), path.join(dir, 'my-model.json'));
    await fs.writeFile(path.join(dir, 'metadata.json'), '{"labels": []}');
    const loaded = await loadModel(dir);
    assert.equal(loaded.modelJsonPath, path.join(dir, 'my-model.json'));
    assert.deepEqual(predictValues(loaded.model), predictValues(model));
    model.dispose();
    loaded.model.dispose();
  });

  const errorCases: [string, (dir: string) => Promise<void>, RegExp][] = [
    ['missing directory', async () => {}, /model ".*" not found: pass a model file \(model\.json, \.h5, \.keras\) or a directory holding one/],
    ['directory without model.json', async (dir) => fs.mkdir(dir), /has no readable model\.json or other model file/],
    ['directory whose only JSON is not a model', async (dir) => {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'metadata.json'), '{"labels": ["a"]}');
    }, /has no readable model\.json or other model file/],
    ['invalid JSON', async (dir) => { await fs.mkdir(dir); await fs.writeFile(path.join(dir, MODEL_JSON), '{"modelTop'); }, /model\.json: not valid JSON/],
    ['graph model', async (dir) => {
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, MODEL_JSON), JSON.stringify({ format: 'graph-model', modelTopology: {}, weightsManifest: [] }));
    }, /is a graph model; gradcam needs a layers model/],
    ['missing shard', async (dir) => {
      const model = buildTutorialCnn({ seed: 1 });
      const saved = await saveModel(model, dir, metadata(model));
      model.dispose();
      await fs.rm(path.join(dir, saved.files[1]!));
    }, /weight file "weights-[0-9a-f]+\.bin" is missing or unreadable/],
  ];
  for (const [name, setup, message] of errorCases) {
    it(`fails with a clear GradcamError: ${name}`, async () => {
      const dir = path.join(tmp, `error-${name.replace(/\W+/g, '-')}`);
      await setup(dir);
      await assert.rejects(loadModel(dir), (error: unknown) => error instanceof GradcamError && message.test(error.message));
    });
  }
});
