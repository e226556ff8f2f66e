import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import tf = require('@tensorflow/tfjs-core');
import { moduleBytes } from '../../../src/backend/kernels/wasm-assembler.js';
import {
  relaxedSimdActive,
  relaxedSimdProbeBytes,
  relaxedSimdProbeFunction,
  setRelaxedSimdEnabled,
  setSimdEnabled,
  simdHelpers,
  simdModuleBytes,
  type SimdHelpers,
} from '../../../src/backend/kernels/wasm-simd.js';
import {
  assertBitsEqual,
  assertClose,
  describeOnSimdPaths,
  randomValues,
  runOn,
  setUpBackends,
  sparseValues,
  tieValues,
  use,
  wasmBackend,
} from './wasm-test-util.js';
import { assertNoTensorLeak } from '../../helpers/leaks.js';

/** Byte address of a tensor's data on the wasm heap. */
function address(t: tf.Tensor): number {
  return wasmBackend().getMemoryOffset(t.dataId);
}

function heapValues(t: tf.Tensor): Float32Array {
  return Float32Array.from(wasmBackend().typedArrayFromHeap(t) as Float32Array);
}

async function helpers(): Promise<SimdHelpers> {
  await use('wasm');
  const simd = simdHelpers(wasmBackend());
  assert.ok(simd, 'Node 20 runs wasm SIMD, so the helpers are available');
  return simd;
}

