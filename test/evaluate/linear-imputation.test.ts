/** ROAD's linear imputation (Rong et al. 2022, §4.2) against what its equations force. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addImputationNoise, gaussian, imputeLinear } from '../../src/evaluate/linear-imputation.js';
import { seededRandom } from '../../src/training/random.js';

const H = 9;
const W = 10;
const ramp = (channels: number) =>
  Float32Array.from({ length: H * W * channels }, (_, i) => {
    const p = Math.floor(i / channels);
    const c = i % channels;
    return 0.1 + 0.05 * (p % W) + 0.03 * Math.floor(p / W) + 0.2 * c;
  });

describe('noisy linear imputation', () => {
  it('reproduces a linear ramp in a hole away from the border (the symmetric 8-neighbour mean of a plane is the plane)', () => {
    for (const channels of [1, 3]) {
      const image = ramp(channels);
      const removed = new Uint8Array(H * W);
      for (let y = 2; y <= 6; y++) for (let x = 3; x <= 6; x++) removed[y * W + x] = 1;
      const out = imputeLinear(image, removed, H, W, channels);
      for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i]! - image[i]!) < 1e-5, `value ${i}: ${out[i]} vs ${image[i]}`);
    }
  });

  it('each imputed pixel is the weighted mean of its neighbours (1/6 direct, 1/12 diagonal, renormalised at the border)', () => {
    const random = seededRandom(4);
    const image = Float32Array.from({ length: H * W }, () => random());
    const removed = new Uint8Array(H * W);
    for (let p = 0; p < H * W; p++) removed[p] = random() < 0.5 ? 1 : 0;
    const out = imputeLinear(image, removed, H, W, 1);
    for (let p = 0; p < H * W; p++) {
      if (!removed[p]) {
        assert.equal(out[p], image[p], 'kept pixels are untouched');
        continue;
      }
      const y = Math.floor(p / W);
      const x = p % W;
      let sum = 0;
      let weight = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          if ((dy === 0 && dx === 0) || y + dy < 0 || y + dy >= H || x + dx < 0 || x + dx >= W) continue;
          const w = dy === 0 || dx === 0 ? 1 / 6 : 1 / 12;
          sum += w * out[(y + dy) * W + x + dx]!;
          weight += w;
        }
      assert.ok(Math.abs(out[p]! - sum / weight) < 1e-4, `pixel ${p}`);
    }
  });

  it('a warm start reaches the same solution', () => {
    const image = ramp(1).map((v, i) => v + ((i * 7919) % 13) / 50);
    const small = new Uint8Array(H * W);
    const large = new Uint8Array(H * W);
    for (let p = 0; p < H * W; p++) {
      small[p] = p % 5 === 0 ? 1 : 0;
      large[p] = p % 5 === 0 || p % 3 === 0 ? 1 : 0;
    }
    const cold = imputeLinear(image, large, H, W, 1);
    const warm = imputeLinear(image, large, H, W, 1, { start: imputeLinear(image, small, H, W, 1) });
    for (let i = 0; i < cold.length; i++) assert.ok(Math.abs(cold[i]! - warm[i]!) < 1e-4);
  });

  it('noise: N(0, σ²) on removed pixels only, repeatable by seed', () => {
    const removed = Uint8Array.from({ length: 4000 }, (_, p) => (p % 2 === 0 ? 1 : 0));
    const noisy = new Float32Array(4000);
    addImputationNoise(noisy, removed, 1, gaussian(seededRandom(9)), 0.01);
    const drawn = [...noisy].filter((_, p) => p % 2 === 0);
    assert.ok([...noisy].every((v, p) => p % 2 === 0 || v === 0));
    const sd = Math.sqrt(drawn.reduce((s, v) => s + v * v, 0) / drawn.length);
    assert.ok(Math.abs(sd - 0.01) < 0.001, `σ ${sd}`);
    const again = new Float32Array(4000);
    addImputationNoise(again, removed, 1, gaussian(seededRandom(9)), 0.01);
    assert.deepEqual(again, noisy);
  });
});
