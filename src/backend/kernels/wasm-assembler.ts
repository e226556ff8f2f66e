/**
 * A minimal WebAssembly binary encoder: the instructions this project's SIMD
 * helpers use (wasm-simd.ts, wasm-simd-forward.ts) and a module writer.
 * This project has no C/wasm toolchain, so the helper module is assembled
 * from its instructions (WebAssembly core spec, binary format chapter 5;
 * SIMD opcodes from WebAssembly/simd proposals/simd/BinarySIMD.md; the
 * relaxed-SIMD opcode from WebAssembly/relaxed-simd
 * proposals/relaxed-simd/Overview.md, binary format table).
 *
 * Every builder returns plain byte arrays; a function body is their
 * concatenation. Memory offsets are in bytes; alignment hints are 0 (any
 * alignment: tensors on the wasm heap are 4-byte aligned, which is all a
 * v128 access needs to be correct).
 */

export type Bytes = number[];

export function unsignedLeb(value: number): Bytes {
  const out: Bytes = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function signedLeb(value: number): Bytes {
  const out: Bytes = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function vector(items: Bytes[]): Bytes {
  return [...unsignedLeb(items.length), ...items.flat()];
}

function section(id: number, content: Bytes): Bytes {
  return [id, ...unsignedLeb(content.length), ...content];
}

function name(text: string): Bytes {
  return vector([...text].map((ch) => [ch.charCodeAt(0)]));
}

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
const VOID_BLOCK = 0x40;

// --- Core instructions ---
export const get = (i: number): Bytes => [0x20, ...unsignedLeb(i)];
export const set = (i: number): Bytes => [0x21, ...unsignedLeb(i)];
export const tee = (i: number): Bytes => [0x22, ...unsignedLeb(i)];
export const i32 = (v: number): Bytes => [0x41, ...signedLeb(v)];
export const i32Load = (offset = 0): Bytes => [0x28, 0, ...unsignedLeb(offset)];
export const i32Add: Bytes = [0x6a];
export const i32Sub: Bytes = [0x6b];
export const i32Mul: Bytes = [0x6c];
export const i32Shl: Bytes = [0x74];
export const i32And: Bytes = [0x71];
export const i32GeU: Bytes = [0x4f];
export const i32GtU: Bytes = [0x4b];
export const i32Eqz: Bytes = [0x45];
export const i32Eq: Bytes = [0x46];
export const i32Or: Bytes = [0x72];
export const f32Load = (offset = 0): Bytes => [0x2a, 0, ...unsignedLeb(offset)];
export const f32Store = (offset = 0): Bytes => [0x38, 0, ...unsignedLeb(offset)];
export const f32Add: Bytes = [0x92];
export const i32Store8 = (offset = 0): Bytes => [0x3a, 0, ...unsignedLeb(offset)];
export const memoryCopy: Bytes = [0xfc, 0x0a, 0x00, 0x00];
export const f32Const = (v: number): Bytes => {
  const bytes = new DataView(new ArrayBuffer(4));
  bytes.setFloat32(0, v, true); // WebAssembly immediates are little-endian
  return [0x43, ...new Uint8Array(bytes.buffer)];
};

// --- SIMD instructions ---
const simd = (op: number, ...immediates: number[]): Bytes => [0xfd, ...unsignedLeb(op), ...immediates];
export const v128Load = (offset = 0): Bytes => simd(0x00, 0, ...unsignedLeb(offset));
/** Loads one float32 into all four lanes (x86: a broadcast load, no shuffle). */
export const v128Load32Splat = (offset = 0): Bytes => simd(0x09, 0, ...unsignedLeb(offset));
export const v128Load64Zero = (offset = 0): Bytes => simd(0x5d, 0, ...unsignedLeb(offset));
export const v128Store = (offset = 0): Bytes => simd(0x0b, 0, ...unsignedLeb(offset));
export const i32x4Splat = simd(0x11);
export const f32x4Splat = simd(0x13);
export const i32x4Eq = simd(0x37);
export const f32x4Gt = simd(0x44);
export const v128And = simd(0x4e);
export const v128AndNot = simd(0x4f);
export const v128Or = simd(0x50);
export const v128Bitselect = simd(0x52);
export const v128AnyTrue = simd(0x53);
export const f32x4Add = simd(0xe4);
export const f32x4Sub = simd(0xe5);
export const f32x4Mul = simd(0xe6);
/** IEEE-style maximum: NaN if either lane is NaN, max(-0, +0) = +0 (what JavaScript's Math.max does). */
export const f32x4Max = simd(0xe9);
/** Pseudo-maximum pmax(a, b) = a < b ? b : a: the `if (v > m) m = v` of a scalar loop, NaN in b ignored. */
export const f32x4Pmax = simd(0xeb);
export const f64x2Add = simd(0xf0);
/**
 * Relaxed SIMD (a Wasm 3.0 feature; Node 20 needs V8's
 * --experimental-wasm-relaxed-simd): relaxed_madd(a, b, c) = a * b + c,
 * rounded once (fused, on hardware with FMA) or twice (mul, then add): which
 * one is up to the engine, the same for every call on one machine.
 */
export const f32x4RelaxedMadd = simd(0x105);
export const f64x2PromoteLow = simd(0x5f);

/**
 * acc + a * b for f32x4 operands computed by `acc`, `a` and `b`:
 * f32x4.relaxed_madd when `fused`, else f32x4.mul then f32x4.add (two
 * roundings, what tfjs's cpu backend computes).
 */
export function f32x4MultiplyAdd(acc: Bytes, a: Bytes, b: Bytes, fused: boolean): Bytes {
  return fused ? [...a, ...b, ...acc, ...f32x4RelaxedMadd] : [...acc, ...a, ...b, ...f32x4Mul, ...f32x4Add];
}

/** `block { loop { if (cond) break; body; continue } }`, with `cond` computed by `exitWhen`. */
export function whileNot(exitWhen: Bytes, body: Bytes): Bytes {
  return [0x02, VOID_BLOCK, 0x03, VOID_BLOCK, ...exitWhen, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
}

/** `if (cond) { body }`, with cond (an i32) already on the stack. */
export function ifThen(body: Bytes): Bytes {
  return [0x04, VOID_BLOCK, ...body, 0x0b];
}

/** `local += step` for an i32 local. */
export function addTo(local: number, step: Bytes): Bytes {
  return [...get(local), ...step, ...i32Add, ...set(local)];
}

/** A function of the module. */
export interface FunctionDef {
  name: string;
  params: number[];
  results: number[];
  /** Extra locals, numbered after the params. */
  locals: number[];
  body: Bytes;
}

/**
 * A module that imports env.memory (any size, not shared) and exports
 * `functions` under their names, each with its own type.
 */
export function moduleBytes(functions: readonly FunctionDef[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  const memoryImport = [...name('env'), ...name('memory'), 0x02, 0x00, ...unsignedLeb(0)];
  const functionTypes = functions.map((_, i) => unsignedLeb(i));
  const exports = functions.map((f, i) => [...name(f.name), 0x00, ...unsignedLeb(i)]);
  const bodies = functions.map((f) => {
    const locals = vector(f.locals.map((type) => [1, type]));
    const code = [...locals, ...f.body, 0x0b];
    return [...unsignedLeb(code.length), ...code];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functionTypes)),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
