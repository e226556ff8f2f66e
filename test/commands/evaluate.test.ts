/** `gradcam evaluate`: the command's result and files, its checks before work, and the CLI. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import { evaluate, type EvaluateResult } from '../../src/commands/evaluate/evaluate.js';
import { EXIT_CODES, GradcamError } from '../../src/errors.js';
import { saveNanModel } from '../helpers/nan-model.js';
import { runCli } from '../helpers/run-cli.js';

let tmp: string;

describe('gradcam evaluate', () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-evaluate-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('scores the methods asked for, says what decided the numbers, and writes the report files', async () => {
    const result = await evaluate({ images: [], mnistIndex: '0..23', methods: ['gradcam', 'center'], outDir: 'out', cwd: tmp, backend: 'wasm', threads: 1 });
    assert.deepEqual(Object.keys(result.methods), ['gradcam', 'center']);
    assert.equal(result.settings.images, 24);
    assert.equal(result.settings.layer, 'conv2');
    assert.equal(result.settings.baseline, 'zero');
    assert.equal(result.settings.curveSteps, 20);
    assert.equal(result.sanity, undefined);
    for (const scores of Object.values(result.methods)) {
      for (const v of [scores.deletionAuc, scores.insertionAuc, scores.averageDrop, scores.increaseInConfidence, scores.road.morfMean, scores.road.lerfMean]) {
        assert.ok(Number.isFinite(v));
      }
    }
    const out = path.join(tmp, 'out');
    const written = JSON.parse(await fs.readFile(path.join(out, 'evaluation.json'), 'utf8')) as EvaluateResult;
    assert.deepEqual(written.methods, JSON.parse(JSON.stringify(result.methods)));
    for (const file of [...result.files!.plots, ...result.files!.examples]) {
      const { format, width } = await sharp(path.join(out, file)).metadata();
      assert.equal(format, 'png', file);
      assert.ok(width! >= 100, file);
    }
    const html = await fs.readFile(path.join(out, 'evaluate.html'), 'utf8');
    assert.match(html, /<th>deletion AUC ↓<\/th>/);
    assert.match(html, /src="deletion\.png"/);
    assert.match(html, /src="examples\/gradcam\.png"/);
    assert.deepEqual((await fs.readdir(out)).filter((f) => f.endsWith('.tmp')), []);
    // A second run into the same directory with other methods leaves no picture of the first.
    await evaluate({ images: [], mnistIndex: '0..3', methods: ['random'], outDir: 'out', cwd: tmp, backend: 'wasm', threads: 1 });
    assert.deepEqual((await fs.readdir(path.join(out, 'examples'))).sort(), ['input.png', 'random.png']);
  });

  it('refuses bad values before loading anything: unknown method, unknown layer, --out-dir naming a file', async () => {
    await assert.rejects(evaluate({ images: [], mnistIndex: '0', methods: ['nope'], cwd: tmp }), (e: GradcamError) => e.exitCode === EXIT_CODES.usage && /unknown method "nope"/.test(e.message));
    await assert.rejects(evaluate({ images: [], mnistIndex: '0', layer: 'conv9', cwd: tmp, backend: 'wasm' }), (e: GradcamError) => e.exitCode === EXIT_CODES.usage && /conv9/.test(e.message));
    await assert.rejects(evaluate({ images: [], mnistIndex: '0', outDir: '/proc/x', cwd: tmp }), (e: GradcamError) => e instanceof GradcamError && /\/proc\/x/.test(e.message));
    await fs.writeFile(path.join(tmp, 'a-file'), 'x');
    await assert.rejects(evaluate({ images: [], mnistIndex: '0', outDir: 'a-file', cwd: tmp }), (e: GradcamError) => e.exitCode === EXIT_CODES.usage && /is a file/.test(e.message));
  });

  it('a model whose output is NaN is refused in one line, exit 1, not scored', async () => {
    const dir = path.join(tmp, 'nan-model');
    await saveNanModel(dir);
    const run = await runCli(['evaluate', '--mnist-index', '0..3', '--model', dir, '--threads', '1'], tmp);
    assert.equal(run.code, EXIT_CODES.failure, run.stderr);
    assert.match(run.stderr, /^gradcam: the model's output is not a number/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  });

  it('inputs that cannot be read are listed and the others scored; the CLI exits 1 and prints the table', async () => {
    await fs.writeFile(path.join(tmp, 'broken.png'), 'not a png');
    await fs.copyFile(path.join(tmp, 'out', 'examples', 'input.png'), path.join(tmp, 'digit.png'));
    const run = await runCli(['evaluate', 'digit.png', 'broken.png', '--methods', 'gradcam,random'], tmp);
    assert.equal(run.code, EXIT_CODES.failure, run.stderr);
    assert.match(run.stdout, /^method\s+deletion AUC ↓/m);
    assert.match(run.stdout, /^gradcam\s+\d/m);
    assert.match(run.stdout, /^1 images, layer conv2/m);
    assert.match(run.stderr, /broken\.png/);
  });

  it('--json has the shape of issue 10, with --sanity the cascade per method; bad usage is one line, exit 2', async () => {
    const run = await runCli(['evaluate', '--mnist-index', '0..15', '--methods', 'gradcam,random', '--sanity', '--json', '--threads', '1'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as EvaluateResult;
    for (const key of ['deletionAuc', 'insertionAuc', 'averageDrop', 'increaseInConfidence', 'road']) assert.ok(key in result.methods.gradcam!, key);
    assert.deepEqual(result.sanity!.gradcam!.cascade.map((step) => step.layer), ['predictions', 'dense', 'conv2', 'conv1']);
    assert.deepEqual(Object.keys(result.sanity!.gradcam!.cascade[0]!), ['layer', 'spearman', 'ssim']);
    const bad = await runCli(['evaluate', '--mnist-index', '0', '--methods', 'gradcam,nope'], tmp);
    assert.equal(bad.code, EXIT_CODES.usage);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });
});

describe('gradcam evaluate on worker threads', () => {
  it('two threads give the numbers of one (image-weighted merge, seeds by image position)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-evaluate-threads-'));
    try {
      const args = ['evaluate', '--mnist-index', '0..127', '--methods', 'gradcam,random', '--json'];
      const [one, two] = await Promise.all([runCli([...args, '--threads', '1'], dir), runCli([...args, '--threads', '2'], dir)]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      const a = JSON.parse(one.stdout) as EvaluateResult;
      const b = JSON.parse(two.stdout) as EvaluateResult;
      assert.equal(a.settings.threads, 1);
      assert.equal(b.settings.threads, 2);
      for (const method of ['gradcam', 'random']) {
        for (const key of ['deletionAuc', 'insertionAuc', 'averageDrop', 'increaseInConfidence'] as const) {
          assert.ok(Math.abs(a.methods[method]![key] - b.methods[method]![key]) < 1e-6, `${method} ${key}: ${a.methods[method]![key]} vs ${b.methods[method]![key]}`);
        }
        assert.ok(Math.abs(a.methods[method]!.road.morfMean - b.methods[method]!.road.morfMean) < 1e-6);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
