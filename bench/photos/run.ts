/**
 * `npm run bench:photos`: accuracy of gradcam's digit preprocessing + the bundled model on the photo
 * and scan corpus of issue 11, per kind, and whether pictures without a digit are refused with
 * "no digit found".
 *
 *   node build/bench/photos/run.js [--out DIR] [--per-kind N] [--seed S] [--json]
 *
 * The corpus is regenerated on every run (default build/photo-corpus/). Prints markdown tables, the
 * misses, and the median time of loadDigitImage on the 12 MP phone photo; --json prints one JSON
 * document instead.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDigitImage, predict, type Prediction } from '../../src/index.js';
import { DEFAULT_CORPUS_SEED, DEFAULT_PER_KIND, generatePhotoCorpus, KIND_NAMES, KINDS, MANIFEST_FILE, type CorpusEntry, type KindName } from './corpus.js';
import { availableFonts } from './fonts.js';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: path.join('build', 'photo-corpus') },
    'per-kind': { type: 'string', default: String(DEFAULT_PER_KIND) },
    seed: { type: 'string', default: String(DEFAULT_CORPUS_SEED) },
    json: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const TIMING_RUNS = 5;
/** How the preprocessing refuses a picture without a digit (issue 11). */
const REFUSAL = /no digit found/i;

