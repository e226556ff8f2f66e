/**
 * What batch explain hands its outputs. The batch loop (commands/explain/batch.ts)
 * explains the inputs chunk by chunk and passes every writer each chunk's
 * pictures, then the chunk's records once its pictures are on disk, and at the
 * end the run's summary. A new output is one module in writers/ and one line in
 * the loop's list of writers.
 */
import type { RenderStyle } from '../render/render-style.js';
import type { ImageAndHeatmap } from '../render/tiles.js';
import type { BatchSummary, ManifestEntry, ManifestRecord } from './manifest.js';

/** An explained input that gets a picture. */
export interface Picture {
  /** Its manifest entry; `entry.output` is the picture's path relative to the output directory. */
  entry: ManifestEntry;
  /** [H, W] float32 grey levels in [0, 1]: the input as shown (the model's view of it). */
  image: Float32Array;
  /** [h, w] float32 in [0, 1]: the normalised map at the explained layer's resolution. */
  heatmap: Float32Array;
  /** What 1 in `heatmap` stands for, in score units: the map's own raw peak, or with --normalize batch the run's largest. */
  peak: number;
  /** Probability of the explained class (`entry.explainedClass`), for figure titles when it is not the predicted one. */
  explainedProbability: number;
}

/** The sizes every picture of a run shares (the model's input and the explained layer's map), and how they are drawn. */
export interface PictureLayout {
  imageHeight: number;
  imageWidth: number;
  mapHeight: number;
  mapWidth: number;
  style: RenderStyle;
}

/** A picture's image and map with their sizes, as the renderers take them. */
export function imageAndHeatmap(picture: Picture, layout: PictureLayout): ImageAndHeatmap {
  return {
    image: picture.image,
    imageHeight: layout.imageHeight,
    imageWidth: layout.imageWidth,
    heatmap: picture.heatmap,
    heatmapHeight: layout.mapHeight,
    heatmapWidth: layout.mapWidth,
  };
}

/** One writer of a batch run's outputs. Every hook is optional; hooks are awaited in order. */
export interface BatchWriter {
  /**
   * A chunk's pictures, in input order. A writer that writes one file per
   * picture resolves to one error message or null per picture (the loop then
   * turns the entries whose picture failed into manifest failures); others
   * resolve to undefined. The loop calls it for the next chunk before the
   * promise of this one resolves, so writing overlaps the next chunk's compute.
   */
  pictures?(pictures: readonly Picture[]): Promise<(string | null)[] | undefined>;
  /** A chunk's records (entries and failures, in input order), once its pictures are written or failed. */
  records?(records: readonly ManifestRecord[]): Promise<void>;
  /** After the last chunk, in writer order: may write files and name them in `summary.files`. */
  finish?(summary: BatchSummary, records: readonly ManifestRecord[]): Promise<void>;
  /** Always called once at the end, after a failure too: releases files and threads. */
  close?(): Promise<void>;
}
