import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GradcamError } from '../../src/errors.js';
import { inputSize, inputSpecFor, normaliseForModel, shapeText } from '../../src/model/input-spec.js';
import type { ModelMetadata } from '../../src/model/tutorial-cnn.js';

const meta = (height: number, width: number, channels: number, extra: Partial<ModelMetadata['input']> = {}): ModelMetadata => ({
  input: { height, width, channels, scale: 1 / 255, ...extra },
  classNames: ['a', 'b'],
});

describe('inputSpecFor', () => {
  it('gives 28×28×1 models digit preprocessing, with [0, 1] inputs by default', () => {
    const spec = inputSpecFor([null, 28, 28, 1], meta(28, 28, 1));
    assert.deepEqual(spec, { height: 28, width: 28, channels: 1, scale: 1 / 255, mean: [0], std: [1], preparation: 'digit' });
    assert.equal(inputSize(spec), 784);
    assert.equal(shapeText(spec), '[28, 28, 1]');
  });

  it('resizes for every other shape: 32×32×3, 224×224×3, a 64×64 grey model', () => {
    assert.equal(inputSpecFor([null, 32, 32, 3], meta(32, 32, 3)).preparation, 'resize');
    assert.deepEqual(inputSpecFor([null, 224, 224, 3], meta(224, 224, 3)).mean, [0, 0, 0]);
    assert.equal(inputSpecFor([null, 64, 64, 1], meta(64, 64, 1)).preparation, 'resize');
  });

  it('refuses shapes it cannot feed, and metadata that contradicts the model, with one line', () => {
    const cases: [(number | null)[], ModelMetadata, RegExp][] = [
      [[null, 784], meta(28, 28, 1), /input has shape \[\?, 784\]; gradcam explains image models/],
      [[null, null, null, 3], meta(28, 28, 3), /needs a fixed height, width and channel count/],
      [[null, 32, 32, 4], meta(32, 32, 4), /has 4 channels/],
      [[null, 32, 32, 3], meta(28, 28, 1), /metadata says its input is \[28, 28, 1\] but the model takes \[\?, 32, 32, 3\]/],
      [[null, 32, 32, 3], meta(32, 32, 3, { mean: [0.5] }), /invalid input normalisation/],
      [[null, 32, 32, 3], meta(32, 32, 3, { std: [1, 0, 1] }), /invalid input normalisation/],
    ];
    for (const [shape, metadata, message] of cases) {
      assert.throws(() => inputSpecFor(shape, metadata), (error: unknown) => error instanceof GradcamError && message.test(error.message));
    }
  });
});

describe('normaliseForModel', () => {
  it('returns the values themselves for scale 1/255, mean 0, std 1', () => {
    const values = Float32Array.of(0, 0.5, 1);
    assert.equal(normaliseForModel(values, inputSpecFor([null, 1, 3, 1], meta(1, 3, 1))), values);
  });

  it('maps v to (v·255·scale − mean[c]) / std[c] per channel (ImageNet-style mean/std, by hand)', () => {
    const spec = inputSpecFor([null, 1, 2, 3], meta(1, 2, 3, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }));
    const out = normaliseForModel(Float32Array.of(1, 0, 0.5, 0, 1, 0.2), spec);
    const expected = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.5 - 0.406) / 0.225, (0 - 0.485) / 0.229, (1 - 0.456) / 0.224, (0.2 - 0.406) / 0.225];
    expected.forEach((e, i) => assert.ok(Math.abs(out[i]! - e) < 1e-5, `${i}: ${out[i]} vs ${e}`));
  });

  it('scale 1 keeps 0..255 values (models trained on raw bytes)', () => {
    const spec = inputSpecFor([null, 1, 2, 1], meta(1, 2, 1, { scale: 1 }));
    assert.deepEqual(Array.from(normaliseForModel(Float32Array.of(1, 0.5), spec)), [255, 127.5]);
  });
});
