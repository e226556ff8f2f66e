/**
 * The JSON Schemas in schemas/ (issue 13) against real outputs: a batch run
 * over MNIST digits, a photo (with preprocessing and notes) and a broken
 * file, its shards merged, and one input's heatmap JSON. Every manifest line,
 * every summary and the heatmap JSON must validate; and the schemas must
 * reject a record in the old vocabulary, so they are not vacuous.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import AjvModule = require('ajv');
import { packageRoot } from '../../src/package-root.js';
import { barPng } from '../helpers/photo-pictures.js';
import { runCli } from '../helpers/run-cli.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

const SCHEMAS = path.join(packageRoot(), 'schemas');

async function validator(name: string) {
  const schema = JSON.parse(await fs.readFile(path.join(SCHEMAS, `${name}.schema.json`), 'utf8')) as object;
  const ajv = new AjvModule.default({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  return (value: unknown, what: string) => {
    assert.ok(validate(value), `${what} does not match ${name}.schema.json: ${ajv.errorsText(validate.errors)}`);
  };
}

async function manifestLines(dir: string): Promise<unknown[]> {
  return (await fs.readFile(path.join(dir, 'manifest.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

describe('JSON Schemas (schemas/)', { concurrency: false }, () => {
  const dir = temporaryDirectory('gradcam-schemas-', async (d) => {
    await fs.writeFile(path.join(d, 'bar.png'), await barPng());
    await fs.writeFile(path.join(d, 'broken.png'), 'not a png');
  });
  const inputs = ['bar.png', 'broken.png', '--mnist-index', '0..9', '--labels-from-names'];
  before(async () => {
    const runs = await Promise.all([
      runCli(['explain', ...inputs, '--out-dir', 'run'], dir()),
      runCli(['explain', ...inputs, '--shard', '1/2', '--out-dir', 'part-1'], dir()),
      runCli(['explain', ...inputs, '--shard', '2/2', '--out-dir', 'part-2'], dir()),
    ]);
    assert.deepEqual(runs.map((r) => r.code), [1, 1, 0], runs.map((r) => r.stderr).join('\n'));
    const merged = await runCli(['merge', 'part-1', 'part-2', '--out-dir', 'merged'], dir());
    assert.equal(merged.code, 1, merged.stderr);
  });

  it('every manifest line of a run and of a merged run matches manifest-record.schema.json', async () => {
    const check = await validator('manifest-record');
    for (const run of ['run', 'merged']) {
      const records = await manifestLines(path.join(dir(), run));
      assert.equal(records.length, 12);
      records.forEach((record, i) => check(record, `${run}/manifest.jsonl line ${i + 1}`));
      assert.ok(records.some((r) => 'preprocessing' in (r as object)), 'the photo carries its preprocessing');
      assert.ok(records.some((r) => 'error' in (r as object)), 'the broken file is a failure');
    }
  });

  it('summary.json of a run, of each shard and of the merged run matches summary.schema.json', async () => {
    const check = await validator('summary');
    for (const run of ['run', 'part-1', 'part-2', 'merged']) check(JSON.parse(await fs.readFile(path.join(dir(), run, 'summary.json'), 'utf8')), `${run}/summary.json`);
  });

  it('the heatmap JSON of one input, predicted and explaining another class, matches heatmap.schema.json', async () => {
    const check = await validator('heatmap');
    for (const [file, extra] of [['seven.json', []], ['three.json', ['--class', '3']]] as const) {
      const run = await runCli(['explain', '--mnist-index', '0', '-o', `${file}.png`, '--heatmap', file, ...extra], dir());
      assert.equal(run.code, 0, run.stderr);
      check(JSON.parse(await fs.readFile(path.join(dir(), file), 'utf8')), file);
    }
  });

  it('rejects a record in the old vocabulary ("predicted", top without className)', async () => {
    const schema = JSON.parse(await fs.readFile(path.join(SCHEMAS, 'manifest-record.schema.json'), 'utf8')) as object;
    const validate = new AjvModule.default({ strict: true }).compile(schema);
    const [record] = (await manifestLines(path.join(dir(), 'run'))).filter((r) => !('error' in (r as object))) as Record<string, unknown>[];
    assert.ok(validate(record));
    const { class: predicted, className: _name, ...rest } = record!;
    assert.equal(validate({ ...rest, predicted }), false);
    assert.equal(validate({ ...record, top: [{ class: predicted, probability: 0.9 }] }), false);
  });
});
