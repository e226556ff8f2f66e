import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { percent } from '../number-format.js';
import { firstLine } from '../../errors.js';
import { renderPanel } from '../../render/overlay.js';
import { imageAndHeatmap, type BatchWriter, type PictureLayout } from '../batch-writer.js';

/** What the titles of a figure name. */
export interface FigureCaptions {
  /** The CAM method's title, e.g. "Grad-CAM". */
  methodTitle: string;
  layerName: string;
  score: string;
  className: (c: number) => string;
  /** Resolves once text rendering is warm (figures have titles). */
  textReady: Promise<void>;
}

/**
 * `--figures`: the two-tile figure (image and overlay, with titles) per
 * picture, rendered on this thread because it needs text.
 */
export function figureWriter(
  outDir: string,
  layout: PictureLayout,
  captions: FigureCaptions,
): BatchWriter {
  const { className } = captions;
  return {
    pictures: async (pictures) => {
      await captions.textReady;
      return Promise.all(
        pictures.map(async (picture) => {
          const { entry } = picture;
          try {
            const png = await renderPanel({
              ...imageAndHeatmap(picture, layout),
              ...layout.style,
              titles: {
                original: entry.label === undefined ? 'Original' : `Original (label ${className(entry.label)})`,
                gradcam: `${captions.methodTitle}: ${className(entry.predicted)} (${percent(entry.probability)})`,
              },
              subtitle: `layer ${captions.layerName} · score: ${captions.score}`,
            });
            await writeFileAtomic(path.join(outDir, entry.output), png, { durable: false });
            return null;
          } catch (error) {
            return firstLine(error);
          }
        }),
      );
    },
  };
}
