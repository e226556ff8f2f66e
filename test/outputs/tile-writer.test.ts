import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import type { TileSpec } from '../../src/render/tile-painter.js';
import { overlayTile } from '../../src/render/tiles.js';
import { TileWriter } from '../../src/outputs/tile-writer.js';

describe('TileWriter', () => {
  it('writes the overlay tiles on its thread, pixel for pixel overlayTile, and reports a failed write per picture', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-tiles-'));
    const spec: TileSpec = { imageHeight: 28, imageWidth: 28, heatmapHeight: 11, heatmapWidth: 11, tileHeight: 56, tileWidth: 56, alpha: 0.4, colormap: 'jet' };
    const images = [0, 1, 2].map((k) => Float32Array.from({ length: 784 }, (_, i) => ((i * (k + 3)) % 17) / 16));
    const heatmaps = [0, 1, 2].map((k) => Float32Array.from({ length: 121 }, (_, i) => ((i + k * 5) % 11) / 10));
    const pack = (arrays: Float32Array[]) => {
      const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
      let at = 0;
      for (const a of arrays) {
        out.set(a, at);
        at += a.length;
      }
      return out;
    };
    const targets = [path.join(tmp, 'a.png'), path.join(tmp, 'missing-dir', 'b.png'), path.join(tmp, 'c.png')];
    const writer = new TileWriter(spec, 1);
    try {
      const errors = await writer.write(pack(images), pack(heatmaps), targets);
      assert.equal(errors[0], null);
      assert.match(errors[1] ?? '', /^cannot write .*missing-dir\/b\.png: its directory does not exist/);
      assert.equal(errors[2], null);
      for (const k of [0, 2]) {
        const { data } = await sharp(targets[k]!).raw().toBuffer({ resolveWithObject: true });
        const expected = overlayTile({ image: images[k]!, imageHeight: 28, imageWidth: 28, heatmap: heatmaps[k]!, heatmapHeight: 11, heatmapWidth: 11, scale: 2 });
        assert.deepEqual(new Uint8Array(data), expected.data);
      }
      assert.deepEqual((await fs.readdir(tmp)).sort(), ['a.png', 'c.png'], 'no temporary files left behind');
    } finally {
      await writer.close();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('encodes and writes painted pages on its threads, and reports a failed write', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-pages-'));
    const spec: TileSpec = { imageHeight: 28, imageWidth: 28, heatmapHeight: 11, heatmapWidth: 11, tileHeight: 56, tileWidth: 56, alpha: 0.4, colormap: 'jet' };
    const writer = new TileWriter(spec, 1, 2);
    try {
      const width = 7;
      const height = 5;
      const pixels = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
      const results = await Promise.all([
        writer.writePage(pixels.slice(), width, height, 1, path.join(tmp, 'one.png')),
        writer.writePage(pixels.slice(), width, height, 9, path.join(tmp, 'two.png')),
        writer.writePage(pixels.slice(), width, height, 1, path.join(tmp, 'missing-dir', 'three.png')),
      ]);
      assert.equal(results[0], null);
      assert.equal(results[1], null);
      assert.match(results[2] ?? '', /: its directory does not exist/);
      for (const name of ['one.png', 'two.png']) {
        const { data, info } = await sharp(path.join(tmp, name)).raw().toBuffer({ resolveWithObject: true });
        assert.deepEqual([info.width, info.height, info.channels], [width, height, 3]);
        assert.deepEqual(new Uint8Array(data), pixels);
      }
      assert.deepEqual((await fs.readdir(tmp)).sort(), ['one.png', 'two.png'], 'no temporary files left behind');
    } finally {
      await writer.close();
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
});
