/**
 * SIMD inner loops for this project's wasm kernels, run in a tiny
 * WebAssembly module that shares tfjs-backend-wasm's memory.
 *
 * Our kernels' JavaScript loops (max-pool gradient, col2im, zero-row scans,
 * column sums) cost a quarter of a batch-16 training step: V8 runs them as
 * scalar code at 2-5 ns per value. The same loops as WebAssembly SIMD
 * (128-bit, 4 floats per instruction) run several times faster. tfjs ships
 * no such loops, and this project has no C/wasm toolchain, so the module is
 * assembled here from its instructions (WebAssembly core spec, binary format
 * chapter 5; SIMD opcodes from WebAssembly/simd proposals/simd/BinarySIMD.md).
 * It imports the backend's `WebAssembly.Memory` (exported by the tfjs module
 * as `asm.memory`), so it reads and writes tensors in place, by byte address
 * (`backend.getMemoryOffset`), and stays valid when the heap grows.
 *
 * Compiled lazily, on the first kernel call that wants it (~1 ms, once per
 * process): importing or registering the kernels costs nothing. When SIMD is
 * unavailable (an engine without wasm SIMD, a shared memory from the
 * threaded build) `simdHelpers` returns undefined and kernels keep their
 * JavaScript loops, which also serve as the tests' reference.
 *
 * Every function is exact: the same IEEE float32 operations as the JS loops
 * they replace (f32 add, comparisons; float64 sums where the JS sums in float64).
 *
 * Relaxed SIMD (issue 14): where the engine accepts f32x4.relaxed_madd
 * (Node 20 after `--experimental-wasm-relaxed-simd`, which this module sets
 * with v8.setFlagsFromString before its first compile when it is off; later
 * Node versions by default), the convolution and matrix-product loops of
 * wasm-simd-forward.ts use it: a fused multiply-add on x86 with FMA3. The
 * check compiles one tiny module, once per process. setRelaxedSimdEnabled(false)
 * (initBackend does it for GRADCAM_RELAXED_SIMD=0) keeps the mul + add module.
 */
import { setFlagsFromString } from 'node:v8';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  f32Add,
  f32Const,
  f32Load,
  f32Store,
  f32x4Add,
  f32x4Gt,
  f32x4RelaxedMadd,
  f32x4Splat,
  f64x2Add,
  f64x2PromoteLow,
  get,
  i32,
  i32Add,
  i32And,
  i32Eqz,
  i32GeU,
  i32Shl,
  i32Store8,
  i32x4Eq,
  i32x4Splat,
  I32,
  memoryCopy,
  moduleBytes,
  set,
  tee,
  v128And,
  v128AndNot,
  v128AnyTrue,
  v128Bitselect,
  v128Load,
  v128Load64Zero,
  v128Or,
  v128Store,
  V128,
  whileNot,
  type Bytes,
  type FunctionDef,
} from './wasm-assembler.js';
import { forwardFunctions, type ForwardSimdHelpers } from './wasm-simd-forward.js';
import { readPrebuiltModule, type PrebuiltVariant } from './wasm-simd-prebuilt.js';

