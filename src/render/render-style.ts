import type { ColormapName } from './colormaps.js';

/** How a heatmap is drawn over its image. */
export interface RenderStyle {
  /** Heatmap opacity in [0, 1]. */
  alpha: number;
  colormap: ColormapName;
  /** Screen pixels per image pixel, a whole number ≥ 1. */
  scale: number;
}

/**
 * The one place the picture defaults live (the CLI's help, the commands, the
 * overlay and contact-sheet renderers all read them here): the Keras
 * tutorial's 0.4 opacity and jet colours, 10 screen pixels per image pixel.
 */
export const RENDER_DEFAULTS = { alpha: 0.4, colormap: 'jet', scale: 10 } as const satisfies RenderStyle;

/** Screen pixels per image pixel in batch mode: 112 px tiles keep 10,000 PNGs quick to write and small to archive. */
export const BATCH_SCALE = 4;
