import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { GradcamPool } from '../../cam/gradcam-pool.js';
import { NORMALISATION_EPSILON, type CamBatch } from '../../cam/pipeline.js';
import { scaleToPeak } from '../../cam/map-scale.js';
import { rawPeaks } from '../../cam/raw-peak.js';
import { assertInputsFit, isFailure, loadInputs, type Digit, type InputRef, type LoadedInput } from '../../data/inputs.js';
import { packed } from '../../data/packed.js';
import { inputSize } from '../../model/input-spec.js';
import { badModelOutput } from '../../model/output-check.js';
import { argMax, DEFAULT_TOP_K, rankedClasses } from '../../model/ranking.js';
import { SCHEMA_VERSION } from '../../outputs/schema-version.js';
import type { BatchWriter, Picture } from '../../outputs/batch-writer.js';
import { heatmapStats } from '../../outputs/heatmap-stats.js';
import { withPredictionNotes } from '../../outputs/prediction-notes.js';
import { MANIFEST_FILE, MANIFEST_VERSION, SUMMARY_FILE, type BatchSummary, type ManifestEntry, type ManifestRecord } from '../../outputs/manifest.js';
import { MAX_NAME_BYTES, truncateToBytes } from '../../output-paths.js';
import { clearPreviousRun, createOutDir, IMAGES_DIR } from '../../outputs/out-dir.js';
import { TileWriter } from '../../outputs/tile-writer.js';
import { contactSheetWriter } from '../../outputs/writers/contact-sheet-writer.js';
import { figureWriter } from '../../outputs/writers/figure-writer.js';
import { openManifestWriter } from '../../outputs/writers/manifest-writer.js';
import { overlayWriter } from '../../outputs/writers/overlay-writer.js';
import { reportWriter } from '../../outputs/writers/report-writer.js';
import { summaryWriter } from '../../outputs/writers/summary-writer.js';
import { resizeBilinear } from '../../render/resize.js';
import type { RenderStyle } from '../../render/render-style.js';
import { DEFAULT_OUT_DIR } from '../defaults.js';
import type { BatchExplainResult, ExplainOptions, ExplainPlan } from './options.js';
import { openExplainer } from './setup.js';

/** Images per forward/backward pass and per manifest flush. */
export const BATCH_CHUNK = 256;

/**
 * zlib level of the batch pictures: level 1 deflates a 112 px overlay in
 * ~0.1 ms against ~0.9 ms at level 6, for files ~20% larger (BENCHMARKS.md);
 * 10,000 of them are CPU time the run cannot spare on 2 cores.
 */
const BATCH_PNG_LEVEL = 1;

/** Inputs from which batch mode computes maps in worker threads (their start-up, ~0.3 s, pays off). */
const POOL_MIN_IMAGES = 2048;

/**
 * Picture threads. Painting and encoding 10,000 overlays is more work than
 * their maps, so on 2 cores two picture threads and the main thread share
 * the cores, which the OS balances (measurements in BENCHMARKS.md).
 */
const PICTURE_THREADS = Math.min(2, availableParallelism());

/**
 * Batch mode of `gradcam explain`: explains the inputs in chunks and hands
 * each chunk to the output writers (outputs/writers/): `images/<name>.png` per
 * input, `manifest.jsonl` (appended chunk by chunk once the chunk's pictures
 * are on disk, so an interrupted run keeps a valid manifest of what it
 * wrote), then contact sheets, `index.html` and `summary.json`. Image files of
 * the next chunk decode on libuv's threads, and overlays are painted, encoded
 * and written on picture threads (outputs/tile-writer.ts), while this thread
 * computes the next chunk's maps.
 *
 * @param items the inputs of this run with their positions in the full input list.
 * @param plan, style resolved by explain.ts.
 */
