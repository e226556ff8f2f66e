import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import { GradcamError } from '../../errors.js';
import { imageAndHeatmap, type BatchWriter, type PictureLayout } from '../batch-writer.js';
import { tileName, type ContactSheetItem } from '../contact-sheet-layout.js';
import { colourKeyCaption } from '../report/colour-key.js';
import type { TileWriter } from '../tile-writer.js';

/** `contact-sheet.png`, or `contact-sheet-001.png`… when the pictures need several pages. */
export function contactSheetFileName(index: number, count: number): string {
  return count === 1 ? 'contact-sheet.png' : `contact-sheet-${String(index + 1).padStart(3, '0')}.png`;
}

/**
 * Contact sheets of every picture of the run, written after the last chunk
 * and named in `summary.files.contactSheets`. With picture threads, pages are
 * painted here and encoded and written there meanwhile (encoding costs more
 * than painting); without (--figures), encoded and written here.
 *
 * @param tiles the run's picture threads, or undefined.
 * @param threads how many picture threads `tiles` has: at most that many pages are in flight.
 */
export function contactSheetWriter(
  outDir: string,
  layout: PictureLayout,
  tiles: TileWriter | undefined,
  threads: number,
): BatchWriter {
  const items: ContactSheetItem[] = [];
  return {
    pictures: async (pictures) => {
      for (const picture of pictures) {
        const { entry } = picture;
        items.push({
          ...imageAndHeatmap(picture, layout),
          predicted: entry.class,
          probability: entry.probability,
          name: tileName(entry.source),
          ...(entry.label === undefined ? {} : { label: entry.label }),
        });
      }
      return undefined;
    },
    finish: async (summary) => {
      if (items.length === 0) return;
      const { CONTACT_SHEET_PNG_LEVEL, paintContactSheets, renderContactSheets } = await import('../contact-sheet.js');
      const { explained, labelled, correct } = summary;
      const options = {
        alpha: layout.style.alpha,
        colormap: layout.style.colormap,
        counts: { explained, labelled, correct },
        classNames: summary.classNames,
        colourBar: { caption: colourKeyCaption(summary) },
      };
      const files: string[] = [];
      if (tiles === undefined) {
        const pages = await renderContactSheets(items, options);
        for (const [i, png] of pages.entries()) {
          const file = contactSheetFileName(i, pages.length);
          await writeFileAtomic(path.join(outDir, file), png);
          files.push(file);
        }
      } else {
        // While one page is painted, at most one per picture thread is being written.
        const writes: Promise<string | null>[] = [];
        await paintContactSheets(items, options, async (page, index, count) => {
          const file = contactSheetFileName(index, count);
          files.push(file);
          const write = tiles.writePage(page.data, page.width, page.height, CONTACT_SHEET_PNG_LEVEL, path.join(outDir, file));
          write.catch(() => undefined); // awaited below; a failed thread must not also count as an unhandled rejection
          writes.push(write);
          if (writes.length > threads) await writes[writes.length - 1 - threads];
        });
        const errors = await Promise.all(writes);
        const failed = errors.findIndex((error) => error !== null);
        if (failed >= 0) throw new GradcamError(`cannot write ${path.join(outDir, files[failed]!)}: ${errors[failed]}`);
      }
      summary.files.contactSheets = files;
    },
  };
}
