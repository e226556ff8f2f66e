import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import type { ContactSheetItem } from '../../outputs/contact-sheet.js';
import { firstLine, GradcamError } from '../../errors.js';
import type { GradcamBatch } from '../../cam/gradcam.js';
import { heatmapStats } from '../../outputs/heatmap-stats.js';
import { isFailure, loadInputs, type Digit, type InputRef, type LoadedInput } from '../../data/inputs.js';
import {
  MANIFEST_FILE,
  MANIFEST_VERSION,
  REPORT_FILE,
  SUMMARY_FILE,
  type BatchSummary,
  type ManifestEntry,
  type ManifestRecord,
} from '../../outputs/manifest.js';
import { renderPanel, resizeBilinear } from '../../render/overlay.js';
import { GradcamPool } from '../../cam/gradcam-pool.js';
import { TileWriter } from '../../outputs/tile-writer.js';
import { topClasses } from '../../model/ranking.js';
import type { BatchExplainResult, ExplainOptions } from './explain.js';
import { argMax, openExplainer, percent, resolveStyle, type Explainer, type ExplainStyle } from './setup.js';

/** Images per forward/backward pass and per manifest flush. */
export const BATCH_CHUNK = 256;

/**
 * zlib level of the batch pictures: level 1 deflates a 112 px overlay in
 * ~0.1 ms against ~0.9 ms at level 6, for files ~20% larger (11.7 kB against
 * 9.7 kB); 10,000 of them are CPU time the run cannot spare on 2 cores.
 */
const BATCH_PNG_LEVEL = 1;

/** Inputs from which batch mode computes Grad-CAM in worker threads (their start-up, ~0.3 s, pays off). */
const POOL_MIN_IMAGES = 2048;

/**
 * Picture threads. Painting and encoding 10,000 overlays is more work than
 * their Grad-CAM, so on 2 cores two picture threads and the main thread share
 * the cores, which the OS balances: 10,000 test digits took 20-22 s against
 * 23-24 s with one picture thread (alternating runs on a busy 2-core machine).
 */
const PICTURE_THREADS = Math.min(2, availableParallelism());

/** Classes listed per manifest entry. */
const TOP_K = 3;