/** The module's exports; every address is a byte offset into the wasm heap. */
export interface SimdHelpers extends ForwardSimdHelpers {
  /** dst[i] += src[i] for i < n (float32). */
  addInto(dst: number, src: number, n: number): void;
  /** Copies n float32 values from src to dst (memmove). */
  copy(dst: number, src: number, n: number): void;
  /**
   * One output row of a 2x2 stride-2 max-pool gradient (see
   * wasm-max-pool-grad.ts): for `windows` windows, each `channels` floats
   * wide (a multiple of 4), the first maximum of (x00, x01, x10, x11) in that
   * order (strictly greater than a running maximum that starts at -Infinity)
   * gets g + 0, the other cells 0. `x` and `out` point at the window's
   * top-left cell, `rowStride` is the byte distance to the cell below, `g`
   * at the window's gradient; windows follow each other at 2*channels floats.
   */
  maxPoolGrad2x2Row(x: number, g: number, out: number, windows: number, channels: number, rowStride: number): void;
  /**
   * For each of `rows` rows of `rowLength` floats (a multiple of 4) at `ptr`:
   * flags[r] = 1 if the row holds a nonzero value (+0 and -0 are zero), else
   * 0 (one byte per row at `flags`).
   * @returns 1 when every value is finite, 0 when some value is Inf or NaN.
   */
  markNonzeroRows(ptr: number, rows: number, rowLength: number, flags: number): number;
  /** acc[c] += sum_r x[r, c] in float64, for the [rows, cols] float32 matrix at `ptr` (cols a multiple of 4), float64 acc at `acc`. */
  addColumnSums(ptr: number, rows: number, cols: number, acc: number): void;
}

/**
 * The module's functions. Built on demand (inside simdModuleBytes), not at
 * import: importing the kernels must cost next to nothing.
 */
