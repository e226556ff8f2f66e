/** `gradcam explain --method all` and the method flags, through the CLI. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import { CAM_METHOD_NAMES } from '../../../src/cam/cam-methods.js';
import { EXIT_CODES } from '../../../src/errors.js';
import { runCli } from '../../helpers/run-cli.js';

let tmp: string;

describe('explain --method all and the method options', () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-compare-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('--method all writes one figure with a tile per method plus the original', async () => {
    const run = await runCli(['explain', '--mnist-index', '0', '--method', 'all', '--scale', '2', '-o', 'all.png', '--json'], tmp);
    assert.equal(run.code, 0, run.stderr);
    const { width, height } = await sharp(path.join(tmp, 'all.png')).metadata();
    // 5 tiles of 56 px per row: 1 + CAM_METHOD_NAMES.length tiles → rows of titled tiles.
    const rows = Math.ceil((1 + CAM_METHOD_NAMES.length) / 5);
    assert.ok(width! >= 5 * 56 && height! >= rows * 56, `${width}×${height}`);
    const result = JSON.parse(run.stdout) as { explanation: { class: number } };
    assert.equal(result.explanation.class, 7);
  });

  it('--method all refuses several inputs and --heatmap with exit code 2 and one line', async () => {
    for (const args of [
      ['explain', '--mnist-index', '0,1', '--method', 'all', '--out-dir', 'o'],
      ['explain', '--mnist-index', '0', '--method', 'all', '--heatmap', 'h.json'],
      ['explain', '--mnist-index', '0', '--noise', '0.2'],
    ]) {
      const run = await runCli(args, tmp);
      assert.equal(run.code, EXIT_CODES.usage, `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
    await assert.rejects(fs.access(path.join(tmp, 'o')), 'nothing written');
  });

  it('--layer conv1,conv2 --smooth-grad 2 --eigen-smooth and a batch with --method layercam run', async () => {
    const single = await runCli(['explain', '--mnist-index', '0', '--layer', 'conv1,conv2', '--smooth-grad', '2', '--eigen-smooth', '--heatmap', 'h.json', '-o', 's.png'], tmp);
    assert.equal(single.code, 0, single.stderr);
    const heatmap = JSON.parse(await fs.readFile(path.join(tmp, 'h.json'), 'utf8')) as { layer: string; map: { height: number } };
    assert.equal(heatmap.layer, 'conv1,conv2');
    assert.equal(heatmap.map.height, 28, 'several layers: maps at the input size');
    const batch = await runCli(['explain', '--mnist-index', '0..7', '--method', 'layercam', '--out-dir', 'b', '--json'], tmp);
    assert.equal(batch.code, 0, batch.stderr);
    const manifest = (await fs.readFile(path.join(tmp, 'b', 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { method?: string });
    assert.ok(manifest.length >= 8 && manifest.every((r) => r.method === undefined || r.method === 'layercam'));
    assert.ok(manifest.some((r) => r.method === 'layercam'));
  });
});
