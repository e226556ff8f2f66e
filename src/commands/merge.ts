/**
 * `gradcam merge DIR… --out-dir OUT` (issue 13): joins the output
 * directories of the shards of one batch run (`explain … --shard i/n`) into
 * the outputs of the whole run: one manifest in input order, a summary
 * recomputed from it, the pictures, contact sheets and the report. The
 * manifest equals the unsharded run's; contact sheets are built from the
 * shards' overlay pictures, resized to the sheet's tiles, so their pixels
 * may differ slightly from an unsharded run's.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { GradcamError, usageError } from '../errors.js';
import { CONTACT_SHEET_DEFAULTS, tileName, type ContactSheetItem } from '../outputs/contact-sheet-layout.js';
import {
  isManifestFailure,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  REPORT_FILE,
  SUMMARY_FILE,
  type BatchSummary,
  type ManifestEntry,
  type ManifestRecord,
} from '../outputs/manifest.js';
import { clearPreviousRun, createOutDir } from '../outputs/out-dir.js';
import { colourKeyCaption } from '../outputs/report/colour-key.js';
import { contactSheetFileName } from '../outputs/writers/contact-sheet-writer.js';

export interface MergeOptions {
  /** The shards' output directories, in any order. */
  dirs: string[];
  /** Where the merged run goes (created; a previous gradcam run there is replaced). */
  outDir: string;
  /** Default true. */
  contactSheet?: boolean;
  /** Default true. */
  report?: boolean;
  /** Base of relative paths. */
  cwd?: string;
}

export interface MergeResult {
  /** The merged run's summary (also in OUT/summary.json); `shard` is null. */
  summary: BatchSummary;
  /** Its manifest records, in input order (also in OUT/manifest.jsonl). */
  records: ManifestRecord[];
  /** The shard directories merged, in shard order. */
  shards: string[];
}

/** A shard's outputs as read from its directory. */
interface ShardOutputs {
  dir: string;
  summary: BatchSummary;
  records: ManifestRecord[];
}

/** Fields every shard of one run shares; merging shards that differ in one would mix two runs. */
const SHARED_FIELDS = ['model', 'method', 'layer', 'score', 'colormap', 'normalize', 'only', 'classNames', 'pictures'] as const;

async function readShard(dir: string, given: string): Promise<ShardOutputs> {
  const summaryText = await fs.readFile(path.join(dir, SUMMARY_FILE), 'utf8').catch(() => undefined);
  if (summaryText === undefined) throw usageError(`${given}: no ${SUMMARY_FILE}; not the output of a finished batch run (still running, or stopped?)`);
  let summary: BatchSummary;
  try {
    summary = JSON.parse(summaryText) as BatchSummary;
  } catch {
    throw usageError(`${given}/${SUMMARY_FILE} is not valid JSON`);
  }
  if (summary.manifestVersion !== MANIFEST_VERSION) {
    throw usageError(`${given}: manifest version ${summary.manifestVersion}; this gradcam merges version ${MANIFEST_VERSION}`);
  }
  if (summary.pictures === undefined) throw usageError(`${given}: written by an older gradcam (its summary does not describe its pictures); run that shard again`);
  if (summary.shard === null) throw usageError(`${given}: not a shard (made without --shard i/n); merge joins the shards of one run`);
  const text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8').catch(() => {
    throw usageError(`${given}: no ${MANIFEST_FILE}`);
  });
  const records = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as ManifestRecord;
      } catch {
        throw usageError(`${given}/${MANIFEST_FILE}: line ${i + 1} is not valid JSON`);
      }
    });
  return { dir, summary, records };
}