describeOnSimdPaths('wasm SIMD helpers', () => {
  before(setUpBackends);
  after(() => setSimdEnabled(true));

  test('the assembled module is valid WebAssembly and small', () => {
    const bytes = simdModuleBytes();
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    assert.ok(wasm.validate(bytes));
    assert.ok(bytes.length < 8192, `${bytes.length} bytes`);
  });

  test('addInto adds float32 runs of any length (SIMD body and scalar tail)', async () => {
    const simd = await helpers();
    for (const n of [1, 3, 4, 7, 96, 101]) {
      const a = randomValues(n, n);
      const b = randomValues(n, n + 1).map((v, i) => (i % 9 === 0 ? -0 : v));
      tf.tidy(() => {
        const ta = tf.tensor1d(a);
        const tb = tf.tensor1d(b);
        simd.addInto(address(ta), address(tb), n);
        assertBitsEqual(heapValues(ta), a.map((v, i) => Math.fround(v + (b[i] as number))), `n ${n}`);
        assertBitsEqual(heapValues(tb), b, `n ${n}: the source is unchanged`);
      });
    }
  });

  test('copy moves n floats', async () => {
    const simd = await helpers();
    const a = randomValues(37, 2);
    tf.tidy(() => {
      const from = tf.tensor1d(a);
      const to = tf.zeros([37]);
      simd.copy(address(to), address(from), 37);
      assertBitsEqual(heapValues(to), a, 'copy');
    });
  });

  test('markNonzeroRows flags rows with a nonzero (-0 counts as zero) and reports non-finite values', async () => {
    const simd = await helpers();
    const rows = 23;
    const rowLength = 8;
    const values = sparseValues(rows * rowLength, 3, rowLength, 0.4, 0.6);
    values.fill(-0, 0, rowLength); // a row of -0 is a zero row
    const expected = Array.from({ length: rows }, (_, r) => (values.subarray(r * rowLength, (r + 1) * rowLength).some((v) => v !== 0) ? 1 : 0));
    assert.ok(expected.includes(0) && expected.includes(1));
    const cases: { name: string; edit: (v: Float32Array) => void; finite: number }[] = [
      { name: 'finite', edit: () => undefined, finite: 1 },
      { name: 'Inf in a nonzero row', edit: (v) => void (v[v.findIndex((x) => x !== 0)] = Infinity), finite: 0 },
      { name: '-Inf', edit: (v) => void (v[5] = -Infinity), finite: 0 },
      { name: 'NaN', edit: (v) => void (v[rows * rowLength - 1] = NaN), finite: 0 },
      { name: 'largest float (finite)', edit: (v) => void (v[9] = 3.4028234663852886e38), finite: 1 },
    ];
    for (const c of cases) {
      const v = values.slice();
      c.edit(v);
      tf.tidy(() => {
        const t = tf.tensor1d(v);
        const flags = tf.zeros([rows], 'bool');
        const finite = simd.markNonzeroRows(address(t), rows, rowLength, address(flags));
        assert.equal(finite, c.finite, c.name);
        const marked = Array.from(wasmBackend().typedArrayFromHeap(flags) as Uint8Array);
        // NaN and Inf rows are nonzero too.
        const want = expected.map((e, r) => (v.subarray(r * rowLength, (r + 1) * rowLength).some((x) => x !== 0) ? 1 : e));
        assert.deepEqual(marked, want, c.name);
      });
    }
  });

  test('addColumnSums adds float64 column totals', async () => {
    const simd = await helpers();
    const rows = 45;
    const cols = 12;
    const x = randomValues(rows * cols, 4, -1e3, 1e3);
    const expected = new Float64Array(cols).fill(0.5);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expected[c] = (expected[c] as number) + (x[r * cols + c] as number);
    tf.tidy(() => {
      const t = tf.tensor1d(x);
      const acc = tf.tensor1d(new Float32Array(new Float64Array(cols).fill(0.5).buffer));
      simd.addColumnSums(address(t), rows, cols, address(acc));
      const totals = new Float64Array(heapValues(acc).buffer);
      for (let c = 0; c < cols; c++) assert.ok(Math.abs((totals[c] as number) - (expected[c] as number)) < 1e-9, `column ${c}`);
    });
  });

  test('maxPoolGrad2x2Row routes each window to its first maximum, bit for bit', async () => {
    const simd = await helpers();
    const channels = 8;
    const windows = 3;
    const width = 2 * windows + 1; // an extra column that no window covers
    const x = tieValues(2 * width * channels, 5, 3, -1).map((v, i) =>
      i % 13 === 0 ? NaN : i % 7 === 0 ? -Infinity : v,
    );
    x.fill(-Infinity, 0, channels); // with the cells below and right, some windows are all -Inf
    const g = randomValues(windows * channels, 6).map((v, i) => (i % 5 === 0 ? -0 : v));
    // Reference: the cpu kernel's rule (running max from -Inf, strictly greater wins).
    const expected = new Float32Array(x.length);
    for (let w = 0; w < windows; w++) {
      for (let d = 0; d < channels; d++) {
        const cells = [0, channels, width * channels, width * channels + channels].map((o) => 2 * w * channels + o + d);
        let best = -Infinity;
        let at = -1;
        for (const cell of cells) {
          if ((x[cell] as number) > best) {
            best = x[cell] as number;
            at = cell;
          }
        }
        if (at >= 0) expected[at] = (g[w * channels + d] as number) + 0;
      }
    }
    tf.tidy(() => {
      const tx = tf.tensor1d(x);
      const tg = tf.tensor1d(g);
      const out = tf.fill([x.length], 7);
      simd.maxPoolGrad2x2Row(address(tx), address(tg), address(out), windows, channels, width * channels * 4);
      const got = heapValues(out);
      // Cells outside every window are not written (the kernel zeroes them first).
      for (let r = 0; r < 2; r++) got.fill(0, (r * width + 2 * windows) * channels, (r * width + width) * channels);
      assertBitsEqual(got, expected, 'routed gradient');
    });
  });

  // Each kernel that uses the helpers, with them and without (its JavaScript
  // loops): both must match the cpu backend.
  const KERNELS: { name: string; compute: () => tf.Tensor; rtol: number }[] = [
    {
      name: 'MaxPoolGrad 2x2, 8 channels, ties',
      compute: () => {
        const x = tf.tensor4d(tieValues(2 * 7 * 9 * 8, 20, 3, -1), [2, 7, 9, 8]);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.reshape(tf.range(1, 2 * 3 * 4 * 8 + 1), [2, 3, 4, 8]))))(x);
      },
      rtol: 0,
    },
    {
      name: 'Sum over leading axes, 12 columns',
      compute: () => tf.sum(tf.tensor3d(randomValues(9 * 7 * 12, 21), [9, 7, 12]), [0, 1]),
      rtol: 1e-6,
    },
    {
      name: 'Conv2DBackpropInput with sparse dy',
      compute: () => {
        const dy = tf.tensor4d(sparseValues(3 * 7 * 9 * 8, 22, 8, 0.5, 0.5), [3, 7, 9, 8]);
        const w = tf.tensor4d(randomValues(3 * 3 * 4 * 8, 23), [3, 3, 4, 8]);
        return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w, 1, 'same'), dy)))(tf.zeros([3, 7, 9, 4]));
      },
      rtol: 1e-5,
    },
    {
      name: 'Conv2DBackpropFilter with sparse x and dy',
      compute: () => {
        const x = tf.tensor4d(sparseValues(3 * 9 * 9 * 4, 24, 4, 0.5, 0.3), [3, 9, 9, 4]);
        const dy = tf.tensor4d(sparseValues(3 * 7 * 7 * 8, 25, 8, 0.5, 0.5), [3, 7, 7, 8]);
        return tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 1, 'valid'), dy)))(tf.zeros([3, 3, 4, 8]));
      },
      rtol: 1e-5,
    },
  ];
  for (const k of KERNELS) {
    test(`${k.name}: with and without SIMD, matches cpu`, async () => {
      const cpu = await runOn('cpu', k.compute);
      assert.ok(cpu.some((v) => v !== 0), 'the reference is not all zero');
      for (const on of [true, false]) {
        setSimdEnabled(on);
        try {
          const wasm = await runOn('wasm', k.compute);
          if (k.rtol === 0) assertBitsEqual(wasm, cpu, `${k.name}, SIMD ${on}`);
          else assertClose(wasm, cpu, k.rtol, `${k.name}, SIMD ${on}`);
          await assertNoTensorLeak(() => {
            tf.tidy(() => {
              k.compute();
            });
          });
        } finally {
          setSimdEnabled(true);
        }
      }
    });
  }

  test('setSimdEnabled(false) hides the helpers', async () => {
    await use('wasm');
    setSimdEnabled(false);
    try {
      assert.equal(simdHelpers(wasmBackend()), undefined);
    } finally {
      setSimdEnabled(true);
    }
    assert.ok(simdHelpers(wasmBackend()));
  });
});

