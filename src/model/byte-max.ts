/**
 * The largest 8-bit value: image files store 0..255 per channel, and an input
 * spec's `scale` applies to them. In a file of its own, free of TensorFlow.js,
 * so the CLI's option parsers can use it without loading tfjs at start-up.
 */
export const BYTE_MAX = 255;
