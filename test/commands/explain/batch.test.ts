/**
 * Batch explain end to end: the built CLI in a temporary directory, and the
 * library entry in-process for the tensor-count check.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import { explain } from '../../../src/commands/explain/explain.js';
import { readMnistRecords } from '../../../src/data/mnist.js';
import type { BatchSummary, ManifestEntry, ManifestRecord } from '../../../src/outputs/manifest.js';
import { runCli, type CliRun } from '../../helpers/run-cli.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

const gradcam = runCli;
type Run = CliRun;

async function manifest(dir: string): Promise<ManifestRecord[]> {
  const text = await fs.readFile(path.join(dir, 'manifest.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ManifestRecord);
}

let tmp: string;

describe('batch explain', { concurrency: false }, () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-batch-'));
    // digits/: test digits 0..3 (7, 2, 1, 0) as PNG files named by the label convention, one of them
    // deliberately mislabelled (a 7 named 3_…), a broken file and a non-image.
    const records = await readMnistRecords('test', [0, 1, 2, 3]);
    await fs.mkdir(path.join(tmp, 'digits', 'more'), { recursive: true });
    const names = ['7_seven.png', '2_two.png', 'more/1_one.png', '3_actually-a-zero.png'];
    for (const [i, name] of names.entries()) {
      const pixels = Buffer.from(records.images.subarray(i * 784, (i + 1) * 784));
      await sharp(pixels, { raw: { width: 28, height: 28, channels: 1 } }).png().toFile(path.join(tmp, 'digits', name));
    }
    await fs.writeFile(path.join(tmp, 'digits', '5_broken.png'), 'not a png');
    await fs.writeFile(path.join(tmp, 'digits', 'notes.txt'), 'ignored: not an image extension');
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('--mnist-test writes overlays, a manifest with the documented fields, a summary, a contact sheet and the report', async () => {
    const run = await gradcam(['explain', '--mnist-test', '--limit', '40', '--out-dir', 'out', '--json'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as BatchSummary;
    assert.equal(summary.inputs, 40);
    assert.equal(summary.explained, 40);
    assert.equal(summary.labelled, 40);
    assert.equal(summary.manifestVersion, 2);
    assert.equal(summary.schemaVersion, 2);
    assert.deepEqual(summary.files.contactSheets, ['contact-sheet.png']);
    assert.equal(summary.files.report, 'index.html');
    const out = path.join(tmp, 'out');
    const records = await manifest(out);
    assert.deepEqual(records.map((r) => r.index), Array.from({ length: 40 }, (_, i) => i));
    const first = records[0] as ManifestEntry;
    assert.equal(first.source, 'mnist:test/0');
    assert.equal(first.output, 'images/mnist-test-00000.png');
    assert.equal(first.label, 7);
    assert.equal(first.class, 7);
    assert.equal(first.className, '7');
    assert.equal(first.labelName, '7');
    assert.deepEqual(first.top[0], { class: 7, className: '7', probability: first.probability });
    assert.deepEqual(Object.keys(first).sort(), ['class', 'className', 'correct', 'explainedClass', 'heatmap', 'index', 'label', 'labelName', 'layer', 'method', 'output', 'probability', 'rawPeak', 'score', 'source', 'top'].sort());
    assert.equal(first.top.length, 3);
    assert.ok(first.heatmap.inkShare >= 0 && first.heatmap.inkShare <= 1);
    const correct = records.filter((r) => 'correct' in r && r.correct).length;
    assert.equal(summary.correct, correct);
    for (const record of records as ManifestEntry[]) {
      const meta = await sharp(path.join(out, record.output)).metadata();
      assert.deepEqual([meta.width, meta.height], [112, 112]); // batch default scale 4
    }
    const sheet = await sharp(path.join(out, 'contact-sheet.png')).metadata();
    assert.ok(sheet.width! > 100 && sheet.height! > 100);
    const html = await fs.readFile(path.join(out, 'index.html'), 'utf8');
    assert.match(html, /mnist-test-00039\.png/);
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')).inputs, 40);
  });

  it('a directory with good and broken files: pictures for the good, an error entry for the broken, exit 1', async () => {
    const run = await gradcam(['explain', 'digits', '--labels-from-names', '--out-dir', 'mixed', '--json'], tmp);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^gradcam: digits\/5_broken\.png: /m);
    const records = await manifest(path.join(tmp, 'mixed'));
    assert.deepEqual(
      records.map((r) => r.source),
      ['digits/2_two.png', 'digits/3_actually-a-zero.png', 'digits/5_broken.png', 'digits/7_seven.png', 'digits/more/1_one.png'],
    );
    const broken = records[2]!;
    assert.ok('error' in broken && broken.index === 2);
    const entries = records.filter((r): r is ManifestEntry => !('error' in r));
    assert.deepEqual(entries.map((e) => [e.label, e.class]), [[2, 2], [3, 0], [7, 7], [1, 1]]);
    for (const entry of entries) await fs.access(path.join(tmp, 'mixed', entry.output));
    assert.match(entries[0]!.output, /^images\/2_two-[0-9a-f]{8}\.png$/);
    const summary = JSON.parse(run.stdout) as BatchSummary;
    assert.deepEqual([summary.inputs, summary.explained, summary.failed, summary.labelled, summary.correct], [5, 4, 1, 4, 3]);
  });

  it('--only misclassified writes just those; --fail-under-accuracy sets the exit code', async () => {
    const only = await gradcam(['explain', 'digits/*.png', 'digits/more', '--labels-from-names', '--only', 'misclassified', '--out-dir', 'wrong', '--fail-under-accuracy', '0.9'], tmp);
    assert.equal(only.code, 1);
    assert.match(only.stderr, /accuracy 75\.00% is below --fail-under-accuracy 90\.00%/);
    const records = await manifest(path.join(tmp, 'wrong'));
    const entries = records.filter((r): r is ManifestEntry => !('error' in r));
    assert.deepEqual(entries.map((e) => e.source), ['digits/3_actually-a-zero.png']);
    assert.deepEqual(await fs.readdir(path.join(tmp, 'wrong', 'images')), [path.basename(entries[0]!.output)]);
    const passing = await gradcam(['explain', 'digits/7_seven.png', 'digits/2_two.png', '--labels-from-names', '--out-dir', 'fine', '--fail-under-accuracy', '0.9'], tmp);
    assert.equal(passing.code, 0, passing.stderr);
  });

  it('shards: the manifests of 1/3, 2/3, 3/3 concatenate to the unsharded manifest', async () => {
    const whole = await gradcam(['explain', '--mnist-test', '--limit', '25', '--out-dir', 'whole', '--no-contact-sheet', '--no-report'], tmp);
    assert.equal(whole.code, 0, whole.stderr);
    let joined = '';
    for (const i of [1, 2, 3]) {
      const part = await gradcam(['explain', '--mnist-test', '--limit', '25', '--shard', `${i}/3`, '--out-dir', `shard${i}`, '--no-contact-sheet', '--no-report'], tmp);
      assert.equal(part.code, 0, part.stderr);
      joined += await fs.readFile(path.join(tmp, `shard${i}`, 'manifest.jsonl'), 'utf8');
    }
    assert.equal(joined, await fs.readFile(path.join(tmp, 'whole', 'manifest.jsonl'), 'utf8'));
  });

  it('re-running into an out-dir inside the input directory explains the same inputs and leaves no stale files (issue 12, items 4, 14)', async () => {
    const dir = path.join(tmp, 'rerun');
    await fs.mkdir(dir);
    for (const name of ['7_seven.png', '2_two.png', '3_actually-a-zero.png']) await fs.copyFile(path.join(tmp, 'digits', name), path.join(dir, name));
    const listing = async () => ({ top: (await fs.readdir(path.join(dir, 'out'))).sort(), images: (await fs.readdir(path.join(dir, 'out', 'images'))).sort() });
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const run = await gradcam(['explain', 'rerun', '--labels-from-names', '--out-dir', 'rerun/out', '--json', '--fail-under-accuracy', '0.6'], tmp);
      assert.equal(run.code, 0, run.stderr);
      runs.push({ inputs: (JSON.parse(run.stdout) as BatchSummary).inputs, files: await listing() });
    }
    assert.deepEqual(runs.map((r) => r.inputs), [3, 3, 3]);
    assert.deepEqual(runs[2]!.files, runs[0]!.files);
    // A smaller re-run, with leftovers of a killed save and a foreign file: the old pictures and the sheet go, the foreign file stays.
    const killedSave = '.x-00000000.png.4194305-0123abcd-7.tmp'; // pid above Linux's pid_max: a dead process
    await fs.writeFile(path.join(dir, 'out', 'images', killedSave), '');
    await fs.writeFile(path.join(dir, 'out', 'images', 'mine.txt'), 'not gradcam’s');
    await fs.writeFile(path.join(dir, 'out', 'images', 'holiday.png'), 'not gradcam’s either');
    // A picture a killed run wrote before its manifest line.
    await fs.writeFile(path.join(dir, 'out', 'images', 'mnist-test-09999.png'), '');
    const smaller = await gradcam(['explain', 'rerun/7_seven.png', '--out-dir', 'rerun/out', '--no-contact-sheet'], tmp);
    assert.equal(smaller.code, 0, smaller.stderr);
    const records = await manifest(path.join(dir, 'out'));
    assert.deepEqual(records.map((r) => r.source), ['rerun/7_seven.png']);
    const after = await listing();
    assert.deepEqual(after.images, [path.basename((records[0] as ManifestEntry).output), 'holiday.png', 'mine.txt'].sort());
    assert.deepEqual(after.top, ['images', 'index.html', 'manifest.jsonl', 'summary.json']);
  });

  it('file names keep letters of every script and legal long names work (issue 12, items 10, 11)', async () => {
    const dir = path.join(tmp, 'names');
    await fs.mkdir(dir);
    const names = ['my digit 7 — ñ 数字.png', `${'l'.repeat(236)}.png`, `${'m'.repeat(251)}.png`, 'a:b?c.png'];
    for (const name of names) await fs.copyFile(path.join(tmp, 'digits', '7_seven.png'), path.join(dir, name));
    const run = await gradcam(['explain', 'names', '--out-dir', 'names-out'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const outputs = (await manifest(path.join(tmp, 'names-out'))).map((r) => path.basename((r as ManifestEntry).output));
    assert.equal(outputs.length, 4);
    assert.ok(outputs.some((o) => /^a_b_c-[0-9a-f]{8}\.png$/.test(o)), outputs.join(', '));
    assert.ok(outputs.some((o) => /^my digit 7 — ñ 数字-[0-9a-f]{8}\.png$/.test(o)), outputs.join(', '));
    assert.ok(outputs.some((o) => o.startsWith('l'.repeat(236)) && Buffer.byteLength(o) <= 255), outputs.join(', '));
    assert.ok(outputs.some((o) => o.startsWith('m'.repeat(200)) && Buffer.byteLength(o) === 255), outputs.join(', '));
    for (const output of outputs) await fs.access(path.join(tmp, 'names-out', 'images', output));
  });

  it('batch mode by kind of argument: a directory or a pattern with one image is a batch, one file is the figure', async () => {
    for (const [name, selection] of [['dir-one', ['digits/more']], ['glob-one', ['digits/more/*.png']]] as const) {
      const cwd = path.join(tmp, name);
      await fs.mkdir(cwd);
      await fs.cp(path.join(tmp, 'digits'), path.join(cwd, 'digits'), { recursive: true });
      const run = await gradcam(['explain', ...selection, '--no-contact-sheet', '--no-report', '--json'], cwd);
      assert.equal(run.code, 0, run.stderr);
      assert.equal((JSON.parse(run.stdout) as BatchSummary).inputs, 1, name);
      assert.equal((await manifest(path.join(cwd, 'gradcam-out'))).length, 1, name);
    }
    const single = await gradcam(['explain', 'digits/more/1_one.png', '-o', 'one.png', '--json'], tmp);
    assert.equal(single.code, 0, single.stderr);
    await fs.access(path.join(tmp, 'one.png'));
  });

  const usage: [string, string[], RegExp][] = [
    ['-o with several inputs', ['explain', '--mnist-index', '0..1', '-o', 'x.png'], /-o takes a single image file or MNIST index; with 2 inputs use --out-dir/],
    ['-o with a directory holding one image', ['explain', 'digits/more', '-o', 'x.png'], /-o takes a single image file or MNIST index; a directory, a pattern, a list or --out-dir is batch mode even for one image; use --out-dir/],
    ['a bad shard', ['explain', '--mnist-test', '--shard', '3/2', '--out-dir', 'x'], /--shard must be "i\/n"/],
    ['a pattern matching nothing', ['explain', 'nothing/*.png', '--out-dir', 'x'], /no images match "nothing\/\*\.png"/],
  ];
  for (const [name, args, message] of usage) {
    it(`usage error: ${name} → exit 2`, async () => {
      const run = await gradcam(args, tmp);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
    });
  }

  it('--normalize batch: one scale for the run, so the weakest map is dimmer in its tile than under image', async () => {
    // alpha 1 and gray: a tile pixel is gray(heat) alone, so its brightest pixel reads the map's top value.
    const common = ['explain', '--mnist-index', '0..7', '--class', '3', '--alpha', '1', '--colormap', 'gray', '--no-contact-sheet', '--no-report', '--json'];
    const image = await gradcam([...common, '--out-dir', 'norm-image'], tmp);
    const batch = await gradcam([...common, '--out-dir', 'norm-batch', '--normalize', 'batch'], tmp);
    assert.equal(image.code, 0, image.stderr);
    assert.equal(batch.code, 0, batch.stderr);
    const imageSummary = JSON.parse(image.stdout) as BatchSummary;
    const batchSummary = JSON.parse(batch.stdout) as BatchSummary;
    assert.equal(imageSummary.normalize, 'image');
    assert.equal(batchSummary.normalize, 'batch');
    const entries = (await manifest(path.join(tmp, 'norm-batch'))) as ManifestEntry[];
    const peaks = entries.map((e) => e.rawPeak);
    assert.equal(batchSummary.peak, Math.max(...peaks));
    assert.equal(imageSummary.peak, batchSummary.peak, 'the same maps either way; only their scale differs');
    const weakest = entries[peaks.indexOf(Math.min(...peaks))]!;
    const strongest = entries[peaks.indexOf(Math.max(...peaks))]!;
    assert.ok(weakest.rawPeak < strongest.rawPeak * 0.8, `the inputs' peaks differ enough to see (${peaks.join(', ')})`);
    const brightest = async (dir: string, entry: ManifestEntry): Promise<number> => {
      const { data } = await sharp(path.join(tmp, dir, entry.output)).raw().toBuffer({ resolveWithObject: true });
      return Math.max(...data);
    };
    // The upsampled map's top can fall a little under its cell's 1 (bilinear between cells), hence ≥ 240, not 255.
    const own = await brightest('norm-image', weakest);
    assert.ok(own >= 240, `image: the weakest map still reaches (nearly) the top colour (${own})`);
    const dimmed = await brightest('norm-batch', weakest);
    assert.ok(dimmed <= own * (weakest.rawPeak / strongest.rawPeak) + 2, `batch: the weakest map tops out at ${dimmed}, under image's ${own}`);
    assert.equal(await brightest('norm-batch', strongest), await brightest('norm-image', strongest), "the run's strongest map looks the same either way");
    // The manifest's heat statistics follow the pictures' scale.
    const imageEntries = (await manifest(path.join(tmp, 'norm-image'))) as ManifestEntry[];
    const sameWeakest = imageEntries.find((e) => e.index === weakest.index)!;
    assert.ok(weakest.heatmap.mean < sameWeakest.heatmap.mean, 'mean heat is lower on the shared scale');
    assert.deepEqual(weakest.heatmap.peak, sameWeakest.heatmap.peak, 'the peak stays where it is');
  });

  it('--normalize batch is refused for a single input (usage error)', async () => {
    const run = await gradcam(['explain', '--mnist-index', '0', '--normalize', 'batch', '-o', 'x.png'], tmp);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--normalize batch shares one scale across a batch/);
  });

  it('leaves no tensors behind (in-process)', async () => {
    const options = { images: [], mnistTest: true, limit: 300, outDir: path.join(tmp, 'leak'), contactSheet: false, report: false };
    const result = await assertNoTensorLeak(() => explain(options), { warmUp: true }); // warm-up: model weights and caches
    assert.equal(result.mode, 'batch');
  });
});
