/** explain with a model whose output is NaN: one clear failure, never a picture of NaN (issue 12, item 8). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { explain } from '../../../src/commands/explain/explain.js';
import type { ManifestRecord } from '../../../src/outputs/manifest.js';
import { saveNanModel } from '../../helpers/nan-model.js';
import { runCli } from '../../helpers/run-cli.js';
import { temporaryDirectory } from '../../helpers/temp-dir.js';

describe('explain with a NaN model', { concurrency: false }, () => {
  const tmpDir = temporaryDirectory('gradcam-explain-nan-', async (dir) => {
    await saveNanModel(path.join(dir, 'nan-model'));
  });

  it('single input: exit 1, one line "model output is NaN", no picture', async () => {
    const run = await runCli(['explain', '--model', 'nan-model', '--mnist-index', '0', '-o', 'nan.png'], tmpDir());
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^gradcam: mnist:test\/0: model output is NaN \(model .*\)/);
    await assert.rejects(fs.access(path.join(tmpDir(), 'nan.png')));
  });

  it('batch: such inputs are failures, not predictions; no null probability in the manifest', async () => {
    const outDir = path.join(tmpDir(), 'out');
    const result = await explain({ images: [], mnistIndex: '0..2', model: path.join(tmpDir(), 'nan-model'), outDir, backend: 'cpu', contactSheet: false, report: false });
    assert.equal(result.mode, 'batch');
    if (result.mode !== 'batch') return;
    assert.deepEqual([result.summary.inputs, result.summary.explained, result.summary.failed, result.summary.labelled], [3, 0, 3, 0]);
    assert.equal(result.summary.accuracy, null);
    const lines = (await fs.readFile(path.join(outDir, 'manifest.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.doesNotMatch(line, /null/);
      const record = JSON.parse(line) as ManifestRecord;
      assert.ok('error' in record && /model output is NaN/.test(record.error));
    }
  });
});
