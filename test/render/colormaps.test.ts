import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  COLORMAPS,
  COLORMAP_NAMES,
  LUT_SIZE,
  applyColormap,
  assertColormapName,
  colormapLookup,
  colormapLookupFloat,
  isColormapName,
  lutIndex,
  sampleSegments,
  type ColormapDefinition,
  type ColormapName,
  type SegmentRow,
} from '../../src/render/colormaps.js';
import { GradcamError } from '../../src/errors.js';
import { packageRoot } from '../../src/package-root.js';

/** RGB triple of row `row` of a 256*3 LUT. */
function rowOf(lut: ArrayLike<number>, row: number): number[] {
  return [lut[row * 3], lut[row * 3 + 1], lut[row * 3 + 2]] as number[];
}

/**
 * An independent reading of matplotlib's segment data: the value at x in
 * [0, 1] is found by scanning for the segment that contains x and
 * interpolating from y1 of its left row to y0 of its right row (what
 * `LinearSegmentedColormap`'s docstring specifies), without matplotlib's
 * scaled coordinates or searchsorted.
 */
function segmentValue(rows: readonly SegmentRow[], x: number): number {
  for (let k = 1; k < rows.length; k++) {
    const left = rows[k - 1] as SegmentRow;
    const right = rows[k] as SegmentRow;
    if (x <= right[0]) return left[2] + ((x - left[0]) / (right[0] - left[0])) * (right[1] - left[2]);
  }
  return (rows[rows.length - 1] as SegmentRow)[1];
}

describe('jet lookup table', () => {
  const jet = colormapLookup('jet');

  it('has 256 RGB rows', () => {
    assert.equal(jet.length, 256 * 3);
    assert.equal(LUT_SIZE, 256);
  });

  // jet(0) is (0, 0, 0.5) and jet(1) is (0.5, 0, 0) in the segment data. 0.5 * 255 = 127.5, and
  // matplotlib's `(lut * 255).astype(np.uint8)` truncates: 127, not 128.
  it('maps 0 to (0, 0, 127) and 1 to (127, 0, 0): 127.5 truncated as numpy casts to uint8', () => {
    assert.deepEqual(rowOf(jet, 0), [0, 0, 127]);
    assert.deepEqual(rowOf(jet, 255), [127, 0, 0]);
    assert.deepEqual(Array.from(applyColormap(new Float32Array([0, 1]), 'jet')), [0, 0, 127, 127, 0, 0]);
  });

  it('keeps the unrounded ends in the float table (0.5, not a byte)', () => {
    const float = colormapLookupFloat('jet');
    assert.deepEqual(rowOf(float, 0), [0, 0, 0.5]);
    assert.deepEqual(rowOf(float, 255), [0.5, 0, 0]);
  });

  // Derived by hand from _jet_data. Row i samples x = i/255.
  // Row 64, x = 0.25098: red is 0 until 0.35; green rises 0 -> 1 over [0.125, 0.375]:
  //   (0.25098 - 0.125) / 0.25 = 0.50392 -> 128.5 -> 128; blue is 1 over [0.11, 0.34] -> 255.
  // Row 192, x = 0.75294: red is 1 over [0.66, 0.89] -> 255; green falls 1 -> 0 over [0.64, 0.91]:
  //   1 - (0.75294 - 0.64) / 0.27 = 0.58170 -> 148.3 -> 148; blue is 0 after 0.65.
  const handRows: Array<{ value: number; row: number; rgb: number[] }> = [
    { value: 0.25, row: 64, rgb: [0, 128, 255] },
    { value: 0.75, row: 192, rgb: [255, 148, 0] },
  ];
  for (const { value, row, rgb } of handRows) {
    it(`maps ${value} to row ${row} = (${rgb.join(', ')}), computed by hand`, () => {
      assert.equal(lutIndex(value), row);
      assert.deepEqual(rowOf(jet, row), rgb);
      assert.deepEqual(Array.from(applyColormap(new Float32Array([value]), 'jet')), rgb);
    });
  }
});

