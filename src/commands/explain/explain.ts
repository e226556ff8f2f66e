import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { usageError } from '../../errors.js';
import type { FailedInput, InputRef } from '../../data/inputs.js';
import { isFailure, loadInputs } from '../../data/inputs.js';
import { parseShard, resolveInputs, shardSlice } from '../../data/input-sources.js';
import type { BatchSummary, ManifestRecord } from '../../outputs/manifest.js';
import { renderOverlay, renderPanel, resizeBilinear } from '../../render/overlay.js';
import { SCORE_KINDS, type ScoreKind } from '../../cam/score-kinds.js';
import type { BatchProgress } from './batch.js';
import { argMax, openExplainer, percent, resolveStyle, type ExplainStyleOptions } from './setup.js';

export interface ExplainOptions extends ExplainStyleOptions {
  /** Image files, directories (recursive) and glob patterns. */
  images: string[];
  /** MNIST test-set indices, e.g. "0", "0..99". */
  mnistIndex?: string;
  /** The MNIST test set (with `offset`, `limit`). */
  mnistTest?: boolean;
  offset?: number;
  limit?: number;
  /** True labels from file names `<digit>_name.png`. */
  labelsFromNames?: boolean;
  /** Output PNG for a single input (default `<name>-gradcam.png`). */
  output?: string;
  /** Batch output directory (default `gradcam-out` when there are several inputs). */
  outDir?: string;
  /** Single input: write the bare overlay instead of the two-tile figure. */
  overlayOnly?: boolean;
  /** Batch: write the two-tile figure per input instead of the bare overlay (slower). */
  figures?: boolean;
  /** Single input: write the map's numbers to this JSON file. */
  heatmap?: string;
  /** Batch: which explained inputs get pictures and manifest entries. */
  only?: 'all' | 'misclassified' | 'correct';
  /** Batch: process part i of n ("i/n"). */
  shard?: string;
  /** Batch: write contact sheets and the HTML report (default true). */
  contactSheet?: boolean;
  report?: boolean;
  /** Batch: progress after each chunk of images. */
  onProgress?: (progress: BatchProgress) => void;
}

/** One input explained by the single-input mode. */
export interface Explanation {
  source: string;
  predicted: number;
  probability: number;
  /** The class the map explains, and its probability. */
  explainedClass: number;
  explainedProbability: number;
  label?: number;
  correct?: boolean;
  /** The PNG written. */
  output: string;
  heatmapFile?: string;
}

export interface SingleExplainResult {
  mode: 'single';
  backend: string;
  model: string;
  layer: string;
  score: ScoreKind;
  explanation: Explanation | FailedInput;
  seconds: number;
}

export interface BatchExplainResult {
  mode: 'batch';
  summary: BatchSummary;
  /** The manifest records of this run (also in manifest.jsonl). */
  records: ManifestRecord[];
}

export type ExplainResult = SingleExplainResult | BatchExplainResult;

/** The heatmap JSON written by `--heatmap`. */
export interface HeatmapFile {
  source: string;
  model: string;
  layer: string;
  score: ScoreKind;
  scoreDescription: string;
  class: number;
  className: string;
  probability: number;
  predicted: number;
  label?: number;
  /** The map at the layer's resolution: ReLU(Σ α_k A^k) and the same divided by its maximum (+1e-7). */
  map: { height: number; width: number; unnormalised: number[][]; normalised: number[][] };
  /** The normalised map resized to the input image, bilinear with half-pixel centres. */
  upsampled: { height: number; width: number; values: number[][] };
}

/**
 * Grad-CAM for images, directories, glob patterns and MNIST test digits.
 * One input (and no --out-dir): the tutorial's figure (or the bare overlay) to
 * `-o`. Several inputs, --mnist-test or --out-dir: batch mode (see batch.ts).
 */
export async function explain(options: ExplainOptions): Promise<ExplainResult> {
  const all = await resolveInputs({
    paths: options.images,
    mnistIndex: options.mnistIndex,
    mnistTest: options.mnistTest,
    offset: options.offset,
    limit: options.limit,
    labelsFromNames: options.labelsFromNames,
    cwd: options.cwd,
  });
  if (all.length === 0) throw usageError('nothing to explain: give image files, directories, patterns, --mnist-index or --mnist-test');
  const batch = all.length > 1 || options.outDir !== undefined || options.mnistTest === true || options.shard !== undefined;
  if (!batch) return explainOne(all[0]!, options);
  for (const [flag, given] of [['-o', options.output], ['--heatmap', options.heatmap], ['--overlay-only', options.overlayOnly]] as const) {
    if (given !== undefined && given !== false) {
      throw usageError(`${flag} takes a single input; with ${all.length} inputs use --out-dir DIR (batch mode)`);
    }
  }
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  const indexed = all.map((ref, index) => ({ ref, index }));
  const mine = shard === undefined ? indexed : shardSlice(indexed, shard);
  const { explainBatch } = await import('./batch.js');
  return explainBatch(mine, options, shard === undefined ? null : { ...shard, of: all.length });
}