function moduleFunctions(): FunctionDef[] {
  // addInto(dst, src, n): params 0..2; locals 3 = end of the SIMD part, 4 = end.
  const addInto: FunctionDef = {
    name: 'addInto',
    params: [I32, I32, I32],
    results: [],
    locals: [I32, I32],
    body: [
      ...get(0), ...get(2), ...i32(-4), ...i32And, ...i32(2), ...i32Shl, ...i32Add, ...set(3),
      ...get(0), ...get(2), ...i32(2), ...i32Shl, ...i32Add, ...set(4),
      ...whileNot([...get(0), ...get(3), ...i32GeU], [
        ...get(0), ...get(0), ...v128Load(), ...get(1), ...v128Load(), ...f32x4Add, ...v128Store(),
        ...get(0), ...i32(16), ...i32Add, ...set(0),
        ...get(1), ...i32(16), ...i32Add, ...set(1),
      ]),
      ...whileNot([...get(0), ...get(4), ...i32GeU], [
        ...get(0), ...get(0), ...f32Load(), ...get(1), ...f32Load(), ...f32Add, ...f32Store(),
        ...get(0), ...i32(4), ...i32Add, ...set(0),
        ...get(1), ...i32(4), ...i32Add, ...set(1),
      ]),
    ],
  };

  const copy: FunctionDef = {
    name: 'copy',
    params: [I32, I32, I32],
    results: [],
    locals: [],
    body: [...get(0), ...get(1), ...get(2), ...i32(2), ...i32Shl, ...memoryCopy],
  };

  // maxPoolGrad2x2Row(x, g, out, windows, channels, rowStride): params 0..5.
  // Locals: 6 = channel bytes, 7 = window counter, 8 = byte offset in the window,
  // 9 = running max, 10 = a wins, 11 = b wins, 12 = c wins, 13 = d wins, 14 = gradient + 0.
  const poolLocals = { bytes: 6, w: 7, d: 8, max: 9, wa: 10, wb: 11, wc: 12, wd: 13, grad: 14 };
  const cell = (dx: number, dy: boolean): Bytes => [
    // address of this cell's value at offset d: base + d (+ bytes) (+ rowStride)
    ...get(8), ...(dx ? [...get(6), ...i32Add] : []), ...(dy ? [...get(5), ...i32Add] : []),
  ];
  const maxPoolGrad2x2Row: FunctionDef = {
    name: 'maxPoolGrad2x2Row',
    params: [I32, I32, I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32, V128, V128, V128, V128, V128, V128],
    body: [
      ...get(4), ...i32(2), ...i32Shl, ...set(poolLocals.bytes),
      ...i32(0), ...set(poolLocals.w),
      ...whileNot([...get(poolLocals.w), ...get(3), ...i32GeU], [
        ...i32(0), ...set(poolLocals.d),
        ...whileNot([...get(poolLocals.d), ...get(poolLocals.bytes), ...i32GeU], [
          // a = x[d]; wa = a > -Inf; max = wa ? a : -Inf
          ...get(0), ...cell(0, false), ...i32Add, ...v128Load(),
          ...f32Const(-Infinity), ...f32x4Splat,
          ...get(0), ...cell(0, false), ...i32Add, ...v128Load(), ...f32Const(-Infinity), ...f32x4Splat, ...f32x4Gt, ...tee(poolLocals.wa),
          ...v128Bitselect, ...set(poolLocals.max),
          // b: wb = b > max; max = wb ? b : max
          ...get(0), ...cell(1, false), ...i32Add, ...v128Load(), ...get(poolLocals.max), ...f32x4Gt, ...set(poolLocals.wb),
          ...get(0), ...cell(1, false), ...i32Add, ...v128Load(), ...get(poolLocals.max), ...get(poolLocals.wb), ...v128Bitselect, ...set(poolLocals.max),
          // c (the cell below a)
          ...get(0), ...cell(0, true), ...i32Add, ...v128Load(), ...get(poolLocals.max), ...f32x4Gt, ...set(poolLocals.wc),
          ...get(0), ...cell(0, true), ...i32Add, ...v128Load(), ...get(poolLocals.max), ...get(poolLocals.wc), ...v128Bitselect, ...set(poolLocals.max),
          // d (below b): wd = d > max
          ...get(0), ...cell(1, true), ...i32Add, ...v128Load(), ...get(poolLocals.max), ...f32x4Gt, ...set(poolLocals.wd),
          // grad = g[d] + 0 (turns -0 into +0, as the cpu kernel's 0 + dy)
          ...get(1), ...get(poolLocals.d), ...i32Add, ...v128Load(), ...f32Const(0), ...f32x4Splat, ...f32x4Add, ...set(poolLocals.grad),
          // The last winner in order a, b, c, d is the first maximum.
          ...get(2), ...cell(1, true), ...i32Add, ...get(poolLocals.grad), ...get(poolLocals.wd), ...v128And, ...v128Store(),
          ...get(2), ...cell(0, true), ...i32Add, ...get(poolLocals.grad), ...get(poolLocals.wc), ...get(poolLocals.wd), ...v128AndNot, ...v128And, ...v128Store(),
          ...get(poolLocals.wc), ...get(poolLocals.wd), ...v128Or, ...set(poolLocals.wd), // wd := wc | wd
          ...get(2), ...cell(1, false), ...i32Add, ...get(poolLocals.grad), ...get(poolLocals.wb), ...get(poolLocals.wd), ...v128AndNot, ...v128And, ...v128Store(),
          ...get(poolLocals.wb), ...get(poolLocals.wd), ...v128Or, ...set(poolLocals.wd), // wd := wb | wc | wd
          ...get(2), ...cell(0, false), ...i32Add, ...get(poolLocals.grad), ...get(poolLocals.wa), ...get(poolLocals.wd), ...v128AndNot, ...v128And, ...v128Store(),
          ...get(poolLocals.d), ...i32(16), ...i32Add, ...set(poolLocals.d),
        ]),
        // Next window: x and out move 2 cells right, g one cell.
        ...get(0), ...get(poolLocals.bytes), ...i32(1), ...i32Shl, ...i32Add, ...set(0),
        ...get(2), ...get(poolLocals.bytes), ...i32(1), ...i32Shl, ...i32Add, ...set(2),
        ...get(1), ...get(poolLocals.bytes), ...i32Add, ...set(1),
        ...get(poolLocals.w), ...i32(1), ...i32Add, ...set(poolLocals.w),
      ]),
    ],
  };

  // markNonzeroRows(ptr, rows, rowLength, flags) -> allFinite: params 0..3.
  // Locals: 4 = row, 5 = row end, 6 = magnitude bits (or), 7 = non-finite lanes (or), 8 = value.
  const markNonzeroRows: FunctionDef = {
    name: 'markNonzeroRows',
    params: [I32, I32, I32, I32],
    results: [I32],
    locals: [I32, I32, V128, V128, V128],
    body: [
      ...i32(0), ...i32x4Splat, ...set(7),
      ...i32(0), ...set(4),
      ...whileNot([...get(4), ...get(1), ...i32GeU], [
        ...i32(0), ...i32x4Splat, ...set(6),
        ...get(0), ...get(2), ...i32(2), ...i32Shl, ...i32Add, ...set(5),
        ...whileNot([...get(0), ...get(5), ...i32GeU], [
          ...get(0), ...v128Load(), ...set(8),
          ...get(6), ...get(8), ...i32(0x7fffffff), ...i32x4Splat, ...v128And, ...v128Or, ...set(6),
          ...get(7), ...get(8), ...i32(0x7f800000), ...i32x4Splat, ...v128And, ...i32(0x7f800000), ...i32x4Splat, ...i32x4Eq, ...v128Or, ...set(7),
          ...get(0), ...i32(16), ...i32Add, ...set(0),
        ]),
        ...get(3), ...get(4), ...i32Add, ...get(6), ...v128AnyTrue, ...i32Store8(),
        ...get(4), ...i32(1), ...i32Add, ...set(4),
      ]),
      ...get(7), ...v128AnyTrue, ...i32Eqz,
    ],
  };

  // addColumnSums(ptr, rows, cols, acc): params 0..3.
  // Locals: 4 = row counter, 5 = column byte offset, 6 = row bytes.
  const addColumnSums: FunctionDef = {
    name: 'addColumnSums',
    params: [I32, I32, I32, I32],
    results: [],
    locals: [I32, I32, I32],
    body: [
      ...get(2), ...i32(2), ...i32Shl, ...set(6),
      ...i32(0), ...set(4),
      ...whileNot([...get(4), ...get(1), ...i32GeU], [
        ...i32(0), ...set(5),
        ...whileNot([...get(5), ...get(6), ...i32GeU], [
          // acc[2j .. 2j+1] += promote(x[j .. j+1]); acc[2j+2 ..] += promote(x[j+2 ..])
          ...get(3), ...get(5), ...i32(1), ...i32Shl, ...i32Add,
          ...get(3), ...get(5), ...i32(1), ...i32Shl, ...i32Add, ...v128Load(),
          ...get(0), ...get(5), ...i32Add, ...v128Load64Zero(), ...f64x2PromoteLow, ...f64x2Add, ...v128Store(),
          ...get(3), ...get(5), ...i32(1), ...i32Shl, ...i32Add,
          ...get(3), ...get(5), ...i32(1), ...i32Shl, ...i32Add, ...v128Load(16),
          ...get(0), ...get(5), ...i32Add, ...v128Load64Zero(8), ...f64x2PromoteLow, ...f64x2Add, ...v128Store(16),
          ...get(5), ...i32(16), ...i32Add, ...set(5),
        ]),
        ...get(0), ...get(6), ...i32Add, ...set(0),
        ...get(4), ...i32(1), ...i32Add, ...set(4),
      ]),
    ],
  };

  return [addInto, copy, maxPoolGrad2x2Row, markNonzeroRows, addColumnSums];
}


