/**
 * End-to-end: runs the built binary (dist/cli.js; `npm test` builds first) in
 * a temporary directory and looks at what it wrote and printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import tfl = require('@tensorflow/tfjs-layers');
import { initBackend } from '../src/backend/init-backend.js';
import { readMnistRecords } from '../src/data/mnist.js';
import { saveModel } from '../src/model/model-files.js';
import { packageRoot } from '../src/package-root.js';
import { defaultMetadataFor } from '../src/model/tutorial-cnn.js';
import { CLI, runCli, type CliRun } from './helpers/run-cli.js';

const gradcam = runCli;
/** Keras files written by test/fixtures/keras/make-fixtures.py: an 8×8×1 CNN with 4 classes. */
const kerasFixture = (name: string) => path.join(packageRoot(), 'test', 'fixtures', 'keras', name);
type Run = CliRun;

async function pngSize(file: string): Promise<[number, number]> {
  const meta = await sharp(file).metadata();
  return [meta.width!, meta.height!];
}

/** One line, no stack trace. */
function assertOneLineError(run: Run, pattern: RegExp): void {
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(run.stderr, /\n\s+at /);
}

let tmp: string;

describe('gradcam CLI', { concurrency: false }, () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-cli-'));
    // Test digits as a person might bring them: dark ink on white, larger, as PNG and JPEG.
    const records = await readMnistRecords('test', [0, 1]);
    for (const [i, name] of [[0, 'seven.png'], [1, 'two.jpg']] as const) {
      const pixels = Buffer.from(records.images.subarray(i * 784, (i + 1) * 784).map((v) => 255 - v));
      await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } })
        .resize(140, 140, { kernel: 'nearest' })
        .extend({ top: 30, bottom: 10, left: 50, right: 0, background: '#ffffff' })
        .toFile(path.join(tmp, name));
    }
    await fs.writeFile(path.join(tmp, 'broken.png'), 'this is not a PNG');
    await fs.symlink(path.join(tmp, 'nowhere'), path.join(tmp, 'dangling'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('--help lists the commands', async () => {
    const run = await gradcam(['--help'], tmp);
    assert.equal(run.code, 0);
    for (const command of ['train', 'predict', 'explain|gradcam']) assert.match(run.stdout, new RegExp(`\\b${command.replace('|', '\\|')}\\b`));
  });

  it('a reader that closes the pipe early (| head -1) ends the run quietly, without an EPIPE stack', async () => {
    const child = spawn(process.execPath, [CLI, 'predict', '--mnist-index', '0..999'], { cwd: tmp, env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The first line, then the pipe closes, as `head -1` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  for (const command of ['train', 'predict', 'explain', 'evaluate', 'merge']) {
    it(`${command} --help has examples, exit codes and the global options (issue 13)`, async () => {
      const run = await gradcam([command, '--help'], tmp);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`Examples:\\n(  gradcam .*\\n)*  gradcam ${command} `));
      assert.match(run.stdout, /Exit codes: 0 /);
      assert.match(run.stdout, /Global Options:[\s\S]*--backend <name>[\s\S]*--verbose/);
    });
  }

  it('train --limit 2000 --epochs 1 trains, evaluates on the test set and saves a loadable model', async () => {
    const run = await gradcam(['train', '--limit', '2000', '--epochs', '1', '--seed', '1', '-o', 'small-model', '--json'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.trainImages, 1800);
    assert.equal(result.validationImages, 200);
    assert.equal(result.test.count, 10_000);
    assert.ok(result.test.accuracy > 0.8, `test accuracy ${result.test.accuracy}`);
    assert.match(run.stderr, /epoch 1\/1 .*val_accuracy/);
    const files = await fs.readdir(path.join(tmp, 'small-model'));
    assert.deepEqual(files.sort(), ['model.json', result.files[1].split(path.sep).pop()].sort());

    const predicted = await gradcam(['predict', '--model', 'small-model', '--mnist-index', '0..9', '--json'], tmp);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(JSON.parse(predicted.stdout).predictions.length, 10);

    const explained = await gradcam(['explain', '--model', 'small-model', '--mnist-index', '0', '-o', 'small.png'], tmp);
    assert.equal(explained.code, 0, explained.stderr);
    const [width, height] = await pngSize(path.join(tmp, 'small.png'));
    assert.ok(width > 2 * 280 && height > 280, `figure ${width}×${height}`);
  });

  it('predict classifies image files and MNIST digits with the bundled model', async () => {
    const run = await gradcam(['predict', 'seven.png', 'two.jpg', '--mnist-index', '0..1', '--top-k', '2', '--json'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result.predictions.map((p: { class: number }) => p.class), [7, 2, 7, 2]);
    assert.equal(result.predictions[2].source, 'mnist:test/0');
    assert.equal(result.predictions[2].label, 7);
    assert.equal(result.predictions[0].top.length, 2);
    assert.equal(result.summary.accuracy, 1);
  });

  it('explain writes the tutorial figure, the bare overlay and the heatmap JSON', async () => {
    const run = await gradcam(['explain', '--mnist-index', '0', '-o', 'seven-figure.png', '--heatmap', 'seven.json', '--json'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.layer, 'conv2');
    assert.equal(result.score, 'logit');
    assert.equal(result.mode, 'single');
    assert.equal(result.schemaVersion, 2);
    assert.equal(result.explanation.class, 7);
    assert.equal(result.explanation.className, '7');
    assert.equal(result.explanation.top[0].class, 7);
    const [width, height] = await pngSize(path.join(tmp, 'seven-figure.png'));
    assert.ok(width > 2 * 280 && height > 280, `figure ${width}×${height}`);
    const heatmap = JSON.parse(await fs.readFile(path.join(tmp, 'seven.json'), 'utf8'));
    assert.equal(heatmap.schemaVersion, 2);
    assert.equal(heatmap.class, 7);
    assert.equal(heatmap.explainedClass, 7);
    assert.deepEqual([heatmap.map.height, heatmap.map.width, heatmap.map.normalised.length], [11, 11, 11]);
    assert.deepEqual([heatmap.upsampled.height, heatmap.upsampled.values.length, heatmap.upsampled.values[0].length], [28, 28, 28]);
    assert.equal(Math.max(...heatmap.map.normalised.flat()) <= 1, true);
    // The raw peak (what 1 on the colour bar stands for) is the unnormalised map's maximum, in the JSON and the result.
    const unnormalisedMax = Math.max(...heatmap.map.unnormalised.flat());
    assert.ok(unnormalisedMax > 0 && Math.abs(heatmap.map.rawPeak - unnormalisedMax) <= unnormalisedMax * 1e-6, `${heatmap.map.rawPeak} vs ${unnormalisedMax}`);
    assert.equal(result.explanation.rawPeak, heatmap.map.rawPeak);

    const alias = await gradcam(['gradcam', 'two.jpg', '--overlay-only', '--scale', '5', '--layer', 'conv1', '--score', 'prob', '-o', 'two-overlay.png'], tmp);
    assert.equal(alias.code, 0, alias.stderr);
    assert.deepEqual(await pngSize(path.join(tmp, 'two-overlay.png')), [140, 140]);
  });

  it('explains a Sequential model exactly like the functional one', async () => {
    await initBackend('cpu'); // (quietly: tf.setBackend would print tfjs's tfjs-node banner)
    const loaded = await import('../src/model/model-files.js').then((m) => m.loadModel(m.bundledModelDir()));
    // The tutorial CNN again, as a Sequential model, with the bundled model's weights.
    const sequential = tfl.sequential({ name: 'sequential_copy' });
    sequential.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', name: 'conv1' }));
    sequential.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    sequential.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2' }));
    sequential.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
    sequential.add(tfl.layers.flatten());
    sequential.add(tfl.layers.dense({ units: 64, activation: 'relu' }));
    sequential.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
    sequential.setWeights(loaded.model.getWeights());
    await saveModel(sequential, path.join(tmp, 'sequential'), defaultMetadataFor(sequential));
    const functionalRun = await gradcam(['explain', '--mnist-index', '3', '--heatmap', 'functional.json', '-o', 'f.png'], tmp);
    const sequentialRun = await gradcam(['explain', '--model', 'sequential', '--mnist-index', '3', '--heatmap', 'sequential.json', '-o', 's.png'], tmp);
    assert.equal(functionalRun.code, 0, functionalRun.stderr);
    assert.equal(sequentialRun.code, 0, sequentialRun.stderr);
    const f = JSON.parse(await fs.readFile(path.join(tmp, 'functional.json'), 'utf8'));
    const s = JSON.parse(await fs.readFile(path.join(tmp, 'sequential.json'), 'utf8'));
    assert.equal(s.layer, 'conv2');
    assert.deepEqual(s.map.normalised, f.map.normalised);
    loaded.model.dispose();
    sequential.dispose();
  });

  it('predicts and explains Keras .h5 and .keras files, with the same answer', async () => {
    const h5 = await gradcam(['predict', '--model', kerasFixture('tiny-keras2.h5'), 'seven.png', '--json'], tmp);
    const zip = await gradcam(['predict', '--model', kerasFixture('tiny-keras3.keras'), 'seven.png', '--json'], tmp);
    assert.equal(h5.code, 0, h5.stderr);
    assert.equal(zip.code, 0, zip.stderr);
    assert.deepEqual(JSON.parse(zip.stdout).predictions[0].top, JSON.parse(h5.stdout).predictions[0].top);
    const run = await gradcam(['explain', '--model', kerasFixture('tiny-keras3.keras'), 'two.jpg', '--heatmap', 'keras.json', '-o', 'keras.png'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const heatmap = JSON.parse(await fs.readFile(path.join(tmp, 'keras.json'), 'utf8'));
    assert.equal(heatmap.layer, 'conv2d');
    assert.deepEqual([heatmap.map.height, heatmap.map.width], [6, 6]);
  });

  const errorCases: [string, string[], number, RegExp][] = [
    ['missing image', ['explain', 'nope.png'], 1, /^gradcam: nope\.png: no such file/],
    ['broken image among good ones (others still processed)', ['predict', 'seven.png', 'broken.png'], 1, /broken/],
    ['missing model directory', ['predict', '--model', 'nowhere', '--mnist-index', '0'], 1, /^gradcam: model "nowhere" not found/],
    // Values only the model can judge are bad values all the same: exit 2 (issue 12, item 12).
    ['unknown layer', ['explain', '--mnist-index', '0', '--layer', 'conv3'], 2, /^gradcam: unknown layer "conv3"; convolutional layers in this model: conv1, conv2$/],
    ['layer without feature maps', ['explain', '--mnist-index', '0', '--layer', 'dense'], 2, /^gradcam: layer "dense" has no 2-D feature maps/],
    ['class out of range', ['explain', '--mnist-index', '0', '--class', '12'], 2, /^gradcam: class 12 is out of range: this model has 10 classes \(0\.\.9\)$/],
    ['class = class count', ['explain', '--mnist-index', '0', '--class', '10'], 2, /^gradcam: class 10 is out of range/],
    ['negative class', ['explain', '--mnist-index', '0', '--class', '-1'], 2, /^gradcam: option '--class <n>' argument '-1' is invalid/],
    ['MNIST index out of range', ['predict', '--mnist-index', '10000'], 2, /^gradcam: MNIST test index 10000 is out of range \(0\.\.9999\)$/],
    // Of the bundled model too: the user's value, not a broken install (found by the README audit).
    ['--model-output the bundled model lacks', ['predict', '--mnist-index', '0', '--model-output', '5'], 2, /^gradcam: --model-output 5: the model has 1 output \(0: predictions \[\?, 10\]\)$/],
    ['bad option value', ['explain', '--mnist-index', '0', '--alpha', '2'], 2, /--alpha.*expected a number in \[0, 1\]/],
    ['unknown option', ['train', '--epoch', '3'], 2, /^gradcam: unknown option '--epoch' \(did you mean --epochs\?\); see --help$/],
    ['unknown command', ['trian'], 2, /^gradcam: unknown command 'trian' \(did you mean train\?\); see --help$/],
    ['nothing to do', ['predict'], 2, /^gradcam: nothing to predict/],
    // Output-path mistakes (issue 12, items 5 and 15): one line, exit 2, before any work.
    ['-o into a missing directory', ['explain', '--mnist-index', '0', '-o', 'missing/x.png'], 2, /^gradcam: -o missing\/x\.png: directory .*missing does not exist; create it first$/],
    ['-o naming a directory', ['explain', '--mnist-index', '0', '-o', '.'], 2, /^gradcam: -o \.: .* is a directory; give a file name/],
    ['-o through a file', ['explain', '--mnist-index', '0', '-o', 'broken.png/x.png'], 2, /^gradcam: -o broken\.png\/x\.png: .*broken\.png is a file, not a directory$/],
    ['-o through a dangling symlink', ['explain', '--mnist-index', '0', '-o', 'dangling/x.png'], 2, /^gradcam: -o dangling\/x\.png: .*dangling is a symbolic link to nothing/],
    ['-o with an unknown extension', ['explain', '--mnist-index', '0', '-o', 'x.gif'], 2, /^gradcam: -o .*x\.gif: unknown extension "\.gif"; write \.png, \.jpg, \.jpeg, \.webp$/],
    ['--heatmap -', ['explain', '--mnist-index', '0', '--heatmap', '-'], 2, /^gradcam: --heatmap - is not supported: give the JSON file a name/],
    ['-o - with --json', ['explain', '--mnist-index', '0', '-o', '-', '--json'], 2, /^gradcam: -o - writes the PNG to stdout/],
    ['--out-dir naming a file', ['explain', '--mnist-index', '0,1', '--out-dir', 'broken.png'], 2, /^gradcam: --out-dir broken\.png: .*broken\.png is a file, not a directory$/],
    ['train -o naming a file', ['train', '--limit', '100', '--epochs', '1', '-o', 'broken.png'], 2, /^gradcam: -o broken\.png: .*broken\.png is a file, not a directory$/],
    ['train -o below a file', ['train', '--limit', '100', '--epochs', '1', '-o', 'broken.png/m'], 2, /^gradcam: -o broken\.png\/m: .*broken\.png is a file, not a directory$/],
    ['truncated Keras file', ['predict', '--model', kerasFixture('broken-truncated.h5'), 'seven.png'], 1, /^gradcam: .*broken-truncated\.h5: not a readable HDF5 file/],
    ['Keras layer tfjs lacks', ['explain', '--model', kerasFixture('broken-unsupported.h5'), 'seven.png'], 1, /^gradcam: .*layer class "FancyAttention" is not supported.*tensorflowjs_converter --input_format keras/],
  ];
  for (const [name, args, code, pattern] of errorCases) {
    it(`error: ${name} → exit ${code}, one clear line`, async () => {
      const run = await gradcam(args, tmp);
      assert.equal(run.code, code, `${run.stdout}\n${run.stderr}`);
      if (name.startsWith('broken image')) {
        assert.match(run.stdout, /seven\.png {2}→ 7/);
        assertOneLineError(run, /^gradcam: broken\.png: /);
        return;
      }
      if (name === 'bad option value') {
        assert.match(run.stderr, pattern);
        assert.doesNotMatch(run.stderr, /\n\s+at /);
        return;
      }
      assertOneLineError(run, pattern);
    });
  }

  it('a bad --heatmap path is refused before the PNG is written', async () => {
    const run = await gradcam(['explain', '--mnist-index', '0', '-o', 'not-written.png', '--heatmap', 'missing/h.json'], tmp);
    assert.equal(run.code, 2);
    assertOneLineError(run, /^gradcam: --heatmap missing\/h\.json: directory .*missing does not exist/);
    await assert.rejects(fs.access(path.join(tmp, 'not-written.png')));
  });

  it('--out-dir /proc/x fails at once with one line instead of hanging', { skip: process.platform !== 'linux' && 'procfs is Linux' }, async () => {
    const run = await gradcam(['explain', '--mnist-index', '0,1', '--out-dir', '/proc/gradcam-x'], tmp, { timeoutMs: 30_000 });
    // As root: the mkdir fails (exit 2); as another user: /proc is not writable (exit 1).
    assert.equal(run.code, process.getuid?.() === 0 ? 2 : 1, run.stderr);
    assertOneLineError(run, /^gradcam: --out-dir \/proc\/gradcam-x: cannot (create directory \/proc\/gradcam-x|write into \/proc)/);
  });

  it('-o into a directory the user cannot write to: exit 1 with one line, before training or explaining', { skip: process.getuid?.() !== 0 && 'needs root, to run as nobody' }, async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-cli-ro-'));
    try {
      await fs.chmod(dir, 0o755);
      await fs.mkdir(path.join(dir, 'ro'));
      await fs.chmod(path.join(dir, 'ro'), 0o555);
      const nobody = { uid: 65534, gid: 65534 };
      for (const args of [['train', '--limit', '100', '-o', 'ro/model'], ['explain', '--mnist-index', '0', '-o', 'ro/x.png']]) {
        const run = await gradcam(args, dir, nobody);
        assert.equal(run.code, 1, run.stderr);
        assertOneLineError(run, /^gradcam: -o ro\/(model|x\.png): cannot write into .*\/ro: permission denied; choose a directory you can write to$/);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('-o encodes by extension: .jpg is JPEG, .webp is WebP; -o - writes the PNG to stdout and the report line to stderr', async () => {
    for (const [file, format] of [['f.jpg', 'jpeg'], ['f.JPEG', 'jpeg'], ['f.webp', 'webp']] as const) {
      const run = await gradcam(['explain', '--mnist-index', '0', '-o', file], tmp);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((await sharp(path.join(tmp, file)).metadata()).format, format);
    }
    const piped = await gradcam(['explain', '--mnist-index', '0', '-o', '-'], tmp);
    assert.equal(piped.code, 0, piped.stderr);
    const meta = await sharp(piped.stdoutBytes).metadata();
    assert.equal(meta.format, 'png');
    assert.ok(meta.width! > 280);
    assert.match(piped.stderr, /wrote the PNG to stdout/);
    await assert.rejects(fs.access(path.join(tmp, '-')));
  });

  it('-o with a legal 240-character name works, and so does the default name of a 250-character input', async () => {
    const name = `${'l'.repeat(236)}.png`;
    const run = await gradcam(['explain', '--mnist-index', '0', '-o', name], tmp);
    assert.equal(run.code, 0, run.stderr);
    const [width] = await pngSize(path.join(tmp, name));
    assert.ok(width > 2 * 280, `figure width ${width}`);
    const input = `${'i'.repeat(246)}.png`;
    await fs.copyFile(path.join(tmp, 'seven.png'), path.join(tmp, input));
    const byDefault = await gradcam(['explain', input], tmp);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.ok((await fs.readdir(tmp)).some((f) => f.startsWith('i'.repeat(200)) && f.endsWith('-gradcam.png') && Buffer.byteLength(f) === 255));
  });

  it('--verbose names the backend, and shows the stack of an error', async () => {
    const ok = await gradcam(['--verbose', 'predict', '--mnist-index', '0'], tmp);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /backend: (wasm|tensorflow|cpu)/);
    const failed = await gradcam(['--verbose', 'explain', '--mnist-index', '0', '--layer', 'conv3'], tmp);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /\n\s+at /);
  });
});
