import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { GradcamError, usageError } from '../../errors.js';
import { checkOutputFile, MAX_NAME_BYTES, truncateToBytes } from '../../output-paths.js';
import { encodeImage, imageFormatOf, type ImageFormat } from '../../outputs/image-format.js';
import { SCORE_KINDS } from '../../cam/score-kinds.js';
import { isFailure, loadInputs, type InputRef } from '../../data/inputs.js';
import { badModelOutput } from '../../model/output-check.js';
import { argMax, DEFAULT_TOP_K, rankedClasses } from '../../model/ranking.js';
import { SCHEMA_VERSION } from '../../outputs/schema-version.js';
import { formatHeatmapJson, heatmapRows, type HeatmapFile } from '../../outputs/heatmap-json.js';
import { peakText, percent, probabilityPhrase } from '../../outputs/number-format.js';
import { rawPeaks } from '../../cam/raw-peak.js';
import { CAM_METHODS } from '../../cam/cam-methods.js';
import { renderComparison, type ComparedMap } from '../../render/comparison-figure.js';
import { renderOverlay, renderPanel } from '../../render/overlay.js';
import { resizeBilinear } from '../../render/resize.js';
import { MAX_PICTURE_ASPECT, pictureTile } from '../../render/picture-tile.js';
import type { RgbImage } from '../../render/rgb-image.js';
import { loadPicturePreview } from '../../data/image.js';
import type { Digit } from '../../data/inputs.js';
import { subtitleWithNotes, withPredictionNotes } from '../../outputs/prediction-notes.js';
import type { RenderStyle } from '../../render/render-style.js';
import type { ExplainOptions, ExplainPlan, Explanation, SingleExplainResult } from './options.js';
import { openExplainer } from './setup.js';

/**
 * Single-input mode of `gradcam explain`: the tutorial's two-tile figure (or
 * the bare overlay with `overlayOnly`) to `output`, and with `heatmap` the
 * map's numbers as JSON. `plan` and `style` come resolved from explain.ts. An input that cannot be read is returned as a
 * failure, not thrown, as in batch mode.
 */