describe('agreement with matplotlib', () => {
  // Printed by matplotlib 3.6.3 (numpy 1.24) with `cmap(np.arange(256), bytes=True)[:, :3]`
  // (all 3 x 256 rows were compared with matplotlib's bit for bit once; these are spot checks).
  // jet row 128 is the interesting one: on paper red = (128 - 89.25) / (168.3 - 89.25) = 0.4901960...
  // and 0.4901960... * 255 = 125 exactly, but in doubles it lands just below, and the cast truncates to 124.
  // gray rows 33 and 132 show the same truncation: i/255*255 comes out just under i.
  const matplotlibRows: Array<{ name: ColormapName; row: number; rgb: number[] }> = [
    { name: 'jet', row: 0, rgb: [0, 0, 127] },
    { name: 'jet', row: 1, rgb: [0, 0, 132] },
    { name: 'jet', row: 64, rgb: [0, 128, 255] },
    { name: 'jet', row: 128, rgb: [124, 255, 121] },
    { name: 'jet', row: 192, rgb: [255, 148, 0] },
    { name: 'jet', row: 255, rgb: [127, 0, 0] },
    { name: 'hot', row: 0, rgb: [10, 0, 0] },
    { name: 'hot', row: 128, rgb: [255, 91, 0] },
    { name: 'hot', row: 255, rgb: [255, 255, 255] },
    { name: 'gray', row: 0, rgb: [0, 0, 0] },
    { name: 'gray', row: 33, rgb: [32, 32, 32] },
    { name: 'gray', row: 34, rgb: [34, 34, 34] },
    { name: 'gray', row: 132, rgb: [131, 131, 131] },
    { name: 'gray', row: 255, rgb: [255, 255, 255] },
  ];
  for (const { name, row, rgb } of matplotlibRows) {
    it(`${name} row ${row} is (${rgb.join(', ')})`, () => {
      assert.deepEqual(rowOf(colormapLookup(name), row), rgb);
    });
  }
});

/** Written by scripts/matplotlib-colormaps.py with real matplotlib (see its header for the sweep). */
interface MatplotlibFixture {
  matplotlib: string;
  sweep: number[];
  colormaps: Record<string, { lut: number[]; sweep: number[] }>;
}
const FIXTURE = JSON.parse(
  readFileSync(path.join(packageRoot(), 'test', 'fixtures', 'matplotlib-colormaps.json'), 'utf8'),
) as MatplotlibFixture;

describe(`bit-exact against matplotlib ${FIXTURE.matplotlib} (test/fixtures/matplotlib-colormaps.json)`, () => {
  it('the fixture covers every colormap we offer, and nothing else', () => {
    assert.deepEqual(Object.keys(FIXTURE.colormaps).sort(), [...COLORMAP_NAMES].sort());
  });

  it('the sweep holds 0, 1, out-of-range values and both sides of every entry boundary k/256', () => {
    const sweep = new Set(FIXTURE.sweep);
    for (const x of [0, 1, -0.25, 1.5]) assert.ok(sweep.has(x), `sweep lacks ${x}`);
    for (let k = 1; k <= LUT_SIZE; k++) {
      const boundary = Math.fround(k / LUT_SIZE);
      assert.ok(sweep.has(boundary), `sweep lacks ${k}/256`);
      assert.ok(FIXTURE.sweep.some((x) => x < boundary && x > boundary - 1e-6), `sweep lacks the float32 below ${k}/256`);
    }
  });

  for (const name of COLORMAP_NAMES) {
    it(`${name}: all 256 byte rows equal cmap(np.arange(256), bytes=True)`, () => {
      assert.deepEqual(Array.from(colormapLookup(name)), FIXTURE.colormaps[name]?.lut);
    });

    it(`${name}: applyColormap of the sweep equals cmap(x, bytes=True) for float32 x`, () => {
      const got = applyColormap(Float32Array.from(FIXTURE.sweep), name);
      const expected = FIXTURE.colormaps[name]?.sweep ?? [];
      assert.equal(got.length, expected.length);
      for (let i = 0; i < FIXTURE.sweep.length; i++) {
        const rgb = Array.from(got.subarray(i * 3, i * 3 + 3));
        assert.deepEqual(rgb, expected.slice(i * 3, i * 3 + 3), `${name}(${FIXTURE.sweep[i]})`);
      }
    });
  }
});

describe('every segment colormap against an independent interpolation of its segment data', () => {
  for (const name of COLORMAP_NAMES) {
    const definition: ColormapDefinition = COLORMAPS[name];
    if (!('segments' in definition)) continue;
    it(`${name}: float rows within 1e-12, byte rows = trunc(255 * value)`, () => {
      const float = colormapLookupFloat(name);
      const bytes = colormapLookup(name);
      const { red, green, blue } = definition.segments;
      for (let row = 0; row < LUT_SIZE; row++) {
        [red, green, blue].forEach((rows, channel) => {
          const expected = segmentValue(rows, row / 255);
          const got = float[row * 3 + channel] as number;
          assert.ok(Math.abs(got - expected) < 1e-12, `${name} row ${row} channel ${channel}: ${got} vs ${expected}`);
          const scaled = expected * 255;
          const byte = bytes[row * 3 + channel] as number;
          // Where 255 * value is an integer on paper, rounding error decides between it and the one below.
          const nearInteger = Math.abs(scaled - Math.round(scaled)) < 1e-9;
          const allowed = nearInteger ? [Math.round(scaled) - 1, Math.round(scaled)] : [Math.trunc(scaled)];
          assert.ok(allowed.includes(byte), `${name} row ${row} channel ${channel}: byte ${byte}, expected ${allowed}`);
        });
      }
    });
  }
});