/**
 * The module's bytes: imports env.memory (any size, not shared), exports the
 * helpers by name. `fused`: the forward loops' multiply-adds are
 * f32x4.relaxed_madd (a module only a relaxed-SIMD engine compiles).
 */
export function simdModuleBytes(fused = false): Uint8Array {
  return moduleBytes([...moduleFunctions(), ...forwardFunctions(fused)]);
}

/** The parts of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  validate(bytes: Uint8Array): boolean;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** The two builds of the module: mul + add, or relaxed_madd. */
type Variant = PrebuiltVariant;

/** Helpers per variant and heap (a backend re-created with a new memory gets its own instance); null = unavailable. */
const instances: Record<Variant, WeakMap<WasmMemory, SimdHelpers | null>> = { plain: new WeakMap(), fused: new WeakMap() };
const compiled: Partial<Record<Variant, object | null>> = {};
let enabled = true;
let relaxedEnabled = true;
let relaxedSupported: boolean | undefined;

/**
 * The SIMD helpers for `backend`'s heap, compiled on first use, or undefined
 * when they cannot run here (no wasm SIMD, a shared threaded-build memory,
 * or disabled with setSimdEnabled(false)); callers then use their JS loops.
 * They use relaxed SIMD when relaxedSimdActive() says so.
 */