export async function explainBatch(
  items: readonly { ref: InputRef; index: number }[],
  options: ExplainOptions,
  plan: ExplainPlan,
  style: RenderStyle,
  shard: BatchSummary['shard'],
): Promise<BatchExplainResult> {
  const started = performance.now();
  const only = options.only ?? 'all';
  const cwd = options.cwd ?? '.';
  const outDir = path.resolve(cwd, options.outDir ?? DEFAULT_OUT_DIR);
  await createOutDir(outDir, `--out-dir ${options.outDir ?? DEFAULT_OUT_DIR}`);
  const explainer = await openExplainer(options, plan);
  const { session, cam } = explainer;
  const inputShape = session.inputSpec;
  try {
    assertInputsFit(items.map((item) => item.ref), inputShape);
    // Only now that the run can start: a re-run replaces what the previous one wrote.
    await clearPreviousRun(outDir);
  } catch (error) {
    session.model.dispose();
    throw error;
  }
  const imageSize = inputShape.height * inputShape.width;
  const modelInputSize = inputSize(inputShape);
  const mapSize = cam.mapHeight * cam.mapWidth;
  const layout = { imageHeight: inputShape.height, imageWidth: inputShape.width, mapHeight: cam.mapHeight, mapWidth: cam.mapWidth, style };
  // The main thread and the picture threads keep two cores busy; maps move
  // to worker threads only where there are more (BENCHMARKS.md, batch explain).
  const poolThreads = availableParallelism() - 2;
  let pool: GradcamPool | undefined;
  let tiles: TileWriter | undefined;
  const writers: BatchWriter[] = [];
  const records: ManifestRecord[] = [];
  const counts = { explained: 0, labelled: 0, correct: 0, failed: 0 };
  const seconds = { load: 0, explain: 0, write: 0 };
  const summary: BatchSummary = {
    schemaVersion: SCHEMA_VERSION,
    manifestVersion: MANIFEST_VERSION,
    inputs: items.length,
    explained: 0,
    failed: 0,
    written: 0,
    only,
    labelled: 0,
    correct: 0,
    accuracy: null,
    shard,
    backend: session.backend.name,
    model: session.modelJsonPath,
    method: plan.method,
    layer: cam.layerName,
    score: plan.score,
    colormap: style.colormap,
    normalize: plan.normalize,
    pictures: { kind: options.figures ? 'figure' : 'overlay', scale: style.scale, imageHeight: inputShape.height, imageWidth: inputShape.width, alpha: style.alpha },
    peak: null,
    classNames: session.metadata.classNames,
    seconds: { ...seconds, total: 0 },
    imagesPerSecond: 0,
    outDir,
    files: { manifest: MANIFEST_FILE, summary: SUMMARY_FILE, contactSheets: [], report: null },
  };

  try {
    try {
      if (items.length >= POOL_MIN_IMAGES && poolThreads >= 2) {
        pool = await GradcamPool.start(
          {
            modelJsonPath: session.modelJsonPath,
            modelOutput: session.output.index,
            method: plan.method,
            layerName: cam.layerName,
            score: plan.score,
            backend: session.backend.name,
            eigenSmooth: plan.eigenSmooth,
            ...(plan.smoothGrad === undefined ? {} : { smoothGrad: plan.smoothGrad }),
          },
          poolThreads,
        );
      }
      if (options.figures) {
        writers.push(figureWriter(outDir, layout, { methodTitle: cam.method.title, layerName: cam.layerName, score: plan.score, normalize: plan.normalize, className: explainer.className, textReady: explainer.textReady }));
      } else {
        tiles = new TileWriter(
          {
            imageHeight: inputShape.height,
            imageWidth: inputShape.width,
            heatmapHeight: cam.mapHeight,
            heatmapWidth: cam.mapWidth,
            tileHeight: inputShape.height * style.scale,
            tileWidth: inputShape.width * style.scale,
            alpha: style.alpha,
            colormap: style.colormap,
          },
          BATCH_PNG_LEVEL,
          PICTURE_THREADS,
        );
        writers.push(overlayWriter(outDir, tiles, { image: imageSize, map: mapSize }));
      }
      writers.push(await openManifestWriter(outDir));
      if (options.contactSheet !== false) writers.push(contactSheetWriter(outDir, layout, tiles, PICTURE_THREADS));
      if (options.report !== false) writers.push(reportWriter(outDir));
      writers.push(summaryWriter(outDir));

      // MNIST records are read once, up front (one sequential read of at most
      // 7.8 MB); image files are decoded chunk by chunk, ahead of the compute.
      const mnistPositions = items.flatMap((item, i) => (item.ref.kind === 'mnist' ? [i] : []));
      const mnistLoaded = await loadInputs(
        mnistPositions.map((i) => items[i]!.ref),
        { dataDir: options.dataDir, spec: inputShape },
      );
      const preloaded = new Map(mnistPositions.map((position, k) => [position, mnistLoaded[k]!]));
      const load = async (start: number, end: number): Promise<LoadedInput[]> => {
        const positions = Array.from({ length: Math.min(end, items.length) - start }, (_, k) => start + k);
        const files = positions.filter((p) => !preloaded.has(p));
        const decoded = await loadInputs(
          files.map((p) => items[p]!.ref),
          { dataDir: options.dataDir, cwd, spec: inputShape },
        );
        const byPosition = new Map(files.map((p, k) => [p, decoded[k]!]));
        return positions.map((p) => preloaded.get(p) ?? byPosition.get(p)!);
      };

      // --normalize batch: the shared scale is the largest raw peak of the whole run, known only
      // once every chunk is computed. Maps are cheap to keep (121 floats each at conv2) and the
      // expensive part, computing them, should not run twice; so with 'batch' each chunk's
      // records, pictures and unnormalised maps wait here (≈4 kB per 28×28 input, its
      // model input already released) and are rescaled and written after the last chunk.
      // Threads and the pool only compute maps; rescaling happens here, before any tile is
      // painted. A shard is its own run: its scale is its own largest peak (summary.peak).
      const sharedScale = plan.normalize === 'batch';
      const deferred: { records: ManifestRecord[]; pictures: Picture[]; unnormalised: Float32Array[] }[] = [];
      let runPeak: number | null = null;

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
        const lines = chunk.records.map((record): ManifestRecord => {
          if ('error' in record) return record;
          const error = errors[k++];
          if (error == null) return record;
          counts.failed++;
          // Errors of writeFileAtomic name the file already ("cannot write …: no space left …").
          const message = error.startsWith('cannot ') ? error : `cannot write ${record.output}: ${error}`;
          return { index: record.index, source: record.source, error: message };
        });
        for (const writer of writers) await writer.records?.(lines);
        records.push(...lines);
        seconds.write += (performance.now() - t0) / 1000;
      };

      /** Decodes a chunk and computes its maps: in the pool's threads when there is a pool, else here. */
      const compute = async (start: number): Promise<{ inputs: LoadedInput[]; maps: CamBatch | undefined }> => {
        const waitStart = performance.now();
        const inputs = await load(start, start + BATCH_CHUNK);
        seconds.load += (performance.now() - waitStart) / 1000;
        const digits = inputs.filter((input): input is Digit => !isFailure(input));
        if (digits.length === 0) return { inputs, maps: undefined };
        const classes = plan.classIndex === undefined ? undefined : digits.map(() => plan.classIndex!);
        if (pool !== undefined) {
          return { inputs, maps: await pool.explain(packed(digits.map((d) => d.pixels), modelInputSize), digits.length, modelInputSize, classes) };
        }
        const x = explainer.stack(digits);
        try {
          return { inputs, maps: cam.explain(x, classes) };
        } finally {
          x.dispose();
        }
      };

      // The start, so a log shows the run began (the first chunk can take seconds).
      options.onProgress?.({ done: 0, total: items.length, failed: 0, elapsedSeconds: (performance.now() - started) / 1000, imagesPerSecond: 0, etaSeconds: 0 });
      // While a chunk computes (here, or in the pool), the previous chunk's
      // pictures are painted and written on the picture threads.
      let next = items.length > 0 ? compute(0) : undefined;
      for (let start = 0; start < items.length; start += BATCH_CHUNK) {
        const chunk = items.slice(start, start + BATCH_CHUNK);
        const t0 = performance.now();
        const { inputs, maps } = await next!;
        seconds.explain += (performance.now() - t0) / 1000;
        await flush();

        const t1 = performance.now();
        const chunkRecords: ManifestRecord[] = [];
        const pictures: Picture[] = [];
        const unnormalised: Float32Array[] = [];
        let d = 0;
        for (const [i, input] of inputs.entries()) {
          const { index } = chunk[i]!;
          if (isFailure(input)) {
            counts.failed++;
            chunkRecords.push({ index, source: input.source, error: input.error });
            continue;
          }
          const k = d++;
          const problem = badModelOutput(maps!.probabilities.subarray(k * maps!.classCount, (k + 1) * maps!.classCount), session.modelJsonPath);
          if (problem !== undefined) {
            counts.failed++;
            chunkRecords.push({ index, source: input.source, error: `${input.source}: ${problem}` });
            continue;
          }
          const entry = manifestEntry(maps!, k, { index, input, outputStem: outputStem(input.ref), plan, layerName: cam.layerName, inputShape, className: explainer.className });
          counts.explained++;
          runPeak = Math.max(runPeak ?? 0, entry.rawPeak);
          if (entry.label !== undefined) {
            counts.labelled++;
            if (entry.correct) counts.correct++;
          }
          if (!selected(entry, only)) continue;
          chunkRecords.push(entry);
          pictures.push({
            entry,
            image: input.view,
            heatmap: maps!.heatmaps.slice(k * mapSize, (k + 1) * mapSize),
            peak: entry.rawPeak,
            explainedProbability: maps!.probabilities[k * maps!.classCount + entry.explainedClass]!,
          });
          if (sharedScale) unnormalised.push(maps!.unnormalised.slice(k * mapSize, (k + 1) * mapSize));
        }
        if (sharedScale) deferred.push({ records: chunkRecords, pictures, unnormalised });
        else pending = { records: chunkRecords, written: handOver(writers, pictures) };
        seconds.write += (performance.now() - t1) / 1000;
        // The next chunk computes only now, once this chunk's pictures are with the picture threads.
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
      summary.peak = runPeak;
      for (const part of deferred) {
        const t0 = performance.now();
        part.pictures.forEach((picture, i) => {
          picture.heatmap = scaleToPeak(part.unnormalised[i]!, runPeak ?? 0, NORMALISATION_EPSILON);
          picture.peak = runPeak ?? 0;
          picture.entry.heatmap = mapStats(picture.heatmap, cam.mapHeight, cam.mapWidth, picture.image, inputShape);
        });
        pending = { records: part.records, written: handOver(writers, part.pictures) };
        seconds.write += (performance.now() - t0) / 1000;
        await flush();
      }
    } finally {
      await pool?.close();
      session.model.dispose();
    }

    Object.assign(summary, {
      explained: counts.explained,
      failed: counts.failed,
      written: records.length - counts.failed,
      labelled: counts.labelled,
      correct: counts.correct,
      accuracy: counts.labelled > 0 ? counts.correct / counts.labelled : null,
    });
    const elapsedSeconds = (performance.now() - started) / 1000;
    const writing = [...(options.contactSheet !== false ? ['contact sheets'] : []), ...(options.report !== false ? ['the report'] : [])];
    options.onProgress?.({ done: items.length, total: items.length, failed: counts.failed, elapsedSeconds, imagesPerSecond: items.length / elapsedSeconds, etaSeconds: 0, writing });
    // Contact sheets, report, summary, in that order: each may name its files
    // in `summary.files`, and the summary, written last, sees them all.
    for (const writer of writers) {
      if (writer.finish === undefined) continue;
      const total = (performance.now() - started) / 1000;
      summary.seconds = { ...seconds, total };
      summary.imagesPerSecond = items.length / total;
      const t = performance.now();
      await writer.finish(summary, records);
      seconds.write += (performance.now() - t) / 1000;
    }
  } finally {
    for (const writer of writers) await writer.close?.();
    await tiles?.close();
  }
  return { mode: 'batch', summary, records };
}