export async function explainOne(
  ref: InputRef,
  options: ExplainOptions,
  plan: ExplainPlan,
  style: RenderStyle,
): Promise<SingleExplainResult> {
  const started = performance.now();
  const { output, format, heatmapFile } = await checkOutputs(ref, options);
  const explainer = await openExplainer(options, plan);
  try {
    const { session, cam, className } = explainer;
    const base = {
      schemaVersion: SCHEMA_VERSION,
      mode: 'single',
      backend: session.backend.name,
      model: session.modelJsonPath,
      method: plan.method,
      layer: cam.layerName,
      score: plan.score,
    } as const;
    const [input] = await loadInputs([ref], { dataDir: options.dataDir, cwd: options.cwd, spec: session.inputSpec });
    if (input === undefined || isFailure(input)) {
      return { ...base, explanation: { source: input?.source ?? '?', error: input?.error ?? 'not read' }, seconds: (performance.now() - started) / 1000 };
    }
    const x = explainer.stack([input]);
    const classes = plan.classIndex === undefined ? undefined : [plan.classIndex];
    let maps;
    let compared: ComparedMap[] | undefined;
    try {
      maps = cam.explain(x, classes);
      if (plan.compare !== undefined) {
        // Every method explains the class the first one did, so the tiles answer one question.
        const target = [maps.classes[0]!];
        compared = plan.compare.map((name) => {
          const other = name === plan.method ? maps! : explainer.camFor(name).explain(x, target);
          const { title, classSpecific } = CAM_METHODS[name];
          // Each method has its own units, so each tile names its own raw peak (what 1 on the shared colour bar is).
          const peak = `peak ${peakText(rawPeaks(other.unnormalised, 1)[0]!)}`;
          return { title: `${classSpecific ? title : `${title} (any class)`} · ${peak}`, heatmap: other.heatmaps, heatmapHeight: other.mapHeight, heatmapWidth: other.mapWidth };
        });
      }
    } finally {
      x.dispose();
    }
    const inputShape = session.inputSpec;
    const probabilities = maps.probabilities;
    const problem = badModelOutput(probabilities, session.modelJsonPath);
    if (problem !== undefined) {
      return { ...base, explanation: { source: input.source, error: `${input.source}: ${problem}` }, seconds: (performance.now() - started) / 1000 };
    }
    const predicted = argMax(probabilities);
    const explainedClass = maps.classes[0]!;
    const rawPeak = rawPeaks(maps.unnormalised, 1)[0]!;
    const overlay = {
      image: input.view,
      imageHeight: inputShape.height,
      imageWidth: inputShape.width,
      heatmap: maps.heatmaps,
      heatmapHeight: maps.mapHeight,
      heatmapWidth: maps.mapWidth,
      ...style,
    };
    // A class other than the prediction says so, with its probability however small ("explaining 3 (p < 0.01%)", issue 13).
    const explainedText =
      explainedClass === predicted
        ? `${className(explainedClass)} (${percent(probabilities[explainedClass]!)})`
        : `explaining ${className(explainedClass)} (${probabilityPhrase(probabilities[explainedClass]!)})`;
    const colourBar = { caption: `1 = raw peak ${peakText(rawPeak)} (${plan.score})` };
    const methodTitle = cam.method.title;
    const notes = withPredictionNotes(input.notes, probabilities[predicted]!);
    // The comparison grid's cells are one tile wide, so there the picture fits in a tile.
    const picture = options.overlayOnly
      ? undefined
      : await userPicture(input, options, inputShape.height * style.scale, compared === undefined ? undefined : inputShape.width * style.scale);
    await explainer.textReady;
    // The notes ("low confidence (43%)", "several digits? …") are on the figure too, not only in the terminal (issue 11).
    const subtitle = subtitleWithNotes(`layer ${cam.layerName} · score: ${plan.score} · ${style.colormap}, alpha ${style.alpha}`, notes);
    const originalTitle = input.label === undefined ? 'Original' : `Original (label ${className(input.label)})`;
    const png = compared !== undefined
      ? await renderComparison({
          image: input.view,
          imageHeight: inputShape.height,
          imageWidth: inputShape.width,
          originalTitle: `${picture === undefined ? originalTitle : 'Model input'}: why ${explainedText}?`,
          ...(picture === undefined ? {} : { picture: { tile: picture, title: originalTitle } }),
          maps: compared,
          subtitle,
          colourBar: { caption: `1 = each map's own raw peak (${plan.score}), shown in its title` },
          ...style,
        })
      : options.overlayOnly
      ? await renderOverlay(overlay)
      : await renderPanel({
          ...overlay,
          ...(picture === undefined ? {} : { picture: { tile: picture, title: originalTitle } }),
          titles: {
            original: picture === undefined ? originalTitle : `Model input ${inputShape.width}×${inputShape.height}`,
            gradcam: !cam.method.classSpecific
              ? `${methodTitle} (any class); predicted ${className(predicted)} (${percent(probabilities[predicted]!)})`
              : explainedClass === predicted
                ? `${methodTitle}: ${explainedText}`
                : `${methodTitle} ${explainedText}, predicted ${className(predicted)}`,
          },
          subtitle,
          colourBar,
        });
    const image = await encodeImage(png, format);
    if (output !== STDOUT) await writeFileAtomic(output, image);
    const top = rankedClasses(probabilities, DEFAULT_TOP_K, className);
    const labelled = input.label === undefined ? {} : { label: input.label, labelName: className(input.label), correct: input.label === predicted };
    const explanation: Explanation = {
      source: input.source,
      class: predicted,
      className: className(predicted),
      probability: probabilities[predicted]!,
      top,
      explainedClass,
      explainedProbability: probabilities[explainedClass]!,
      rawPeak,
      ...labelled,
      output,
      ...(notes === undefined ? {} : { notes }),
      ...(input.preprocessing === undefined ? {} : { preprocessing: input.preprocessing }),
    };
    if (heatmapFile !== undefined) {
      const record: HeatmapFile = {
        schemaVersion: SCHEMA_VERSION,
        source: input.source,
        model: session.modelJsonPath,
        method: plan.method,
        layer: cam.layerName,
        score: plan.score,
        scoreDescription: SCORE_KINDS[plan.score],
        class: predicted,
        className: className(predicted),
        probability: probabilities[predicted]!,
        top,
        ...labelled,
        explainedClass,
        explainedClassName: className(explainedClass),
        explainedProbability: probabilities[explainedClass]!,
        map: {
          rawPeak,
          height: maps.mapHeight,
          width: maps.mapWidth,
          unnormalised: heatmapRows(maps.unnormalised, maps.mapWidth),
          normalised: heatmapRows(maps.heatmaps, maps.mapWidth),
        },
        upsampled: {
          height: inputShape.height,
          width: inputShape.width,
          values: heatmapRows(
            resizeBilinear(maps.heatmaps, maps.mapHeight, maps.mapWidth, inputShape.height, inputShape.width),
            inputShape.width,
          ),
        },
      };
      await writeFileAtomic(heatmapFile, formatHeatmapJson(record));
      explanation.heatmapFile = heatmapFile;
    }
    return { ...base, explanation, ...(output === STDOUT ? { image } : {}), seconds: (performance.now() - started) / 1000 };
  } finally {
    explainer.session.model.dispose();
  }
}

