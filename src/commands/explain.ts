import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import type { ColormapName } from '../colormaps.js';
import { usageError } from '../errors.js';
import type { GradcamBatch } from '../gradcam.js';
import { collectInputs, isFailure, loadInputs, type Digit, type FailedInput, type InputRef } from '../inputs.js';
import { OVERLAY_DEFAULTS, renderOverlay, renderPanel, resizeBilinear, warmUpTextRendering } from '../overlay.js';
import { SCORE_KINDS, type ScoreKind } from '../score-kinds.js';
import { withDefaults } from './defaults.js';
import type { ModelOptions } from './model-session.js';

export const EXPLAIN_DEFAULTS = {
  score: 'logit',
  ...OVERLAY_DEFAULTS,
} as const satisfies { score: ScoreKind; scale: number; alpha: number; colormap: ColormapName };

/** Images explained per forward/backward pass. */
const EXPLAIN_BATCH_SIZE = 64;

export interface ExplainOptions extends ModelOptions {
  images: string[];
  /** MNIST test-set indices, e.g. "0", "0..99". */
  mnistIndex?: string;
  /** Layer to explain; default the last convolutional layer. */
  layer?: string;
  /** Class to explain; default the predicted class of each image. */
  classIndex?: number;
  score?: ScoreKind;
  alpha?: number;
  colormap?: ColormapName;
  /** Screen pixels per input pixel. */
  scale?: number;
  /** Output PNG for a single input. */
  output?: string;
  /** Output directory, one PNG per input (implied, as `gradcam-out`, when there are several inputs). */
  outDir?: string;
  /** Write the bare overlay instead of the two-tile figure. */
  overlayOnly?: boolean;
  /** Write the numbers of a single input's map to this JSON file. */
  heatmap?: string;
  dataDir?: string;
  /** Base for relative output paths; default process working directory (resolved by the caller). */
  cwd?: string;
}

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

export interface ExplainResult {
  backend: string;
  model: string;
  layer: string;
  score: ScoreKind;
  explanations: (Explanation | FailedInput)[];
  summary: { inputs: number; failed: number; seconds: number };
}

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