interface DigitRow {
  kind: KindName;
  pictures: number;
  correct: number;
  accuracy: number;
}
interface NegativeRow {
  kind: KindName;
  pictures: number;
  refused: number;
  predicted: number;
  otherErrors: number;
}
interface Miss {
  file: string;
  label: number | null;
  predicted: number | null;
  probability: number | null;
  error?: string;
  notes: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The corpus already in `outDir` when it was made with this seed and size (--reuse: tuning runs skip the two minutes of generation). */
async function reusableCorpus(outDir: string, seed: number, perKind: number): Promise<CorpusEntry[] | undefined> {
  try {
    const manifest = JSON.parse(await fs.readFile(path.join(outDir, MANIFEST_FILE), 'utf8')) as { seed: number; perKind: number; entries: CorpusEntry[] };
    return manifest.seed === seed && manifest.perKind === perKind ? manifest.entries : undefined;
  } catch {
    return undefined;
  }
}

async function regenerate(outDir: string, seed: number, perKind: number): Promise<CorpusEntry[]> {
  await fs.rm(outDir, { recursive: true, force: true });
  return generatePhotoCorpus(outDir, { seed, perKind });
}

async function main(): Promise<void> {
  const outDir = path.resolve(args.out);
  const perKind = Number(args['per-kind']);
  const seed = Number(args.seed);
  const log = (line: string) => {
    if (!args.json) console.log(line);
  };
  const started = performance.now();
  const entries = (args.reuse ? await reusableCorpus(outDir, seed, perKind) : undefined) ?? (await regenerate(outDir, seed, perKind));
  const generateSeconds = (performance.now() - started) / 1000;
  log(`corpus: ${entries.length} pictures in ${outDir}, ${args.reuse ? "reused or generated" : "generated"} in ${generateSeconds.toFixed(1)} s (seed ${seed}, ${perKind} per digit kind)`);
  log(`fonts: ${availableFonts().join(', ')}`);

  const result = await predict({ images: [outDir], labelsFromNames: true, topK: 3 });
  const byFile = new Map(result.predictions.map((p) => [path.basename(p.source), p]));

  const digitRows: DigitRow[] = [];
  const negativeRows: NegativeRow[] = [];
  const misses: Miss[] = [];
  for (const kind of KIND_NAMES) {
    const ofKind = entries.filter((e) => e.kind === kind);
    const outcomes = ofKind.map((entry) => ({ entry, outcome: byFile.get(entry.file) }));
    if (KINDS[kind].hasDigit) {
      let correct = 0;
      for (const { entry, outcome } of outcomes) {
        if (outcome !== undefined && 'predicted' in outcome && outcome.predicted === entry.label) correct++;
        else misses.push(miss(entry, outcome));
      }
      digitRows.push({ kind, pictures: ofKind.length, correct, accuracy: correct / ofKind.length });
    } else {
      const row: NegativeRow = { kind, pictures: ofKind.length, refused: 0, predicted: 0, otherErrors: 0 };
      for (const { entry, outcome } of outcomes) {
        if (outcome !== undefined && 'error' in outcome && REFUSAL.test(outcome.error)) {
          row.refused++;
          continue;
        }
        if (outcome !== undefined && 'predicted' in outcome) row.predicted++;
        else row.otherErrors++;
        misses.push(miss(entry, outcome));
      }
      negativeRows.push(row);
    }
  }
  const digitTotal = digitRows.reduce((s, r) => s + r.pictures, 0);
  const digitCorrect = digitRows.reduce((s, r) => s + r.correct, 0);

  // Preprocessing time of the 12 MP phone photo (decode, shrink, MNIST form), after one warm-up call.
  const large = entries.find((e) => e.kind === 'phone-photo' && e.width * e.height >= 12_000_000);
  let loadMs: number | null = null;
  if (large !== undefined) {
    const file = path.join(outDir, large.file);
    await loadDigitImage(file).catch(() => undefined);
    const times: number[] = [];
    for (let i = 0; i < TIMING_RUNS; i++) {
      const t0 = performance.now();
      await loadDigitImage(file).catch(() => undefined);
      times.push(performance.now() - t0);
    }
    loadMs = median(times);
  }

  if (args.json) {
    console.log(
      JSON.stringify(
        {
          seed,
          perKind,
          outDir,
          generateSeconds,
          fonts: availableFonts(),
          backend: result.backend,
          predictSeconds: result.summary.seconds,
          digits: digitRows,
          overall: { pictures: digitTotal, correct: digitCorrect, accuracy: digitCorrect / digitTotal },
          negatives: negativeRows,
          misses,
          loadDigitImage12MP: large === undefined ? null : { file: large.file, medianMs: loadMs, runs: TIMING_RUNS },
        },
        null,
        2,
      ),
    );
    return;
  }
  log(`predict: ${result.summary.inputs} pictures in ${result.summary.seconds.toFixed(1)} s (backend ${result.backend})\n`);
  log('| kind | pictures | correct | accuracy |');
  log('|---|---:|---:|---:|');
  for (const r of digitRows) log(`| ${r.kind} | ${r.pictures} | ${r.correct} | ${(100 * r.accuracy).toFixed(0)}% |`);
  log(`| **overall** | ${digitTotal} | ${digitCorrect} | ${((100 * digitCorrect) / digitTotal).toFixed(1)}% |\n`);
  log('| kind | pictures | refused with "no digit found" | predicted anyway | other error |');
  log('|---|---:|---:|---:|---:|');
  for (const r of negativeRows) log(`| ${r.kind} | ${r.pictures} | ${r.refused} | ${r.predicted} | ${r.otherErrors} |`);
  log(`\nmisses (${misses.length}):`);
  for (const m of misses) {
    const what = m.error !== undefined ? `error: ${m.error.replace(/^.*?: /, '')}` : `predicted ${m.predicted} (p ${m.probability?.toFixed(2)})`;
    log(`  ${m.file}  ${what}  [${m.notes}]`);
  }
  if (large !== undefined) log(`\nloadDigitImage on ${large.file} (${large.width}×${large.height}): median of ${TIMING_RUNS} = ${loadMs!.toFixed(0)} ms`);
}

function miss(entry: CorpusEntry, outcome: Prediction | { source: string; error: string } | undefined): Miss {
  const base = { file: entry.file, label: entry.label, notes: entry.notes };
  if (outcome === undefined) return { ...base, predicted: null, probability: null, error: 'not in the predictions' };
  if ('error' in outcome) return { ...base, predicted: null, probability: null, error: outcome.error };
  return { ...base, predicted: outcome.class, probability: outcome.probability };
}

await main();
