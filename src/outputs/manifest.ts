/**
 * The records batch explain writes to `manifest.jsonl` (JSON Lines: one record
 * per input, in input order) and the summary it writes to `summary.json`.
 * JSON Lines so that manifests of shards concatenate with `cat` (shard 1
 * first) into the manifest of the whole run. The schema is versioned; fields
 * are only ever added.
 */
import type { CamMethodName } from '../cam/cam-methods.js';
import type { NormalizeMode } from '../cam/map-scale.js';
import type { ColormapName } from '../render/colormaps.js';
import type { ScoreKind } from '../cam/score-kinds.js';
import type { PreprocessingReport } from '../data/preprocessing-report.js';
import type { RankedClass } from '../model/ranking.js';

/** Bumped only when a field changes meaning or disappears: 2 since `predicted` became `class` (with `className`) and top entries gained `className` (issue 13). */
export const MANIFEST_VERSION = 2;
export const MANIFEST_FILE = 'manifest.jsonl';
export const SUMMARY_FILE = 'summary.json';
export const REPORT_FILE = 'index.html';


/** Where the heat is, in the input image's pixel coordinates (28×28 for MNIST). */
export interface HeatmapStats {
  /** Pixel of the upsampled map's maximum (first in row-major order on ties). */
  peak: { x: number; y: number };
  /** Mean of the normalised map (0..1) over the image. */
  mean: number;
  /**
   * Share of the heat that lies on ink: Σ heat over pixels with ink ≥ 0.2 /
   * Σ heat (0..1; 0 when the map is all zero).
   */
  inkShare: number;
}

/** One explained input. */
export interface ManifestEntry {
  /** Position of the input in the full, unsharded input list (0-based). */
  index: number;
  /** The input as given: a path, or `mnist:test/42`. */
  source: string;
  /** The PNG written for it, relative to the output directory. */
  output: string;
  /** The predicted class (index), its name and probability. */
  class: number;
  className: string;
  probability: number;
  /** The most probable classes, most probable first. */
  top: RankedClass[];
  /** True class and its name, when known (MNIST, or a file named `<digit>_…`). */
  label?: number;
  labelName?: string;
  correct?: boolean;
  /** The class the heatmap explains (the predicted one unless --class). */
  explainedClass: number;
  layer: string;
  /** The CAM method's name in CAM_METHODS. */
  method: CamMethodName;
  score: ScoreKind;
  /** The map's maximum before normalisation, in score units (cam/raw-peak.ts). */
  rawPeak: number;
  heatmap: HeatmapStats;
  /**
   * What the user should know, when anything: how the input was read ("used frame 1 of 3",
   * "several digits? gradcam classifies one") and a doubtful prediction ("low confidence (43%)", under 50%).
   */
  notes?: string[];
  /** What digit preprocessing did to an image file (digit models only; not MNIST records). */
  preprocessing?: PreprocessingReport;
}

/** An input that failed; the others were still processed. */
export interface ManifestFailure {
  index: number;
  source: string;
  error: string;
}

export type ManifestRecord = ManifestEntry | ManifestFailure;

export function isManifestFailure(record: ManifestRecord): record is ManifestFailure {
  return 'error' in record;
}

/** The summary of a batch run (`summary.json`, and `--json` on stdout). */
export interface BatchSummary {
  /** SCHEMA_VERSION: the JSON vocabulary of this summary and its manifest. */
  schemaVersion: number;
  manifestVersion: number;
  /** Inputs in this run (this shard's share when sharded). */
  inputs: number;
  explained: number;
  failed: number;
  /** Entries kept by --only (all explained ones by default); pictures are written for these. */
  written: number;
  only: 'all' | 'misclassified' | 'correct';
  labelled: number;
  correct: number;
  /** correct / labelled, or null without labels. */
  accuracy: number | null;
  /** Part `index` (1-based) of `count` of `of` inputs, with --shard. */
  shard: { index: number; count: number; of: number } | null;
  backend: string;
  model: string;
  method: CamMethodName;
  layer: string;
  score: ScoreKind;
  /** The heatmaps' colormap (the pictures', the contact sheets' and the report's colour bar). */
  colormap: ColormapName;
  /** How maps were scaled to [0, 1]: 'image' (each its own peak) or 'batch' (all by `peak`). */
  normalize: NormalizeMode;
  /**
   * The pictures in images/: bare overlays or two-tile figures (--figures),
   * drawn at `scale` screen pixels per pixel of the model's imageHeight×imageWidth
   * input, with heatmap opacity `alpha`. `gradcam merge` builds contact
   * sheets from the overlays with it.
   */
  pictures: { kind: 'overlay' | 'figure'; scale: number; imageHeight: number; imageWidth: number; alpha: number };
  /**
   * The largest raw peak (score units) among this run's explained inputs, or
   * null when none was explained. With normalize 'batch', the value 1 stands
   * for in every picture of the run.
   */
  peak: number | null;
  /** Class names in output order (digits for MNIST). */
  classNames: string[];
  /**
   * Wall time in seconds: waiting for inputs (decoding overlaps the previous
   * chunk's compute), computing Grad-CAM, rendering and writing pictures and
   * the manifest, and the whole run.
   */
  seconds: { load: number; explain: number; write: number; total: number };
  imagesPerSecond: number;
  /** Absolute path of the output directory. */
  outDir: string;
  /** Files written, relative to `outDir` (so a downloaded CI artifact still links up). */
  files: { manifest: string; summary: string; contactSheets: string[]; report: string | null };
}