/** Refuses shards that are not the parts of one run: other settings, a part twice or missing, overlapping inputs. */
function checkShards(shards: readonly ShardOutputs[], given: readonly string[]): void {
  const first = shards[0]!;
  for (const [k, shard] of shards.entries()) {
    for (const field of SHARED_FIELDS) {
      if (JSON.stringify(shard.summary[field]) !== JSON.stringify(first.summary[field])) {
        throw usageError(`${given[k]} and ${given[0]} differ in ${field} (${JSON.stringify(shard.summary[field])} vs ${JSON.stringify(first.summary[field])}); they are not shards of one run`);
      }
    }
    const { count, of } = shard.summary.shard!;
    if (count !== first.summary.shard!.count || of !== first.summary.shard!.of) {
      throw usageError(`${given[k]} is a shard of ${count} over ${of} inputs, ${given[0]} of ${first.summary.shard!.count} over ${first.summary.shard!.of}; they are not shards of one run`);
    }
  }
  if (first.summary.normalize === 'batch') {
    throw usageError('the shards were drawn with --normalize batch, each on the scale of its own largest peak; their pictures do not share one scale (run the shards with --normalize image to merge them)');
  }
  const { count } = first.summary.shard!;
  const seen = new Map<number, string>();
  for (const [k, shard] of shards.entries()) {
    const index = shard.summary.shard!.index;
    if (seen.has(index)) throw usageError(`${given[k]} and ${seen.get(index)} are both shard ${index}/${count}`);
    seen.set(index, given[k]!);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length > 0) throw usageError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: merge needs every part of the run`);
}

/**
 * The summary of the whole run: the shards' counts summed (with --only, a
 * shard's manifest holds only the entries it kept, so explained, labelled
 * and correct come from the summaries, not from the records), less the
 * entries whose picture was missing, which became failures. Times are the
 * shards' summed (CPU-seconds of the run, not the wall time of parallel CI jobs).
 */
function mergedSummary(shards: readonly ShardOutputs[], records: readonly ManifestRecord[], lost: readonly ManifestEntry[], outDir: string): BatchSummary {
  const first = shards[0]!.summary;
  const total = (key: 'explained' | 'failed' | 'labelled' | 'correct') => shards.reduce((s, shard) => s + shard.summary[key], 0);
  const labelled = total('labelled') - lost.filter((e) => e.label !== undefined).length;
  const correct = total('correct') - lost.filter((e) => e.correct === true).length;
  const sum = (key: keyof BatchSummary['seconds']) => shards.reduce((s, shard) => s + shard.summary.seconds[key], 0);
  const seconds = sum('total');
  const peaks = shards.map((s) => s.summary.peak).filter((p): p is number => p !== null);
  const explained = total('explained') - lost.length;
  const inputs = shards.reduce((s, shard) => s + shard.summary.inputs, 0);
  return {
    ...first,
    inputs,
    explained,
    failed: total('failed') + lost.length,
    written: records.filter((r) => !isManifestFailure(r)).length,
    labelled,
    correct,
    accuracy: labelled > 0 ? correct / labelled : null,
    shard: null,
    backend: [...new Set(shards.map((s) => s.summary.backend))].join(', '),
    peak: peaks.length > 0 ? Math.max(...peaks) : null,
    seconds: { load: sum('load'), explain: sum('explain'), write: sum('write'), total: seconds },
    // As a batch run counts it: inputs per second of the run's total time.
    imagesPerSecond: seconds > 0 ? inputs / seconds : 0,
    outDir,
    files: { manifest: MANIFEST_FILE, summary: SUMMARY_FILE, contactSheets: [], report: null },
  };
}

/**
 * Merges shard outputs; checks every directory and the output path before
 * copying anything.
 * @throws usage error (exit 2) for directories that are not the shards of one run, or an out-dir among them.
 */
export async function merge(options: MergeOptions): Promise<MergeResult> {
  const cwd = options.cwd ?? '.';
  if (options.dirs.length === 0) throw usageError('nothing to merge: give the output directories of the shards');
  const outDir = path.resolve(cwd, options.outDir);
  const dirs = options.dirs.map((d) => path.resolve(cwd, d));
  if (dirs.includes(outDir)) throw usageError(`--out-dir ${options.outDir} is one of the shards; merge into a directory of its own`);
  const shards = await Promise.all(dirs.map((dir, k) => readShard(dir, options.dirs[k]!)));
  checkShards(shards, options.dirs);
  shards.sort((a, b) => a.summary.shard!.index - b.summary.shard!.index);
  const shardOf = new Map<ManifestRecord, ShardOutputs>();
  for (const shard of shards) for (const record of shard.records) shardOf.set(record, shard);
  const records = shards.flatMap((s) => s.records).sort((a, b) => a.index - b.index);
  records.forEach((r, i) => {
    if (i > 0 && records[i - 1]!.index === r.index) throw usageError(`input ${r.index} (${r.source}) is in two shards`);
  });

  await createOutDir(outDir, `--out-dir ${options.outDir}`);
  await clearPreviousRun(outDir);
  // The pictures, copied (atomically: a stopped merge leaves none half-written).
  const merged: ManifestRecord[] = [];
  const lost: ManifestEntry[] = [];
  for (const record of records) {
    if (isManifestFailure(record) || record.output === undefined) {
      merged.push(record);
      continue;
    }
    const from = path.join(shardOf.get(record)!.dir, record.output);
    const bytes = await fs.readFile(from).catch(() => undefined);
    if (bytes === undefined) {
      merged.push({ index: record.index, source: record.source, error: `${record.source}: its picture ${from} is missing from the shard` });
      lost.push(record);
      continue;
    }
    await writeFileAtomic(path.join(outDir, record.output), bytes, { durable: false });
    merged.push(record);
  }
  const summary = mergedSummary(shards, merged, lost, outDir);
  await writeFileAtomic(path.join(outDir, MANIFEST_FILE), merged.map((r) => `${JSON.stringify(r)}\n`).join(''));

  const pictured = merged.filter((r): r is ManifestEntry => !isManifestFailure(r) && r.output !== undefined);
  if (options.contactSheet !== false && summary.pictures.kind === 'overlay' && pictured.length > 0) {
    summary.files.contactSheets = await writeContactSheets(outDir, pictured, summary);
  }
  if (options.report !== false) {
    const { renderHtmlReport } = await import('../outputs/html-report.js');
    await writeFileAtomic(path.join(outDir, REPORT_FILE), renderHtmlReport(merged, summary, { classNames: summary.classNames }));
    summary.files.report = REPORT_FILE;
  }
  await writeFileAtomic(path.join(outDir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, records: merged, shards: shards.map((s) => s.dir) };
}

/** Contact sheets of the merged run, their tiles the overlay pictures resized to the sheet's tile size. */
async function writeContactSheets(outDir: string, entries: readonly ManifestEntry[], summary: BatchSummary): Promise<string[]> {
  const { loadSharp } = await import('../data/image.js');
  const { renderContactSheets } = await import('../outputs/contact-sheet.js');
  const sharp = loadSharp();
  const { imageHeight, imageWidth, alpha } = summary.pictures;
  const tileWidth = imageWidth * CONTACT_SHEET_DEFAULTS.scale;
  const tileHeight = imageHeight * CONTACT_SHEET_DEFAULTS.scale;
  const items: ContactSheetItem[] = [];
  for (const entry of entries) {
    const file = path.join(outDir, entry.output);
    let painted: Buffer;
    try {
      painted = await sharp(file).removeAlpha().toColourspace('srgb').resize(tileWidth, tileHeight, { fit: 'fill' }).raw().toBuffer();
    } catch (error) {
      throw new GradcamError(`cannot read ${file} for the contact sheet: ${(error as Error).message}`);
    }
    items.push({
      image: new Float32Array(imageHeight * imageWidth),
      imageHeight,
      imageWidth,
      // Not painted from: the tile is the picture itself.
      heatmap: new Float32Array(1),
      heatmapHeight: 1,
      heatmapWidth: 1,
      painted,
      predicted: entry.class,
      probability: entry.probability,
      name: tileName(entry.source),
      ...(entry.label === undefined ? {} : { label: entry.label }),
    });
  }
  const pages = await renderContactSheets(items, {
    alpha,
    colormap: summary.colormap,
    counts: { explained: summary.explained, labelled: summary.labelled, correct: summary.correct },
    classNames: summary.classNames,
    colourBar: { caption: colourKeyCaption(summary) },
  });
  const files: string[] = [];
  for (const [i, png] of pages.entries()) {
    const file = contactSheetFileName(i, pages.length);
    await writeFileAtomic(path.join(outDir, file), png);
    files.push(file);
  }
  return files;
}