/** The manifest entry of the k-th explained image of a chunk. */
function manifestEntry(
  maps: CamBatch,
  k: number,
  context: {
    index: number;
    input: Digit;
    outputStem: string;
    plan: ExplainPlan;
    layerName: string;
    inputShape: { height: number; width: number };
    className: (index: number) => string;
  },
): ManifestEntry {
  const { index, input, plan, inputShape } = context;
  const { classCount, mapHeight, mapWidth } = maps;
  const probabilities = maps.probabilities.subarray(k * classCount, (k + 1) * classCount);
  const predicted = argMax(probabilities);
  const heatmap = maps.heatmaps.subarray(k * mapHeight * mapWidth, (k + 1) * mapHeight * mapWidth);
  const rawPeak = rawPeaks(maps.unnormalised.subarray(k * mapHeight * mapWidth, (k + 1) * mapHeight * mapWidth), 1)[0]!;
  const notes = withPredictionNotes(input.notes, probabilities[predicted]!);
  const { className } = context;
  return {
    index,
    source: input.source,
    output: path.posix.join(IMAGES_DIR, `${context.outputStem}.png`),
    class: predicted,
    className: className(predicted),
    probability: probabilities[predicted]!,
    top: rankedClasses(probabilities, DEFAULT_TOP_K, className),
    ...(input.label === undefined ? {} : { label: input.label, labelName: className(input.label), correct: input.label === predicted }),
    explainedClass: maps.classes[k]!,
    layer: context.layerName,
    method: plan.method,
    score: plan.score,
    rawPeak,
    heatmap: mapStats(heatmap, mapHeight, mapWidth, input.view, inputShape),
    ...(notes === undefined ? {} : { notes }),
    ...(input.preprocessing === undefined ? {} : { preprocessing: input.preprocessing }),
  };
}

