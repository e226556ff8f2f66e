/** --input-range: the model's value mapping replaced, checked through normaliseForModel and the CLI. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_CODES } from '../../src/errors.js';
import { INPUT_RANGE_NAMES, withInputRange } from '../../src/model/input-range.js';
import { normaliseForModel, type InputSpec } from '../../src/model/input-spec.js';
import { runCli } from '../helpers/run-cli.js';

const rgb: InputSpec = { height: 1, width: 2, channels: 3, scale: 1 / 255, mean: [0.4, 0.5, 0.6], std: [0.2, 0.2, 0.2], preparation: 'resize' };
/** Two pixels, black and white, as image loading gives them (8-bit value / 255). */
const blackWhite = Float32Array.from([0, 0, 0, 1, 1, 1]);

describe('--input-range', () => {
  it('maps black and white to each range, on every channel, replacing mean and std', () => {
    const expected = { '0..1': [0, 1], '-1..1': [-1, 1], '0..255': [0, 255] } as const;
    for (const range of INPUT_RANGE_NAMES) {
      const spec = withInputRange(rgb, range);
      assert.equal(spec.preparation, 'resize');
      const values = [...normaliseForModel(blackWhite, spec)];
      const [low, high] = expected[range];
      values.forEach((v, i) => assert.ok(Math.abs(v - (i < 3 ? low : high)) < 1e-6, `${range}: value ${i} is ${v}`));
    }
  });

  it('changes what the model is fed (the bundled model at 0..255 no longer sees a 7), and refuses an unknown range with exit 2', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-input-range-'));
    try {
      const plain = await runCli(['predict', '--mnist-index', '0', '--json'], dir);
      const raw = await runCli(['predict', '--mnist-index', '0', '--json', '--input-range', '0..255'], dir);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(raw.code, 0, raw.stderr);
      assert.notEqual(plain.stdout, raw.stdout);
      const bad = await runCli(['predict', '--mnist-index', '0', '--input-range', '0..9'], dir);
      assert.equal(bad.code, EXIT_CODES.usage);
      assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
