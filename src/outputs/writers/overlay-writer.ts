import * as path from 'node:path';
import { packed } from '../../data/packed.js';
import type { BatchWriter } from '../batch-writer.js';
import type { TileWriter } from '../tile-writer.js';

/**
 * The bare overlay per picture (`images/<name>.png`), painted, encoded and
 * written on the picture threads of `tiles` while the main thread computes
 * the next chunk.
 */
export function overlayWriter(outDir: string, tiles: TileWriter, sizes: { image: number; map: number }): BatchWriter {
  return {
    pictures: (pictures) =>
      tiles.write(
        packed(pictures.map((p) => p.image), sizes.image),
        packed(pictures.map((p) => p.heatmap), sizes.map),
        pictures.map((p) => path.join(outDir, p.entry.output)),
      ),
  };
}
