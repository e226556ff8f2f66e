/** predict with a model whose output is NaN (issue 12, item 8), and of an animated image (item 13). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { predict } from '../../src/commands/predict.js';
import { animatedDigits } from '../helpers/animated-image.js';
import { saveNanModel } from '../helpers/nan-model.js';
import { runCli } from '../helpers/run-cli.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

describe('predict with a NaN model', { concurrency: false }, () => {
  const tmpDir = temporaryDirectory('gradcam-predict-nan-', async (dir) => {
    await saveNanModel(path.join(dir, 'nan-model'));
  });

  it('counts every input as a failure, with no accuracy', async () => {
    const result = await predict({ images: [], mnistIndex: '0,1', model: path.join(tmpDir(), 'nan-model'), backend: 'cpu' });
    assert.equal(result.summary.failed, 2);
    assert.equal(result.summary.labelled, 0);
    assert.equal(result.summary.accuracy, null);
    for (const p of result.predictions) {
      assert.ok('error' in p);
      assert.match(p.error, /^mnist:test\/\d: model output is NaN \(model .*model\.json\)/);
    }
  });

  it('CLI: exit 1 with one line, never "NaN%"', async () => {
    const run = await runCli(['predict', '--model', 'nan-model', '--mnist-index', '0'], tmpDir());
    assert.equal(run.code, 1, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /NaN%/);
    assert.deepEqual(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^gradcam: mnist:test\/0: model output is NaN/);
  });
});

describe('predict of an animated GIF (issue 12, item 13)', { concurrency: false }, () => {
  const tmpDir = temporaryDirectory('gradcam-predict-frames-', async (dir) => {
    await fs.writeFile(path.join(dir, 'anim.gif'), await animatedDigits('gif'));
  });

  it('says "used frame 1 of 3" in the result, --json and the text line', async () => {
    const result = await predict({ images: ['anim.gif'], cwd: tmpDir(), backend: 'cpu' });
    const [prediction] = result.predictions;
    assert.ok(prediction !== undefined && !('error' in prediction));
    assert.deepEqual(prediction.notes, ['used frame 1 of 3']);
    // The first frame is MNIST test digit 0, a 7.
    assert.equal(prediction.class, 7);

    const json = await runCli(['predict', 'anim.gif', '--json'], tmpDir());
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as { predictions: { notes?: string[] }[] }).predictions[0]?.notes, ['used frame 1 of 3']);
    const text = await runCli(['predict', 'anim.gif'], tmpDir());
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^anim\.gif {2}→ 7 .*\(used frame 1 of 3\)$/m);
  });
});