/** Where a normalised map puts its heat on the input, measured on the map upsampled to the input's size. */
function mapStats(heatmap: Float32Array, mapHeight: number, mapWidth: number, view: Float32Array, inputShape: { height: number; width: number }) {
  return heatmapStats(resizeBilinear(heatmap, mapHeight, mapWidth, inputShape.height, inputShape.width), view, inputShape.width);
}

/** {@link picturesWritten}, with the rejection also caught here: it is awaited in flush(), and a failed thread must not also count as an unhandled rejection. */
function handOver(writers: readonly BatchWriter[], pictures: readonly Picture[]): Promise<(string | null)[]> {
  const written = picturesWritten(writers, pictures);
  written.catch(() => undefined);
  return written;
}

/**
 * Hands a chunk's pictures to every writer (in order, without waiting, so the
 * writing overlaps the next chunk's compute) and resolves to one error or
 * null per picture: the first error any writer reported for it.
 */
async function picturesWritten(writers: readonly BatchWriter[], pictures: readonly Picture[]): Promise<(string | null)[]> {
  const results = await Promise.all(writers.map((writer) => writer.pictures?.(pictures)));
  return pictures.map((_, i) => results.reduce<string | null>((error, errors) => error ?? errors?.[i] ?? null, null));
}

/** Whether an entry gets a picture and a manifest line under --only. Unlabelled inputs are neither correct nor misclassified. */
function selected(entry: ManifestEntry, only: 'all' | 'misclassified' | 'correct'): boolean {
  if (only === 'all') return true;
  if (entry.correct === undefined) return false;
  return only === 'correct' ? entry.correct : !entry.correct;
}

