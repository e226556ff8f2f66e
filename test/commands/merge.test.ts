/**
 * `gradcam merge` end to end (issue 13): shards of one batch run joined
 * into one equal the unsharded run (manifest byte for byte, summary counts,
 * contact sheet and report present); directories that are not every shard of
 * one run are refused with exit 2 before anything is written.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp = require('sharp');
import type { BatchSummary } from '../../src/outputs/manifest.js';
import { runCli } from '../helpers/run-cli.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

/** 30 MNIST digits and a broken file (a failed input in shard 1): 31 inputs. */
const INPUTS = ['broken.png', '--mnist-index', '0..29', '--no-report'];

describe('gradcam merge', { concurrency: false }, () => {
  const dir = temporaryDirectory('gradcam-merge-', async (d) => {
    await fs.writeFile(path.join(d, 'broken.png'), 'not a png');
  });
  before(async () => {
    const runs = [
      runCli(['explain', ...INPUTS, '--out-dir', 'full'], dir()),
      ...[1, 2, 3].map((i) => runCli(['explain', ...INPUTS, '--shard', `${i}/3`, '--out-dir', `part-${i}`], dir())),
    ];
    // The broken file is input 0: the unsharded run and shard 1 have a failed input (exit 1), the others none.
    const codes = (await Promise.all(runs)).map((run) => run.code);
    assert.deepEqual(codes, [1, 1, 0, 0]);
  });

  it('three shards, given in any order, merge into the unsharded run: the same manifest, counts, pictures and a contact sheet', async () => {
    const run = await runCli(['merge', 'part-3', 'part-1', 'part-2', '--out-dir', 'merged', '--json'], dir());
    assert.equal(run.code, 1, run.stderr); // the broken input failed, as in the unsharded run
    assert.match(run.stderr, /^gradcam: .*broken\.png/m);
    const full = path.join(dir(), 'full');
    const merged = path.join(dir(), 'merged');
    assert.equal(await fs.readFile(path.join(merged, 'manifest.jsonl'), 'utf8'), await fs.readFile(path.join(full, 'manifest.jsonl'), 'utf8'));
    const summary = JSON.parse(run.stdout) as BatchSummary;
    const unsharded = JSON.parse(await fs.readFile(path.join(full, 'summary.json'), 'utf8')) as BatchSummary;
    for (const key of ['inputs', 'explained', 'failed', 'written', 'labelled', 'correct', 'accuracy', 'peak', 'shard', 'method', 'layer', 'pictures'] as const) {
      assert.deepEqual(summary[key], unsharded[key], key);
    }
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(merged, 'summary.json'), 'utf8')), summary);
    for (const line of (await fs.readFile(path.join(merged, 'manifest.jsonl'), 'utf8')).trim().split('\n')) {
      const record = JSON.parse(line) as { output?: string };
      if (record.output !== undefined) await fs.access(path.join(merged, record.output));
    }
    assert.deepEqual(summary.files.contactSheets, ['contact-sheet.png']);
    const [ours, theirs] = await Promise.all([sharp(path.join(merged, 'contact-sheet.png')).metadata(), sharp(path.join(full, 'contact-sheet.png')).metadata()]);
    assert.deepEqual([ours.width, ours.height], [theirs.width, theirs.height]);
    assert.equal(summary.files.report, 'index.html');
    await fs.access(path.join(merged, 'index.html'));
  });

  it('shards with --only misclassified: the manifest of the kept entries, and the counts of everything explained', async () => {
    const only = ['explain', '--mnist-index', '0..599', '--only', 'misclassified', '--no-report', '--no-contact-sheet'];
    const runs = await Promise.all([
      runCli([...only, '--out-dir', 'only-full', '--json'], dir()),
      runCli([...only, '--shard', '1/2', '--out-dir', 'only-1'], dir()),
      runCli([...only, '--shard', '2/2', '--out-dir', 'only-2'], dir()),
    ]);
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const merged = await runCli(['merge', 'only-1', 'only-2', '--out-dir', 'only-merged', '--no-report', '--no-contact-sheet', '--json'], dir());
    assert.equal(merged.code, 0, merged.stderr);
    const summary = JSON.parse(merged.stdout) as BatchSummary;
    const unsharded = JSON.parse(runs[0]!.stdout) as BatchSummary;
    assert.ok(unsharded.written > 0 && unsharded.written < unsharded.explained, `${unsharded.written} of ${unsharded.explained} misclassified`);
    for (const key of ['inputs', 'explained', 'written', 'labelled', 'correct', 'accuracy', 'only'] as const) assert.deepEqual(summary[key], unsharded[key], key);
    assert.equal(
      await fs.readFile(path.join(dir(), 'only-merged', 'manifest.jsonl'), 'utf8'),
      await fs.readFile(path.join(dir(), 'only-full', 'manifest.jsonl'), 'utf8'),
    );
  });

  const refusals: [string, string[], RegExp][] = [
    ['a missing shard', ['part-1', 'part-3'], /shard 2\/3 missing: merge needs every part of the run/],
    ['a shard given twice', ['part-1', 'part-1', 'part-2', 'part-3'], /part-1 and part-1 are both shard 1\/3/],
    ['the out-dir among the shards', ['part-1', 'part-2', 'part-3', '--out-dir', 'part-1'], /--out-dir part-1 is one of the shards/],
    ['a run that is not a shard', ['full', 'part-1'], /full: not a shard \(made without --shard i\/n\)/],
    ['a directory that is no run', ['.', 'part-1'], /\.: no summary\.json; not the output of a finished batch run/],
  ];
  for (const [name, args, message] of refusals) {
    it(`refuses ${name} with exit 2, writing nothing`, async () => {
      const out = args.includes('--out-dir') ? [] : ['--out-dir', 'refused'];
      const run = await runCli(['merge', ...args, ...out], dir());
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      await assert.rejects(fs.access(path.join(dir(), 'refused')));
    });
  }

  it('refuses shards of different runs (another method) with exit 2', async () => {
    const other = await runCli(['explain', ...INPUTS, '--shard', '2/3', '--method', 'gradcam++', '--out-dir', 'other-2'], dir());
    assert.equal(other.code, 0, other.stderr);
    const run = await runCli(['merge', 'part-1', 'other-2', 'part-3', '--out-dir', 'refused'], dir());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /other-2 and part-1 differ in method \("gradcam\+\+" vs "gradcam"\); they are not shards of one run/);
  });
});
