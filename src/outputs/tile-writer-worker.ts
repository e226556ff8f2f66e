/**
 * Entry point of the batch mode's picture thread (started by tile-writer.ts;
 * compiled next to it). For every job it paints the overlay tile, encodes the
 * PNG and writes it atomically, so the main thread only computes Grad-CAM;
 * for a page job (a contact sheet the main thread painted) it encodes and writes.
 * Loads no TensorFlow.js and no sharp.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { shareStopFlag, writeFileAtomic } from '../atomic-write.js';
import { firstLine } from '../errors.js';
import { tilePainter, type TileSpec } from '../render/tile-painter.js';
import { encodeRgbPng } from '../render/png.js';
import type { PageJob, TileJobs, TileResults } from './tile-writer.js';

const { spec, level, stop } = workerData as { spec: TileSpec; level: number; stop: SharedArrayBuffer };
// Ctrl-C in the main thread: start no new temporary file here either (atomic-write.ts).
shareStopFlag(stop);
const painter = tilePainter(spec);
const imageSize = spec.imageHeight * spec.imageWidth;
const mapSize = spec.heatmapHeight * spec.heatmapWidth;

/**
 * Files written at once. Measured here: a synchronous write + rename of a
 * 10 kB file takes ~0.9 ms (the filesystem's metadata latency), more than
 * painting and encoding it; with several in flight on libuv's threads the
 * latency overlaps, ~0.1 ms a file.
 */
const WRITES_IN_FLIGHT = 8;

parentPort!.on('message', (job: TileJobs | PageJob) => {
  void (job.kind === 'tiles' ? writeAll(job) : writePage(job)).then((errors) => {
    const results: TileResults = { id: job.id, errors };
    parentPort!.postMessage(results);
  });
});

/** Encodes and writes one painted picture; [null] when written, else [why not]. */
async function writePage(job: PageJob): Promise<(string | null)[]> {
  try {
    await writeFileAtomic(job.target, encodeRgbPng(job.rgb, job.width, job.height, job.level));
    return [null];
  } catch (error) {
    return [firstLine(error)];
  }
}

async function writeAll(jobs: TileJobs): Promise<(string | null)[]> {
  const errors: (string | null)[] = new Array(jobs.targets.length).fill(null);
  const inFlight = new Set<Promise<void>>();
  for (const [i, target] of jobs.targets.entries()) {
    let png: Buffer;
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
      png = encodeRgbPng(tile.data, tile.width, tile.height, level);
    } catch (error) {
      errors[i] = firstLine(error);
      continue;
    }
    // Atomic without fsync, as writeFileAtomic(…, { durable: false }): a crash never leaves a torn picture.
    const write = writeFileAtomic(target, png, { durable: false })
      .catch((error: unknown) => {
        errors[i] = firstLine(error);
      })
      .finally(() => inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= WRITES_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return errors;
}
