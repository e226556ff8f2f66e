import type { InputSpec } from '../model/input-spec.js';

/**
 * The value a "removed" pixel takes in deletion, insertion and their ROAD
 * cousins' reference points: for digit models 0 in the model's input space
 * (black, where MNIST has no ink); otherwise a blurred copy of the image
 * (RISE's insertion baseline, Petsiuk et al. 2018, §4.1), so removing does
 * not add edges of its own.
 */
export type BaselineKind = 'zero' | 'blur';

/** σ of the blur baseline in pixels: RISE's 5 px at 224 px, scaled to the input's larger side. */
export function blurSigma(height: number, width: number): number {
  return (5 * Math.max(height, width)) / 224;
}

export function baselineKind(spec: Pick<InputSpec, 'preparation'>): BaselineKind {
  return spec.preparation === 'digit' ? 'zero' : 'blur';
}

/**
 * The baselines of N images, [N, H, W, C] float32: zeros, or each image
 * blurred by a separable Gaussian of σ = {@link blurSigma} (radius 3σ, edges clamped).
 */
export function baselineImages(kind: BaselineKind, images: Float32Array, height: number, width: number, channels: number): Float32Array {
  if (kind === 'zero') return new Float32Array(images.length);
  const sigma = blurSigma(height, width);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const taps = kernel.map((k) => k / total);
  const out = new Float32Array(images.length);
  const size = height * width * channels;
  const row = new Float32Array(size);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let start = 0; start < images.length; start += size) {
    const image = images.subarray(start, start + size);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let t = -radius; t <= radius; t++) sum += taps[t + radius]! * image[(y * width + clamp(x + t, width)) * channels + c]!;
          row[(y * width + x) * channels + c] = sum;
        }
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let t = -radius; t <= radius; t++) sum += taps[t + radius]! * row[(clamp(y + t, height) * width + x) * channels + c]!;
          out[start + (y * width + x) * channels + c] = sum;
        }
  }
  return out;
}
