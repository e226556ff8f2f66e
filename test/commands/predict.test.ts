/** predict with a model whose output is NaN: failures, not predictions (issue 12, item 8). */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { predict } from '../../src/commands/predict.js';
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