describe('lutIndex (matplotlib: int(v * 256), 1.0 -> 255, clipped)', () => {
  const cases: Array<[number, number]> = [
    [0, 0],
    [-0.5, 0],
    [-Infinity, 0],
    [1 / 256 - 1e-9, 0],
    [1 / 256, 1],
    [0.5, 128],
    [255 / 256 - 1e-9, 254],
    [255 / 256, 255],
    [0.999, 255],
    [1, 255],
    [7, 255],
    [Infinity, 255],
  ];
  for (const [value, row] of cases) {
    it(`${value} -> row ${row}`, () => assert.equal(lutIndex(value), row));
  }
});

describe('applyColormap', () => {
  it('clips values outside [0, 1] to the end colours, as matplotlib does by default', () => {
    const out = applyColormap(new Float32Array([-3, 0, 1, 2]), 'jet');
    assert.deepEqual(Array.from(out), [0, 0, 127, 0, 0, 127, 127, 0, 0, 127, 0, 0]);
  });

  it('returns 3 bytes per value, in order', () => {
    const values = new Float32Array([0.75, 0.25]);
    assert.deepEqual(Array.from(applyColormap(values, 'jet')), [255, 148, 0, 0, 128, 255]);
    assert.equal(applyColormap(new Float32Array(0), 'hot').length, 0);
  });

  it('rejects NaN, naming its index', () => {
    assert.throws(
      () => applyColormap(new Float32Array([0.1, Number.NaN]), 'jet'),
      (error: unknown) => error instanceof GradcamError && /values\[1\] is NaN/.test(error.message),
    );
  });
});

describe('caching and names', () => {
  it('hands out copies: changing one does not change the next', () => {
    const first = colormapLookup('jet');
    first.fill(7);
    assert.deepEqual(rowOf(colormapLookup('jet'), 0), [0, 0, 127]);
    const float = colormapLookupFloat('jet');
    float.fill(0);
    assert.equal(colormapLookupFloat('jet')[2], 0.5);
  });

  it('knows jet, hot, gray, viridis, turbo, inferno and magma, and nothing inherited from Object', () => {
    assert.deepEqual(COLORMAP_NAMES, ['jet', 'hot', 'gray', 'viridis', 'turbo', 'inferno', 'magma']);
    assert.equal(isColormapName('jet'), true);
    assert.equal(isColormapName('viridis'), true);
    assert.equal(isColormapName('plasma'), false);
    assert.equal(isColormapName('toString'), false);
  });

  it('rejects an unknown name with a usage error that lists the known ones', () => {
    assert.throws(
      () => assertColormapName('plasma'),
      (error: unknown) =>
        error instanceof GradcamError &&
        error.exitCode === 2 &&
        error.message === 'unknown colormap "plasma"; available colormaps: jet, hot, gray, viridis, turbo, inferno, magma',
    );
    // Callers outside TypeScript can pass any string.
    assert.throws(() => colormapLookup('nope' as ColormapName), GradcamError);
  });
});

describe('sampleSegments', () => {
  it('samples a ramp at i/(n-1)', () => {
    assert.deepEqual(Array.from(sampleSegments([[0, 0, 0], [1, 1, 1]], 5)), [0, 0.25, 0.5, 0.75, 1]);
  });

  it('honours a jump: left of x=0.5 runs to y0, right of it starts from y1', () => {
    // 0 -> 0.2 on [0, 0.5], jump to 0.8, 0.8 -> 1 on [0.5, 1]; samples at 0, 0.25, 0.5, 0.75, 1.
    const lut = sampleSegments([[0, 0, 0], [0.5, 0.2, 0.8], [1, 1, 1]], 5);
    const expected = [0, 0.1, 0.2, 0.9, 1];
    lut.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < 1e-12, `${i}: ${value}`));
  });

  it('rejects segment data that does not span [0, 1]', () => {
    assert.throws(() => sampleSegments([[0.1, 0, 0], [1, 1, 1]]), GradcamError);
    assert.throws(() => sampleSegments([]), GradcamError);
  });
});