/** Grad-CAM for images and/or MNIST test digits: writes the tutorial figure (or the bare overlay) per input. */
export async function explain(options: ExplainOptions): Promise<ExplainResult> {
  const started = performance.now();
  const settings = withDefaults(EXPLAIN_DEFAULTS, options);
  const cwd = options.cwd ?? '.';
  const refs = collectInputs(options.images, options.mnistIndex);
  if (refs.length === 0) throw usageError('nothing to explain: give image files or --mnist-index N');
  const single = refs.length === 1 && options.outDir === undefined;
  if (!single && options.output !== undefined) {
    throw usageError(`-o names one file but there are ${refs.length} inputs; use --out-dir DIR`);
  }
  if (!single && options.heatmap !== undefined) {
    throw usageError('--heatmap FILE takes a single input');
  }
  validateSettings(settings);

  // Fonts initialise on sharp's threads while TensorFlow.js loads on this one.
  const textReady = warmUpTextRendering();
  const [{ openModelSession }, { createGradcam }, { stackImages }] = await Promise.all([
    import('./model-session.js'),
    import('../gradcam.js'),
    import('../classify.js'),
  ]);
  const session = await openModelSession(options);
  const gradcam = createGradcam(session.model, { layerName: options.layer, score: settings.score });
  const inputs = await loadInputs(refs, { dataDir: options.dataDir });
  const { classNames, input: inputShape } = session.metadata;
  const className = (c: number) => classNames[c] ?? String(c);
  const outDir = single ? undefined : path.resolve(cwd, options.outDir ?? 'gradcam-out');
  if (outDir !== undefined) await fs.mkdir(outDir, { recursive: true });
  const names = new UniqueNames();

  const results = new Map<Digit, Explanation | FailedInput>();
  const digits = inputs.filter((input): input is Digit => !isFailure(input));
  for (let start = 0; start < digits.length; start += EXPLAIN_BATCH_SIZE) {
    const batch = digits.slice(start, start + EXPLAIN_BATCH_SIZE);
    const x = stackImages(batch.map((d) => d.pixels), inputShape);
    let maps: GradcamBatch;
    try {
      maps = gradcam.explain(x, options.classIndex === undefined ? undefined : batch.map(() => options.classIndex!));
    } finally {
      x.dispose();
    }
    const mapSize = maps.mapHeight * maps.mapWidth;
    for (const [i, digit] of batch.entries()) {
      const probabilities = maps.probabilities.subarray(i * maps.classCount, (i + 1) * maps.classCount);
      const predicted = argMax(probabilities);
      const explainedClass = maps.classes[i]!;
      const heatmap = maps.heatmaps.subarray(i * mapSize, (i + 1) * mapSize);
      const output = single
        ? path.resolve(cwd, options.output ?? `${names.take(digit.ref)}-gradcam.png`)
        : path.join(outDir!, `${names.take(digit.ref)}.png`);
      const overlay = {
        image: digit.pixels,
        imageHeight: inputShape.height,
        imageWidth: inputShape.width,
        heatmap,
        heatmapHeight: maps.mapHeight,
        heatmapWidth: maps.mapWidth,
        scale: settings.scale,
        alpha: settings.alpha,
        colormap: settings.colormap,
      };
      const explainedText = `${className(explainedClass)} (${percent(probabilities[explainedClass]!)})`;
      await textReady;
      const png = settings.overlayOnly
        ? await renderOverlay(overlay)
        : await renderPanel({
            ...overlay,
            titles: {
              original: digit.label === undefined ? 'Original' : `Original (label ${className(digit.label)})`,
              gradcam:
                explainedClass === predicted
                  ? `Grad-CAM: ${explainedText}`
                  : `Grad-CAM for ${explainedText}, predicted ${className(predicted)}`,
            },
            subtitle: `layer ${gradcam.layerName} · score: ${settings.score} · ${settings.colormap}, alpha ${settings.alpha}`,
          });
      await writeFileAtomic(output, png);
      const explanation: Explanation = {
        source: digit.source,
        predicted,
        probability: probabilities[predicted]!,
        explainedClass,
        explainedProbability: probabilities[explainedClass]!,
        ...(digit.label === undefined ? {} : { label: digit.label, correct: digit.label === predicted }),
        output,
      };
      if (options.heatmap !== undefined) {
        const heatmapFile = path.resolve(cwd, options.heatmap);
        const record: HeatmapFile = {
          source: digit.source,
          model: session.modelJsonPath,
          layer: gradcam.layerName,
          score: settings.score,
          scoreDescription: SCORE_KINDS[settings.score],
          class: explainedClass,
          className: className(explainedClass),
          probability: probabilities[explainedClass]!,
          predicted,
          ...(digit.label === undefined ? {} : { label: digit.label }),
          map: {
            height: maps.mapHeight,
            width: maps.mapWidth,
            unnormalised: rows(maps.unnormalised.subarray(i * mapSize, (i + 1) * mapSize), maps.mapWidth),
            normalised: rows(heatmap, maps.mapWidth),
          },
          upsampled: {
            height: inputShape.height,
            width: inputShape.width,
            values: rows(
              resizeBilinear(heatmap, maps.mapHeight, maps.mapWidth, inputShape.height, inputShape.width),
              inputShape.width,
            ),
          },
        };
        await writeFileAtomic(heatmapFile, formatHeatmapJson(record));
        explanation.heatmapFile = heatmapFile;
      }
      results.set(digit, explanation);
    }
  }
  return {
    backend: session.backend.name,
    model: session.modelJsonPath,
    layer: gradcam.layerName,
    score: settings.score,
    explanations: inputs.map((input) => (isFailure(input) ? { source: input.source, error: input.error } : results.get(input)!)),
    summary: { inputs: inputs.length, failed: inputs.length - digits.length, seconds: (performance.now() - started) / 1000 },
  };
}

function validateSettings(settings: { alpha: number; scale: number; score: string }): void {
  if (!(settings.alpha >= 0 && settings.alpha <= 1)) throw usageError(`--alpha must be in [0, 1], got ${settings.alpha}`);
  if (!Number.isInteger(settings.scale) || settings.scale < 1) {
    throw usageError(`--scale must be a positive integer, got ${settings.scale}`);
  }
  if (!Object.hasOwn(SCORE_KINDS, settings.score)) {
    throw usageError(`unknown score "${settings.score}"; choose ${Object.keys(SCORE_KINDS).join(' or ')}`);
  }
}

/** File stems for inputs, unique within one run: `mnist-test-00007`, `digit`, `digit-2`. */
class UniqueNames {
  private readonly used = new Set<string>();

  take(ref: InputRef): string {
    const base =
      ref.kind === 'mnist' ? `mnist-${ref.split}-${String(ref.index).padStart(5, '0')}` : path.parse(ref.path).name || 'image';
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}-${n}`;
    this.used.add(name);
    return name;
  }
}

function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function percent(p: number): string {
  return `${(p * 100).toFixed(2)}%`;
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