/**
 * Characters a file name cannot hold on common filesystems (NTFS, FAT, ext4,
 * APFS): path separators, control characters and `<>:"|?*`. Letters of every
 * script stay (issue 12, item 11).
 */
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f<>:"/\\|?*]+/g;

/** Bytes of `-<8 hex digits>.png` after a stem, within MAX_NAME_BYTES. */
const STEM_SUFFIX_BYTES = 13;

/**
 * Stable, collision-free file stems that depend only on the input itself (so
 * shards and reruns agree): `mnist-test-00042`, or the file's name plus the
 * first 8 hex digits of the SHA-1 of its path as given (`7_foo-3fa2b1c4`,
 * `my digit 7 — ñ 数字-10226ca8`). Unsafe characters become `_`; leading dots
 * (hidden files) and trailing dots and spaces (Windows drops them) go; a long
 * name is cut to fit 255 bytes with its suffix.
 */
export function outputStem(ref: InputRef): string {
  if (ref.kind === 'mnist') return `mnist-${ref.split}-${String(ref.index).padStart(5, '0')}`;
  const safe = path.parse(ref.path).name.replace(UNSAFE_IN_NAMES, '_').replace(/^\.+/, '').replace(/[. ]+$/, '');
  const name = truncateToBytes(safe, MAX_NAME_BYTES - STEM_SUFFIX_BYTES) || 'image';
  return `${name}-${createHash('sha1').update(ref.path).digest('hex').slice(0, 8)}`;
}
