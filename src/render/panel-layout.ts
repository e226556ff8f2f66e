/**
 * Geometry of the tutorial's two-tile figure (overlay.ts's renderPanel), with
 * an optional third tile on the left for the user's own picture: where the
 * tiles and the titles sit. Pure; draws nothing.
 */
import { colourBarLayout, type ColourBarLayout } from './colour-bar.js';
import type { TextLabel } from './text.js';
import { estimateTextWidth } from './text-width.js';

/** Titles above the two tiles, e.g. `Original (label 7)` and `Grad-CAM`. */
export interface PanelTitles {
  original: string;
  gradcam: string;
}

/** Where everything sits in a panel, in canvas pixels. */
export interface PanelLayout {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  /** Top-left corners of the two tiles. */
  originalTile: { left: number; top: number };
  gradcamTile: { left: number; top: number };
  /** Top-left corner of the picture tile, when there is one (vertically centred on the other tiles). */
  pictureTile?: { left: number; top: number };
  /** The colour bar under the heatmap tile, when one was asked for (its labels are in `labels` too). */
  colourBar?: ColourBarLayout;
  labels: TextLabel[];
}

/** A colour bar under the heatmap tile: 0 → 1 and a caption saying what 1 is (e.g. the raw peak). */
export interface PanelColourBar {
  caption?: string;
}

/** The user's picture, in a column of its own left of the model's input: its tile's size (at most the tiles' height) and title. */
export interface PanelPicture {
  width: number;
  height: number;
  title: string;
}

/**
 * Lays out the two-tile figure: titles centred above the tiles, a margin all
 * round, an optional subtitle centred underneath. Font sizes follow the tile
 * size (18 px titles over 280 px tiles, the proportion of matplotlib's 12 pt
 * titles over its default subplots) with a readable minimum, and a column
 * widens when its title is wider than its tile (an MNIST digit's 28 px tiles
 * at scale 1).
 *
 * With `colourBar`, a horizontal colour bar sits under the heatmap tile only
 * (the original's column is left as it is), as wide as the tile but never
 * narrower than ten label heights, so its ticks stay legible at scale 1.
 *
 * With `picture`, a first column holds the user's picture (issue 11), as wide
 * as that tile or its title; the font sizes stay those of the two-tile figure.
 *
 * @param tileWidth tile size in pixels (image size times scale).
 * @returns the canvas size, both tiles' corners and the labels for drawText.
 */
export function panelLayout(
  tileWidth: number,
  tileHeight: number,
  titles: PanelTitles,
  subtitle?: string,
  colourBar?: PanelColourBar,
  picture?: PanelPicture,
): PanelLayout {
  const titleSize = Math.min(24, Math.max(11, Math.round(tileHeight * 0.065)));
  const subtitleSize = Math.max(10, Math.round(titleSize * 0.75));
  const margin = Math.round(titleSize * 1.1);
  const gap = Math.round(titleSize * 1.8);
  const titlePad = Math.round(titleSize * 0.5); // matplotlib's title pad is 6 pt
  const columnWidth = (title: string): number =>
    Math.max(tileWidth, Math.ceil(estimateTextWidth(title, titleSize)));
  const leftColumn = columnWidth(titles.original);
  const barFont = subtitleSize;
  const barWidth = Math.max(tileWidth, 10 * barFont);
  const captionWidth = colourBar?.caption ? Math.ceil(estimateTextWidth(colourBar.caption, barFont)) : 0;
  const rightColumn = colourBar === undefined ? columnWidth(titles.gradcam) : Math.max(columnWidth(titles.gradcam), barWidth, captionWidth);
  const hasSubtitle = subtitle !== undefined && subtitle.trim() !== '';
  const subtitleWidth = hasSubtitle ? Math.ceil(estimateTextWidth(subtitle, subtitleSize)) : 0;

  const pictureColumn = picture === undefined ? 0 : Math.max(picture.width, Math.ceil(estimateTextWidth(picture.title, titleSize))) + gap;
  const columnsWidth = pictureColumn + leftColumn + gap + rightColumn;
  const contentWidth = Math.max(columnsWidth, subtitleWidth);
  const width = contentWidth + 2 * margin;
  const pictureLeft = margin + Math.floor((contentWidth - columnsWidth) / 2);
  const columnsLeft = pictureLeft + pictureColumn;

  // DejaVu Sans: ascent ~0.93 em, descent ~0.24 em; the baseline sits one ascent below the band's top.
  const titleBaseline = margin + Math.round(titleSize * 0.93);
  const tileTop = titleBaseline + Math.round(titleSize * 0.24) + titlePad;
  const leftCentre = columnsLeft + leftColumn / 2;
  const rightCentre = columnsLeft + leftColumn + gap + rightColumn / 2;
  const tileBottom = tileTop + tileHeight;
  const bar =
    colourBar === undefined
      ? undefined
      : colourBarLayout(Math.round(rightCentre - barWidth / 2), tileBottom + Math.round(barFont * 0.8), barWidth, barFont, colourBar.caption);
  const contentBottom = bar === undefined ? tileBottom : bar.bar.top + bar.height;
  const subtitleBaseline = contentBottom + Math.round(subtitleSize * 0.9) + Math.round(subtitleSize * 0.93);
  const height = (hasSubtitle ? subtitleBaseline + Math.round(subtitleSize * 0.24) : contentBottom) + margin;

  const pictureCentre = pictureLeft + (pictureColumn - gap) / 2;
  const labels: TextLabel[] = [
    ...(picture === undefined ? [] : [{ text: picture.title, x: pictureCentre, y: titleBaseline, fontSize: titleSize }]),
    { text: titles.original, x: leftCentre, y: titleBaseline, fontSize: titleSize },
    { text: titles.gradcam, x: rightCentre, y: titleBaseline, fontSize: titleSize },
    ...(bar?.labels ?? []),
  ];
  if (hasSubtitle) {
    labels.push({ text: subtitle, x: margin + contentWidth / 2, y: subtitleBaseline, fontSize: subtitleSize, color: '#444' });
  }
  return {
    width,
    height,
    tileWidth,
    tileHeight,
    originalTile: { left: Math.round(leftCentre - tileWidth / 2), top: tileTop },
    gradcamTile: { left: Math.round(rightCentre - tileWidth / 2), top: tileTop },
    ...(picture === undefined
      ? {}
      : { pictureTile: { left: Math.round(pictureCentre - picture.width / 2), top: tileTop + Math.floor((tileHeight - Math.min(picture.height, tileHeight)) / 2) } }),
    ...(bar === undefined ? {} : { colourBar: bar }),
    labels,
  };
}
