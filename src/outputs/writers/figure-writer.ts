import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { peakText, percent, probabilityPhrase } from '../number-format.js';
import { firstLine } from '../../errors.js';
import { renderPanel } from '../../render/overlay.js';
import { subtitleWithNotes } from '../prediction-notes.js';
import { imageAndHeatmap, type BatchWriter, type Picture, type PictureLayout } from '../batch-writer.js';

/** What the titles of a figure name. */
export interface FigureCaptions {
  /** The CAM method's title, e.g. "Grad-CAM". */
  methodTitle: string;
  layerName: string;
  score: string;
  /** 'batch' when every map shares the run's scale (--normalize batch): the colour bar says so. */
  normalize: 'image' | 'batch';
  className: (c: number) => string;
  /** Resolves once text rendering is warm (figures have titles). */
  textReady: Promise<void>;
}

/**
 * RGB bytes that the figures rendered at once may hold together (256 MiB).
 * A chunk of 256 figures at the largest `--scale` took 7.1 GB when they were
 * all rendered at once (issue 12, item 9); groups within this budget keep the
 * peak to about one group's canvases and tiles.
 */
export const FIGURE_GROUP_BYTES = 256 * 1024 * 1024;

/**
 * RGB bytes of one figure's two tiles (image and overlay, `scale` pixels per
 * input pixel, 3 bytes a pixel): the bulk of its canvas, and what each of its
 * intermediate tiles holds too.
 */
export function figureBytes(layout: Pick<PictureLayout, 'imageHeight' | 'imageWidth'> & { style: { scale: number } }): number {
  const { imageHeight, imageWidth, style } = layout;
  return 2 * 3 * imageHeight * style.scale * imageWidth * style.scale;
}

/**
 * Splits `items` into consecutive groups of at most `budget` bytes together,
 * `bytesEach` bytes an item; an item larger than the budget is a group alone.
 * @returns the groups, in order; their concatenation is `items`.
 */
export function groupsByBytes<T>(items: readonly T[], bytesEach: number, budget: number = FIGURE_GROUP_BYTES): T[][] {
  const perGroup = Math.max(1, Math.floor(budget / bytesEach));
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += perGroup) groups.push(items.slice(start, start + perGroup));
  return groups;
}

/**
 * `--figures`: the two-tile figure (image and overlay, with titles) per
 * picture, rendered on this thread because it needs text, a group of at most
 * FIGURE_GROUP_BYTES at a time.
 */
export function figureWriter(
  outDir: string,
  layout: PictureLayout,
  captions: FigureCaptions,
): BatchWriter {
  const { className } = captions;
  const render = async (picture: Picture): Promise<string | null> => {
    const { entry } = picture;
    try {
      const png = await renderPanel({
        ...imageAndHeatmap(picture, layout),
        ...layout.style,
        titles: {
          original: entry.label === undefined ? 'Original' : `Original (label ${className(entry.label)})`,
          gradcam:
            entry.explainedClass === entry.class
              ? `${captions.methodTitle}: ${className(entry.class)} (${percent(entry.probability)})`
              : `${captions.methodTitle} explaining ${className(entry.explainedClass)} (${probabilityPhrase(picture.explainedProbability)}), predicted ${className(entry.class)}`,
        },
        // The record's notes ("low confidence (43%)", "several digits? …") travel with the picture (issue 11).
        subtitle: subtitleWithNotes(`layer ${captions.layerName} · score: ${captions.score}`, entry.notes),
        colourBar: {
          caption: `1 = ${captions.normalize === 'batch' ? "the run's largest raw peak" : 'raw peak'} ${peakText(picture.peak)} (${captions.score})`,
        },
      });
      await writeFileAtomic(path.join(outDir, entry.output), png, { durable: false });
      return null;
    } catch (error) {
      return firstLine(error);
    }
  };
  return {
    pictures: async (pictures) => {
      await captions.textReady;
      const errors: (string | null)[] = [];
      for (const group of groupsByBytes(pictures, figureBytes(layout))) {
        errors.push(...(await Promise.all(group.map(render))));
      }
      return errors;
    },
  };
}