/** Progress of a batch run, reported after every chunk. */
export interface BatchProgress {
  done: number;
  total: number;
  failed: number;
  elapsedSeconds: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

/**
 * Batch mode of `gradcam explain`: explains the inputs in chunks and writes,
 * under the output directory, `images/<name>.png` per input, `manifest.jsonl`
 * (appended chunk by chunk, once the chunk's pictures are on disk, so an
 * interrupted run keeps a valid manifest of what it wrote), `summary.json`,
 * contact sheets and `index.html`. Image files of the next chunk decode on
 * libuv's threads, and the overlays are painted, encoded and written on a
 * worker thread (outputs/tile-writer.ts), while this thread computes Grad-CAM.
 *
 * @param items the inputs of this run with their positions in the full input list.
 */
export async function explainBatch(
  items: readonly { ref: InputRef; index: number }[],
  options: ExplainOptions,
  shard: BatchSummary['shard'],
): Promise<BatchExplainResult> {
  const started = performance.now();
  const style = resolveStyle(options, true);
  const only = options.only ?? 'all';
  const cwd = options.cwd ?? '.';
  const outDir = path.resolve(cwd, options.outDir ?? 'gradcam-out');
  await fs.mkdir(path.join(outDir, 'images'), { recursive: true });
  const explainer = await openExplainer(options, style);
  const { session, gradcam, className } = explainer;
  const inputShape = session.metadata.input;
  const imageSize = inputShape.height * inputShape.width;
  const mapSize = gradcam.mapHeight * gradcam.mapWidth;
  // The main thread and the picture thread keep two cores busy; Grad-CAM moves
  // to worker threads only where there are more (measured on 2 cores: a pool
  // competing with the picture thread made 10,000 images take 18-24 s instead of 15).
  const poolThreads = availableParallelism() - 2;
  const pool =
    items.length >= POOL_MIN_IMAGES && poolThreads >= 2
      ? await GradcamPool.start(
          { modelJsonPath: session.modelJsonPath, layerName: gradcam.layerName, score: style.score, backend: session.backend.name },
          poolThreads,
        )
      : undefined;
  const tiles = options.figures
    ? undefined
    : new TileWriter(
        {
          imageHeight: inputShape.height,
          imageWidth: inputShape.width,
          heatmapHeight: gradcam.mapHeight,
          heatmapWidth: gradcam.mapWidth,
          tileHeight: inputShape.height * style.scale,
          tileWidth: inputShape.width * style.scale,
          alpha: style.alpha,
          colormap: style.colormap,
        },
        BATCH_PNG_LEVEL,
        PICTURE_THREADS,
      );
  const manifest = await fs.open(path.join(outDir, MANIFEST_FILE), 'w');
  const records: ManifestRecord[] = [];
  // What the contact sheets need of each input that gets a picture.
  const sheetItems: ContactSheetItem[] = [];
  const counts = { explained: 0, labelled: 0, correct: 0, failed: 0 };
  const seconds = { load: 0, explain: 0, write: 0 };
  let explained = false;

  try {
    // MNIST records are read once, up front (one sequential read of at most
    // 7.8 MB); image files are decoded chunk by chunk, ahead of the compute.
    const mnistPositions = items.flatMap((item, i) => (item.ref.kind === 'mnist' ? [i] : []));
    const mnistLoaded = await loadInputs(
      mnistPositions.map((i) => items[i]!.ref),
      { dataDir: options.dataDir },
    );
    const preloaded = new Map(mnistPositions.map((position, k) => [position, mnistLoaded[k]!]));
    const load = async (start: number, end: number): Promise<LoadedInput[]> => {
      const positions = Array.from({ length: Math.min(end, items.length) - start }, (_, k) => start + k);
      const files = positions.filter((p) => !preloaded.has(p));
      const decoded = await loadInputs(
        files.map((p) => items[p]!.ref),
        { dataDir: options.dataDir, cwd },
      );
      const byPosition = new Map(files.map((p, k) => [p, decoded[k]!]));
      return positions.map((p) => preloaded.get(p) ?? byPosition.get(p)!);
    };

    /** The previous chunk, whose pictures are being written while this thread computes the next one. */
    let pending: { records: ManifestRecord[]; written: Promise<(string | null)[]> } | undefined;
    const flush = async () => {
      if (pending === undefined) return;
      const t0 = performance.now();
      const chunk = pending;
      pending = undefined;
      const errors = await chunk.written;
      // Entries whose picture could not be written stay in the manifest, as failures.
      let k = 0;
      const lines = chunk.records.map((record) => {
        if ('error' in record) return record;
        const error = errors[k++];
        if (error == null) return record;
        counts.failed++;
        return { index: record.index, source: record.source, error: `cannot write ${record.output}: ${error}` };
      });
      await manifest.appendFile(lines.map((r) => `${JSON.stringify(r)}\n`).join(''));
      records.push(...lines);
      seconds.write += (performance.now() - t0) / 1000;
    };

    /** Decodes a chunk and computes its maps: in the Grad-CAM threads when there is a pool, else here. */
    const compute = async (start: number): Promise<{ inputs: LoadedInput[]; maps: GradcamBatch | undefined }> => {
      const waitStart = performance.now();
      const inputs = await load(start, start + BATCH_CHUNK);
      seconds.load += (performance.now() - waitStart) / 1000;
      const digits = inputs.filter((input): input is Digit => !isFailure(input));
      if (digits.length === 0) return { inputs, maps: undefined };
      const classes = options.classIndex === undefined ? undefined : digits.map(() => options.classIndex!);
      if (pool !== undefined) {
        return { inputs, maps: await pool.explain(packed(digits.map((d) => d.pixels), imageSize), digits.length, imageSize, classes) };
      }
      const x = explainer.stack(digits);
      try {
        return { inputs, maps: gradcam.explain(x, classes) };
      } finally {
        x.dispose();
      }
    };

    // While a chunk computes (here, or in the pool), the previous chunk's
    // pictures are painted and written on the picture thread.
    let next = items.length > 0 ? compute(0) : undefined;
    for (let start = 0; start < items.length; start += BATCH_CHUNK) {
      const chunk = items.slice(start, start + BATCH_CHUNK);
      const t0 = performance.now();
      const { inputs, maps } = await next!;
      seconds.explain += (performance.now() - t0) / 1000;
      await flush();

      const t1 = performance.now();
      const chunkRecords: ManifestRecord[] = [];
      const pictures: { input: Digit; heatmap: Float32Array; entry: ManifestEntry }[] = [];
      let d = 0;
      for (const [i, input] of inputs.entries()) {
        const { index } = chunk[i]!;
        if (isFailure(input)) {
          counts.failed++;
          chunkRecords.push({ index, source: input.source, error: input.error });
          continue;
        }
        const k = d++;
        const { classCount, mapHeight, mapWidth } = maps!;
        const probabilities = maps!.probabilities.subarray(k * classCount, (k + 1) * classCount);
        const heatmap = maps!.heatmaps.slice(k * mapSize, (k + 1) * mapSize);
        const predicted = argMax(probabilities);
        const upsampled = resizeBilinear(heatmap, mapHeight, mapWidth, inputShape.height, inputShape.width);
        const entry: ManifestEntry = {
          index,
          source: input.source,
          output: path.posix.join('images', `${outputStem(input.ref)}.png`),
          predicted,
          probability: probabilities[predicted]!,
          top: topClasses(probabilities, TOP_K).map(({ classIndex, probability }) => ({ class: classIndex, probability })),
          ...(input.label === undefined ? {} : { label: input.label, correct: input.label === predicted }),
          explainedClass: maps!.classes[k]!,
          layer: gradcam.layerName,
          method: 'gradcam',
          score: style.score,
          heatmap: heatmapStats(upsampled, input.pixels, inputShape.width),
        };
        counts.explained++;
        if (entry.label !== undefined) {
          counts.labelled++;
          if (entry.correct) counts.correct++;
        }
        if (!selected(entry, only)) continue;
        chunkRecords.push(entry);
        pictures.push({ input, heatmap, entry });
        sheetItems.push({
          image: input.pixels,
          heatmap,
          heatmapHeight: mapHeight,
          heatmapWidth: mapWidth,
          predicted,
          probability: entry.probability,
          ...(input.label === undefined ? {} : { label: input.label }),
        });
      }
      const written =
        tiles === undefined
          ? writeFigures(pictures, { outDir, style, explainer, inputShape })
          : tiles.write(
              packed(pictures.map((p) => p.input.pixels), imageSize),
              packed(pictures.map((p) => p.heatmap), mapSize),
              pictures.map((p) => path.join(outDir, p.entry.output)),
            );
      pending = { records: chunkRecords, written };
      seconds.write += (performance.now() - t1) / 1000;
      // The next chunk computes only now, once this chunk's pictures are with the picture thread.
      next = start + BATCH_CHUNK < items.length ? compute(start + BATCH_CHUNK) : undefined;

      const done = Math.min(start + BATCH_CHUNK, items.length);
      const elapsedSeconds = (performance.now() - started) / 1000;
      const imagesPerSecond = done / elapsedSeconds;
      options.onProgress?.({
        done,
        total: items.length,
        failed: counts.failed,
        elapsedSeconds,
        imagesPerSecond,
        etaSeconds: (items.length - done) / imagesPerSecond,
      });
    }
    await flush();
    explained = true;
  } finally {
    await manifest.sync();
    await manifest.close();
    // The picture threads stay for the contact sheets when all went well.
    if (!explained) await tiles?.close();
    await pool?.close();
    session.model.dispose();
  }

  const t2 = performance.now();
  let contactSheets: string[];
  try {
    contactSheets =
      options.contactSheet === false
        ? []
        : await writeContactSheets(outDir, sheetItems, style, counts, session.metadata.classNames, tiles);
  } finally {
    await tiles?.close();
  }
  seconds.write += (performance.now() - t2) / 1000;
  const total = (performance.now() - started) / 1000;
  const summary: BatchSummary = {
    manifestVersion: MANIFEST_VERSION,
    inputs: items.length,
    explained: counts.explained,
    failed: counts.failed,
    written: records.length - counts.failed,
    only,
    labelled: counts.labelled,
    correct: counts.correct,
    accuracy: counts.labelled > 0 ? counts.correct / counts.labelled : null,
    shard,
    backend: session.backend.name,
    model: session.modelJsonPath,
    layer: gradcam.layerName,
    score: style.score,
    classNames: session.metadata.classNames,
    seconds: { ...seconds, total },
    imagesPerSecond: items.length / total,
    outDir,
    files: { manifest: MANIFEST_FILE, summary: SUMMARY_FILE, contactSheets, report: null },
  };
  if (options.report !== false) {
    const { renderHtmlReport } = await import('../../outputs/html-report.js');
    await writeFileAtomic(path.join(outDir, REPORT_FILE), renderHtmlReport(records, summary, { classNames: summary.classNames }));
    summary.files.report = REPORT_FILE;
  }
  await writeFileAtomic(path.join(outDir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return { mode: 'batch', summary, records };
}

/** Concatenates equally long arrays into one (the transfer unit of the tile thread). */
function packed(arrays: readonly Float32Array[], size: number): Float32Array {
  const out = new Float32Array(arrays.length * size);
  arrays.forEach((array, i) => out.set(array, i * size));
  return out;
}

/** --figures: the two-tile figure per picture, rendered here (it needs text). Resolves to null or an error per picture. */
async function writeFigures(
  pictures: readonly { input: Digit; heatmap: Float32Array; entry: ManifestEntry }[],
  context: { outDir: string; style: ExplainStyle; explainer: Explainer; inputShape: { height: number; width: number } },
): Promise<(string | null)[]> {
  const { outDir, style, explainer, inputShape } = context;
  const { gradcam, className } = explainer;
  await explainer.textReady;
  return Promise.all(
    pictures.map(async ({ input, heatmap, entry }) => {
      try {
        const png = await renderPanel({
          image: input.pixels,
          imageHeight: inputShape.height,
          imageWidth: inputShape.width,
          heatmap,
          heatmapHeight: gradcam.mapHeight,
          heatmapWidth: gradcam.mapWidth,
          scale: style.scale,
          alpha: style.alpha,
          colormap: style.colormap,
          titles: {
            original: input.label === undefined ? 'Original' : `Original (label ${className(input.label)})`,
            gradcam: `Grad-CAM: ${className(entry.predicted)} (${percent(entry.probability)})`,
          },
          subtitle: `layer ${gradcam.layerName} · score: ${style.score}`,
        });
        await writeFileAtomic(path.join(outDir, entry.output), png, { durable: false });
        return null;
      } catch (error) {
        return firstLine(error);
      }
    }),
  );
}

/** Whether an entry gets a picture and a manifest line under --only. Unlabelled inputs are neither correct nor misclassified. */
function selected(entry: ManifestEntry, only: 'all' | 'misclassified' | 'correct'): boolean {
  if (only === 'all') return true;
  if (entry.correct === undefined) return false;
  return only === 'correct' ? entry.correct : !entry.correct;
}

/**
 * Stable, collision-free file stems that depend only on the input itself (so
 * shards and reruns agree): `mnist-test-00042`, or the file's name plus the
 * first 8 hex digits of the SHA-1 of its path as given (`7_foo-3fa2b1c4`).
 */
export function outputStem(ref: InputRef): string {
  if (ref.kind === 'mnist') return `mnist-${ref.split}-${String(ref.index).padStart(5, '0')}`;
  const name = path.parse(ref.path).name.replace(/[^\w.-]+/g, '_') || 'image';
  return `${name}-${createHash('sha1').update(ref.path).digest('hex').slice(0, 8)}`;
}

async function writeContactSheets(
  outDir: string,
  items: ContactSheetItem[],
  style: ExplainStyle,
  counts: { explained: number; labelled: number; correct: number },
  classNames: readonly string[],
  tiles: TileWriter | undefined,
): Promise<string[]> {
  if (items.length === 0) return [];
  const { CONTACT_SHEET_PNG_LEVEL, paintContactSheets, renderContactSheets } = await import('../../outputs/contact-sheet.js');
  const options = { alpha: style.alpha, colormap: style.colormap, counts, classNames };
  const fileName = (index: number, count: number) =>
    count === 1 ? 'contact-sheet.png' : `contact-sheet-${String(index + 1).padStart(3, '0')}.png`;
  const files: string[] = [];
  if (tiles === undefined) {
    // --figures: no picture threads; encode and write here.
    const pages = await renderContactSheets(items, options);
    for (const [i, png] of pages.entries()) {
      const file = fileName(i, pages.length);
      await writeFileAtomic(path.join(outDir, file), png);
      files.push(file);
    }
    return files;
  }
  // Pages are painted here and encoded and written on the picture threads
  // meanwhile (encoding costs more than painting: contact-sheet.ts). While one
  // page is painted, at most one per picture thread is being written (~6.9 MB each).
  const writes: Promise<string | null>[] = [];
  await paintContactSheets(items, options, async (page, index, count) => {
    const file = fileName(index, count);
    files.push(file);
    const write = tiles.writePage(page.data, page.width, page.height, CONTACT_SHEET_PNG_LEVEL, path.join(outDir, file));
    write.catch(() => undefined); // awaited below; a failed thread must not also count as an unhandled rejection
    writes.push(write);
    if (writes.length > PICTURE_THREADS) await writes[writes.length - 1 - PICTURE_THREADS];
  });
  const errors = await Promise.all(writes);
  const failed = errors.findIndex((error) => error !== null);
  if (failed >= 0) throw new GradcamError(`cannot write ${path.join(outDir, files[failed]!)}: ${errors[failed]}`);
  return files;
}
