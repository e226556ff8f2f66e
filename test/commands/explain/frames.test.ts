/** explain of an animated GIF says which frame it used (issue 12, item 13), single and batch. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { SingleExplainResult } from '../../../src/commands/explain/options.js';
import type { ManifestRecord } from '../../../src/outputs/manifest.js';
import { animatedDigits } from '../../helpers/animated-image.js';
import { runCli } from '../../helpers/run-cli.js';
import { temporaryDirectory } from '../../helpers/temp-dir.js';

describe('explain of an animated GIF', { concurrency: false }, () => {
  const tmpDir = temporaryDirectory('gradcam-explain-frames-', async (dir) => {
    await fs.mkdir(path.join(dir, 'in'));
    await fs.writeFile(path.join(dir, 'in', 'anim.gif'), await animatedDigits('gif'));
    await fs.writeFile(path.join(dir, 'in', 'still.gif'), await animatedDigits('gif', 1));
  });

  it('single: "used frame 1 of 3" in --json and in the text line', async () => {
    const json = await runCli(['explain', 'in/anim.gif', '-o', 'a.png', '--json'], tmpDir());
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as SingleExplainResult;
    assert.ok(!('error' in result.explanation));
    assert.deepEqual(result.explanation.notes, ['used frame 1 of 3']);
    const text = await runCli(['explain', 'in/anim.gif', '-o', 'b.png'], tmpDir());
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^in\/anim\.gif {2}→ .* wrote .*b\.png {2}\(used frame 1 of 3\)$/m);
  });

  it('batch: the manifest entry carries the note; a still GIF none', async () => {
    const run = await runCli(['explain', 'in', '--out-dir', 'out'], tmpDir());
    assert.equal(run.code, 0, run.stderr);
    const records = (await fs.readFile(path.join(tmpDir(), 'out', 'manifest.jsonl'), 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ManifestRecord);
    const notes = Object.fromEntries(records.map((r) => [r.source, 'notes' in r ? r.notes : undefined]));
    assert.deepEqual(notes, { 'in/anim.gif': ['used frame 1 of 3'], 'in/still.gif': undefined });
  });
});