export function simdHelpers(backend: BackendWasm): SimdHelpers | undefined {
  if (!enabled) return undefined;
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof wasmApi.Memory)) return undefined;
  const variant: Variant = relaxedSimdActive() ? 'fused' : 'plain';
  let helpers = instances[variant].get(memory);
  if (helpers === undefined) {
    helpers = instantiate(memory, variant);
    instances[variant].set(memory, helpers);
  }
  return helpers ?? undefined;
}

function instantiate(memory: WasmMemory, variant: Variant): SimdHelpers | null {
  if (typeof SharedArrayBuffer !== 'undefined' && (memory.buffer as unknown) instanceof SharedArrayBuffer) return null;
  let module = compiled[variant];
  if (module === undefined) {
    const bytes = readPrebuiltModule(variant) ?? simdModuleBytes(variant === 'fused');
    // validate() is false on an engine without wasm SIMD.
    module = wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    compiled[variant] = module;
  }
  if (module === null) return null;
  const instance = new wasmApi.Instance(module, { env: { memory } });
  return instance.exports as unknown as SimdHelpers;
}

/**
 * Whether the helpers use f32x4.relaxed_madd: relaxed SIMD is not switched
 * off (setRelaxedSimdEnabled) and this engine compiles it. The first call
 * enables V8's relaxed-SIMD flag if needed and compiles a one-instruction
 * module (~1 ms or less); later calls return the cached answer.
 */
export function relaxedSimdActive(): boolean {
  if (!relaxedEnabled) return false;
  if (relaxedSupported === undefined) relaxedSupported = compilesRelaxedSimd();
  return relaxedSupported;
}

/** The relaxed-SIMD probe: one function, madd(a, b, c) = f32x4.relaxed_madd(a, b, c). */
export function relaxedSimdProbeFunction(): FunctionDef {
  return { name: 'madd', params: [V128, V128, V128], results: [V128], locals: [], body: [...get(0), ...get(1), ...get(2), ...f32x4RelaxedMadd] };
}

/**
 * moduleBytes([relaxedSimdProbeFunction()]) written out (wasm-simd.test.ts
 * checks they agree): assembling it would run cold assembler code, ~0.5 ms of
 * a cold start.
 */
const RELAXED_SIMD_PROBE = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 2, 15, 1, 3, 101, 110, 118, 6, 109, 101, 109, 111,
  114, 121, 2, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 109, 97, 100, 100, 0, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
] as const;

/** The probe module's bytes (a copy). */
export function relaxedSimdProbeBytes(): Uint8Array {
  return Uint8Array.from(RELAXED_SIMD_PROBE);
}

function compilesRelaxedSimd(): boolean {
  const probe = relaxedSimdProbeBytes();
  // Only where relaxed SIMD is off (Node 20): a V8 that no longer knows the flag would warn on stderr.
  if (!wasmApi.validate(probe)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  try {
    new wasmApi.Module(probe);
    return true;
  } catch {
    return false;
  }
}

/**
 * Turns the SIMD helpers off (or back on) for this process, so tests can run
 * the JavaScript loops they replace on the same inputs.
 */
export function setSimdEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Lets the helpers use relaxed SIMD where available (the default) or keeps
 * them on mul + add (`false`), for this process: the two give results that
 * differ in the last bits, each reproducible on its own.
 */
export function setRelaxedSimdEnabled(on: boolean): void {
  relaxedEnabled = on;
}
