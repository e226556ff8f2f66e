/**
 * Entry point of the batch mode's picture thread (started by tile-writer.ts;
 * compiled next to it). For every job it paints the overlay tile, encodes the
 * PNG and writes it atomically, so the main thread only computes Grad-CAM.
 * Loads no TensorFlow.js and no sharp.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { firstLine } from '../errors.js';
import { tilePainter, type TileSpec } from '../overlay.js';
import { encodeRgbPng } from '../png.js';
import type { TileJobs, TileResults } from './tile-writer.js';

const { spec, level } = workerData as { spec: TileSpec; level: number };
const painter = tilePainter(spec);
const imageSize = spec.imageHeight * spec.imageWidth;
const mapSize = spec.heatmapHeight * spec.heatmapWidth;
let temporaryCount = 0;

parentPort!.on('message', (jobs: TileJobs) => {
  const errors: (string | null)[] = jobs.targets.map((target, i) => {
    try {
      const tile = { data: new Uint8Array(spec.tileHeight * spec.tileWidth * 3), width: spec.tileWidth, height: spec.tileHeight };
      painter.paintTile(
        tile,
        0,
        0,
        jobs.images.subarray(i * imageSize, (i + 1) * imageSize),
        jobs.heatmaps.subarray(i * mapSize, (i + 1) * mapSize),
        target,
      );
      // Atomic without fsync, as writeFileAtomic(…, { durable: false }): a crash never leaves a torn picture.
      const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${jobs.id}-${++temporaryCount}.tmp`);
      fs.writeFileSync(temporary, encodeRgbPng(tile.data, tile.width, tile.height, level));
      fs.renameSync(temporary, target);
      return null;
    } catch (error) {
      return firstLine(error);
    }
  });
  const results: TileResults = { id: jobs.id, errors };
  parentPort!.postMessage(results);
});