async function explainOne(ref: InputRef, options: ExplainOptions): Promise<SingleExplainResult> {
  const started = performance.now();
  if (options.figures) throw usageError('--figures is for batch mode; a single input gets the figure by default');
  const style = resolveStyle(options, false);
  const explainer = await openExplainer(options, style);
  try {
    const { session, gradcam, className } = explainer;
    const base = { mode: 'single', backend: session.backend.name, model: session.modelJsonPath, layer: gradcam.layerName, score: style.score } as const;
    const [input] = await loadInputs([ref], { dataDir: options.dataDir, cwd: options.cwd });
    if (input === undefined || isFailure(input)) {
      return { ...base, explanation: { source: input?.source ?? '?', error: input?.error ?? 'not read' }, seconds: (performance.now() - started) / 1000 };
    }
    const x = explainer.stack([input]);
    let maps;
    try {
      maps = gradcam.explain(x, options.classIndex === undefined ? undefined : [options.classIndex]);
    } finally {
      x.dispose();
    }
    const inputShape = session.metadata.input;
    const probabilities = maps.probabilities;
    const predicted = argMax(probabilities);
    const explainedClass = maps.classes[0]!;
    const cwd = options.cwd ?? '.';
    const output = path.resolve(cwd, options.output ?? `${stem(ref)}-gradcam.png`);
    const overlay = {
      image: input.pixels,
      imageHeight: inputShape.height,
      imageWidth: inputShape.width,
      heatmap: maps.heatmaps,
      heatmapHeight: maps.mapHeight,
      heatmapWidth: maps.mapWidth,
      scale: style.scale,
      alpha: style.alpha,
      colormap: style.colormap,
    };
    const explainedText = `${className(explainedClass)} (${percent(probabilities[explainedClass]!)})`;
    await explainer.textReady;
    const png = options.overlayOnly
      ? await renderOverlay(overlay)
      : await renderPanel({
          ...overlay,
          titles: {
            original: input.label === undefined ? 'Original' : `Original (label ${className(input.label)})`,
            gradcam:
              explainedClass === predicted
                ? `Grad-CAM: ${explainedText}`
                : `Grad-CAM for ${explainedText}, predicted ${className(predicted)}`,
          },
          subtitle: `layer ${gradcam.layerName} · score: ${style.score} · ${style.colormap}, alpha ${style.alpha}`,
        });
    await writeFileAtomic(output, png);
    const explanation: Explanation = {
      source: input.source,
      predicted,
      probability: probabilities[predicted]!,
      explainedClass,
      explainedProbability: probabilities[explainedClass]!,
      ...(input.label === undefined ? {} : { label: input.label, correct: input.label === predicted }),
      output,
    };
    if (options.heatmap !== undefined) {
      const heatmapFile = path.resolve(cwd, options.heatmap);
      const record: HeatmapFile = {
        source: input.source,
        model: session.modelJsonPath,
        layer: gradcam.layerName,
        score: style.score,
        scoreDescription: SCORE_KINDS[style.score],
        class: explainedClass,
        className: className(explainedClass),
        probability: probabilities[explainedClass]!,
        predicted,
        ...(input.label === undefined ? {} : { label: input.label }),
        map: {
          height: maps.mapHeight,
          width: maps.mapWidth,
          unnormalised: rows(maps.unnormalised, maps.mapWidth),
          normalised: rows(maps.heatmaps, maps.mapWidth),
        },
        upsampled: {
          height: inputShape.height,
          width: inputShape.width,
          values: rows(resizeBilinear(maps.heatmaps, maps.mapHeight, maps.mapWidth, inputShape.height, inputShape.width), inputShape.width),
        },
      };
      await writeFileAtomic(heatmapFile, formatHeatmapJson(record));
      explanation.heatmapFile = heatmapFile;
    }
    return { ...base, explanation, seconds: (performance.now() - started) / 1000 };
  } finally {
    explainer.session.model.dispose();
  }

}

/** The default output stem of a single input: `mnist-test-00007`, or the file's name without extension. */
function stem(ref: InputRef): string {
  return ref.kind === 'mnist' ? `mnist-${ref.split}-${String(ref.index).padStart(5, '0')}` : path.parse(ref.path).name || 'image';
}

/** Float32 values as rows of numbers with 7 significant digits (float32 carries about 7.2). */
function rows(values: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let start = 0; start < values.length; start += width) {
    out.push(Array.from(values.subarray(start, start + width), (v) => Number(v.toPrecision(7))));
  }
  return out;
}

/** Pretty JSON with each row of numbers on one line, so an 11×11 map reads as a grid. */
export function formatHeatmapJson(record: HeatmapFile): string {
  const placeholders: string[] = [];
  const json = JSON.stringify(
    record,
    (_key, value: unknown) => {
      if (Array.isArray(value) && value.every((v) => typeof v === 'number')) {
        placeholders.push(`[${value.join(', ')}]`);
        return `\u0000${placeholders.length - 1}`;
      }
      return value;
    },
    2,
  );
  return `${json.replace(/"\\u0000(\d+)"/g, (_m, i: string) => placeholders[Number(i)]!)}\n`;
}
