/**
 * The raw picture every render module passes around. A leaf module (it
 * imports nothing), so resizing, blending, tiles, text and PNG encoding can
 * all share it without depending on one another.
 */

/** A raw 8-bit RGB picture: `data` is height*width*3 bytes, row-major, no padding. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Bits per channel of an {@link RgbImage} (and of the PNGs written from it). */
const CHANNEL_BITS = 8;

/**
 * Largest value of an 8-bit channel: white, full text coverage, and the factor
 * from a [0, 1] intensity to a byte. An output range, not an input
 * normalisation: inputs are scaled by their model's input spec.
 */
export const CHANNEL_MAX = 2 ** CHANNEL_BITS - 1;
