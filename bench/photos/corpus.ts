/**
 * The photo and scan corpus of issue 11: handwritten digits photographed and scanned the ways people
 * do it, and pictures without a digit, written deterministically from a seed with a manifest.
 *
 * @example
 * const entries = await generatePhotoCorpus('build/photo-corpus', { seed: 11, perKind: 20 });
 * const { bytes, extension } = await renderCorpusPicture('ruled-pencil', 7, 1234);
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { availableFonts } from './fonts.js';
import { INK_SOURCES, type InkSource } from './glyphs.js';
import { KIND_NAMES, KINDS, type KindName } from './kinds.js';
import { createRng, mixSeed } from './prng.js';
import type { PictureRequest, RenderedPicture } from './scene.js';

export { KIND_NAMES, KINDS, type KindName } from './kinds.js';
export { INK_SOURCES, type InkSource } from './glyphs.js';

/** Default seed of the corpus (the issue number). */
export const DEFAULT_CORPUS_SEED = 11;
/** Default digit pictures per kind (two of each digit). */
export const DEFAULT_PER_KIND = 20;
/** Fewest pictures of each negative kind. */
export const MIN_NEGATIVES_PER_KIND = 5;
/** Name of the manifest written next to the pictures. */
export const MANIFEST_FILE = 'manifest.json';

/** One picture of the corpus, as listed in manifest.json. */
export interface CorpusEntry {
  /** File name inside the corpus directory, `<label>_<kind>_<nnn>.<ext>` or `none_<kind>_<nnn>.<ext>`. */
  file: string;
  /** The digit, or null for a picture without one. */
  label: number | null;
  kind: KindName;
  /** Font family, "drawn" or "mnist"; null without a digit. */
  source: string | null;
  /** How the picture was made: font or MNIST index, digit height, lines, light, encoding. */
  notes: string;
  /** Pixel size as displayed (after EXIF orientation). */
  width: number;
  height: number;
}

/** What manifest.json holds. */
export interface CorpusManifest {
  seed: number;
  perKind: number;
  /** The font families found and used (see fonts.ts); ["sans-serif"] when none of the listed ones is installed. */
  fonts: readonly string[];
  entries: CorpusEntry[];
}

/** Options of `generatePhotoCorpus`. */
export interface CorpusOptions {
  /** Base seed (default DEFAULT_CORPUS_SEED); the same seed gives byte-identical files. */
  seed?: number;
  /** Digit pictures per digit kind (default 20, balanced over 0–9); negatives get max(5, perKind / 4). */
  perKind?: number;
  /** Called after each file is written (index from 0, total). */
  onProgress?: (done: number, total: number, file: string) => void;
}

/** Options of one picture: which handwriting source and variant, and whether 12 MP. */
export interface PictureOptions {
  /** Default: chosen from the seed. */
  source?: InkSource;
  /** Variant of the kind (frame or edge, orientation, file format...); default: from the seed. */
  variant?: number;
  /** Which available font, for the "font" source; default: from the seed. */
  fontIndex?: number;
  /** A 4000×3000 photo (phone-photo only). Default false. */
  large?: boolean;
}

/** A rendered picture: file bytes, extension (no dot), and what made it. */
export type CorpusPicture = RenderedPicture;

/**
 * Renders one picture of a kind. Deterministic: the same arguments give the same bytes.
 * @param label 0–9 for a digit kind, null for a negative kind (speck, blank, lines-only).
 * @throws Error when the label does not fit the kind.
 */
export async function renderCorpusPicture(kind: KindName, label: number | null, seed: number, options: PictureOptions = {}): Promise<CorpusPicture> {
  const entry = KINDS[kind];
  if (entry === undefined) throw new Error(`unknown corpus kind "${kind}"; kinds: ${KIND_NAMES.join(', ')}`);
  if (entry.hasDigit !== (label !== null)) {
    throw new Error(`kind "${kind}" ${entry.hasDigit ? 'needs a label 0–9' : 'holds no digit: pass label null'}, received ${label}`);
  }
  if (label !== null && !(Number.isInteger(label) && label >= 0 && label <= 9)) throw new Error(`label must be 0–9, received ${label}`);
  const rng = createRng(mixSeed(seed, kind, label ?? 'none'));
  const request: PictureRequest = {
    label,
    source: options.source ?? rng.pick(INK_SOURCES),
    fontIndex: options.fontIndex ?? rng.int(0, 1000),
    variant: options.variant ?? rng.int(0, 1000),
    large: options.large ?? false,
    rng,
  };
  return entry.render(request);
}

/**
 * Writes the corpus into `outDir` (created; files of an earlier run with the same names are
 * overwritten) and its manifest.json. Per digit kind, `perKind` pictures with labels cycling 0–9
 * and the three handwriting sources rotating over them; per negative kind, max(5, perKind / 4).
 */
export async function generatePhotoCorpus(outDir: string, options: CorpusOptions = {}): Promise<CorpusEntry[]> {
  const seed = options.seed ?? DEFAULT_CORPUS_SEED;
  const perKind = options.perKind ?? DEFAULT_PER_KIND;
  if (!Number.isInteger(perKind) || perKind < 1) throw new Error(`perKind must be a positive integer, received ${perKind}`);
  await fs.mkdir(outDir, { recursive: true });
  const negatives = Math.max(MIN_NEGATIVES_PER_KIND, Math.ceil(perKind / 4));
  const jobs: { kind: KindName; index: number; label: number | null; options: PictureOptions }[] = [];
  for (const kind of KIND_NAMES) {
    const count = KINDS[kind].hasDigit ? perKind : negatives;
    for (let index = 0; index < count; index++) {
      const label = KINDS[kind].hasDigit ? index % 10 : null;
      jobs.push({
        kind,
        index,
        label,
        options: {
          // Each label meets every source: the source shifts by one each round of ten.
          source: INK_SOURCES[(index + Math.floor(index / 10)) % INK_SOURCES.length],
          variant: index,
          fontIndex: Math.floor(index / INK_SOURCES.length),
          large: kind === 'phone-photo' && index % 10 === 0,
        },
      });
    }
  }
  const entries: CorpusEntry[] = [];
  for (const job of jobs) {
    const picture = await renderCorpusPicture(job.kind, job.label, mixSeed(seed, job.index), job.options);
    const file = `${job.label ?? 'none'}_${job.kind}_${String(job.index).padStart(3, '0')}.${picture.extension}`;
    await fs.writeFile(path.join(outDir, file), picture.bytes);
    entries.push({ file, label: job.label, kind: job.kind, source: picture.source, notes: picture.notes.join('; '), width: picture.width, height: picture.height });
    options.onProgress?.(entries.length, jobs.length, file);
  }
  const manifest: CorpusManifest = { seed, perKind, fonts: availableFonts(), entries };
  await fs.writeFile(path.join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return entries;
}