/**
 * The user's picture with the crop box, as the figure's first tile (issue 11):
 * for an image file that digit preprocessing cropped; undefined for MNIST
 * records, 28×28 pictures used as is and models that resize instead.
 */
async function userPicture(input: Digit, options: ExplainOptions, tileHeight: number, maxWidth?: number): Promise<RgbImage | undefined> {
  const report = input.preprocessing;
  if (input.ref.kind !== 'file' || report === undefined || report.usedAsIs) return undefined;
  const file = path.resolve(options.cwd ?? '.', input.ref.path);
  // sharp shrinks it to fit the tile's bounds (never enlarging); pictureTile brings it to the tile's exact size.
  const bounds = { width: maxWidth ?? MAX_PICTURE_ASPECT * tileHeight, height: tileHeight };
  let preview;
  try {
    preview = await loadPicturePreview(file, bounds, input.ref.path);
  } catch (error) {
    // Read a second time: a pipe (/dev/stdin) is empty by now. The figure then keeps its two tiles rather than failing the run.
    if (error instanceof GradcamError) return undefined;
    throw error;
  }
  return pictureTile(preview, preview.original, report.cropBox, tileHeight, bounds.width);
}

/** What the default output name adds to the input's name. */
const DEFAULT_SUFFIX = '-gradcam.png';

/** `-o -`: the picture goes to standard output (as PNG), for the caller to write. */
export const STDOUT = '-';

/**
 * The output paths of one input, checked before the model loads (issue 12,
 * items 5 and 15): the picture's format from its extension, its directory,
 * and the --heatmap file's, so a bad path costs no work and no half-written
 * results.
 */
async function checkOutputs(ref: InputRef, options: ExplainOptions): Promise<{ output: string; format: ImageFormat; heatmapFile: string | undefined }> {
  const cwd = options.cwd ?? '.';
  // The default name keeps within 255 bytes however long the input's name (issue 12, item 10).
  const defaultName = `${truncateToBytes(stem(ref), MAX_NAME_BYTES - DEFAULT_SUFFIX.length)}${DEFAULT_SUFFIX}`;
  const output = options.output === STDOUT ? STDOUT : path.resolve(cwd, options.output ?? defaultName);
  if (output !== STDOUT) await checkOutputFile(output, `-o ${options.output ?? output}`);
  const format = imageFormatOf(output);
  if (options.heatmap === STDOUT) throw usageError('--heatmap - is not supported: give the JSON file a name (-o - is the picture on stdout)');
  const heatmapFile = options.heatmap === undefined ? undefined : path.resolve(cwd, options.heatmap);
  if (heatmapFile !== undefined) {
    if (heatmapFile === output) throw usageError(`--heatmap ${options.heatmap} is also the picture (-o); give it another name`);
    await checkOutputFile(heatmapFile, `--heatmap ${options.heatmap}`);
  }
  return { output, format, heatmapFile };
}

/** The default output stem of a single input: `mnist-test-00007`, or the file's name without extension. */
function stem(ref: InputRef): string {
  return ref.kind === 'mnist' ? `mnist-${ref.split}-${String(ref.index).padStart(5, '0')}` : path.parse(ref.path).name || 'image';
}