describe('relaxed SIMD (issue 14)', () => {
  before(setUpBackends);
  after(() => setRelaxedSimdEnabled(true));

  test('the written-out probe module is what the assembler makes of the probe function', () => {
    assert.deepEqual(relaxedSimdProbeBytes(), moduleBytes([relaxedSimdProbeFunction()]));
  });

  test('Node 20 compiles the fused module (after the flag), and it differs from the plain one', () => {
    assert.ok(relaxedSimdActive(), 'relaxed SIMD is available');
    const fused = simdModuleBytes(true);
    const wasm = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly;
    assert.ok(wasm.validate(fused));
    assert.notDeepEqual(fused, simdModuleBytes(false));
  });

  test('setRelaxedSimdEnabled(false) switches to the mul + add helpers, and back', async () => {
    const fused = await helpers();
    setRelaxedSimdEnabled(false);
    try {
      assert.equal(relaxedSimdActive(), false);
      assert.notEqual(await helpers(), fused);
    } finally {
      setRelaxedSimdEnabled(true);
    }
    assert.equal(await helpers(), fused, 'one instance per build and heap');
  });

  test('gemm rounds a * b + c twice with mul + add, once or twice with relaxed_madd', async () => {
    // C = 1 * (-1) + a * a with a = 1 + 2^-12: a * a = 1 + 2^-11 + 2^-24 exactly, which float32
    // rounds to 1 + 2^-11 (a tie, to even), so mul + add gives 2^-11; a fused multiply-add keeps 2^-24.
    const a = 1 + 2 ** -12;
    const n = 16; // one column block of the packed right-hand side (GEMM_COLUMNS)
    const results: Record<string, number[]> = {};
    for (const relaxed of [false, true]) {
      setRelaxedSimdEnabled(relaxed);
      try {
        const simd = await helpers();
        results[String(relaxed)] = tf.tidy(() => {
          const left = tf.tensor2d([1, a], [1, 2]);
          const right = tf.tensor2d([...new Array<number>(n).fill(-1), ...new Array<number>(n).fill(a)], [2, n]);
          const out = tf.zeros([1, n]);
          simd.gemm(address(left), address(right), address(out), 1, 2 * 4, n * 4, 1, 0, 0, 0);
          return [...heapValues(out)];
        });
      } finally {
        setRelaxedSimdEnabled(true);
      }
    }
    assert.deepEqual(results['false'], new Array<number>(n).fill(2 ** -11));
    const fused = results['true'] as number[];
    assert.ok(
      fused.every((v) => v === 2 ** -11 + 2 ** -24) || fused.every((v) => v === 2 ** -11),
      `relaxed_madd: ${fused.join(', ')}`,
    );
  });
});
