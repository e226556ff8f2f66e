/**
 * SIMD inner loops of this project's forward kernels (max pooling,
 * convolutions), assembled into the same module as wasm-simd.ts's helpers
 * and sharing tfjs-backend-wasm's memory. Every address is a byte offset
 * into the wasm heap; every size given in bytes says so.
 *
 * The convolution loops keep their accumulators in locals, which V8's
 * optimising compiler holds in the 16 SIMD registers of x86-64: the matrix
 * product accumulates a block of 2 rows x 16 columns (8 registers, see
 * GEMM_BLOCKING) and reads each value of the right-hand matrix once per
 * block, the register tiling of XNNPACK's wasm SIMD GEMM micro-kernels
 * (XNNPACK src/f32-gemm/).
 * WebAssembly SIMD has no fused multiply-add in its base instruction set,
 * so products and sums round separately, as tfjs's cpu backend's do. With
 * `fused` (relaxed SIMD available, see wasm-simd.ts) the matrix product's and
 * the direct convolution's multiply-adds are f32x4.relaxed_madd instead, one
 * FMA instruction on x86 with FMA3 (issue 14); results then differ from the
 * cpu backend's in the last bits.
 */
import {
  addTo,
  f32Const,
  f32x4Add,
  f32x4Max,
  f32x4MultiplyAdd,
  f32x4Pmax,
  f32x4Splat,
  f32x4Sub,
  F32,
  get,
  i32,
  i32Add,
  i32Eq,
  i32Eqz,
  i32GeU,
  i32GtU,
  i32Load,
  i32Mul,
  i32Or,
  i32Shl,
  I32,
  ifThen,
  set,
  tee,
  v128Load,
  v128Load32Splat,
  v128Store,
  V128,
  whileNot,
  type Bytes,
  type FunctionDef,
} from './wasm-assembler.js';

/** The forward helpers' exports (part of wasm-simd.ts's SimdHelpers). */
export interface ForwardSimdHelpers {
  /**
   * 2x2 stride-2 max pooling of one NHWC image without padding: `rows` x
   * `windows` output cells of `channels` floats (a multiple of 4), written
   * consecutively from `out`. `x` is the image's first cell, `rowStride` the
   * byte distance between input rows. Each output is
   * pmax(pmax(pmax(pmax(-Infinity, x00), x01), x10), x11), i.e. tfjs-backend-cpu's
   * `if (pixel > max) max = pixel` in the same row-major order: NaN inputs
   * are skipped, a window of only NaN gives -Infinity, and of +0/-0 ties the
   * first one is kept.
   */
  maxPool2x2(x: number, out: number, rows: number, windows: number, channels: number, rowStride: number): void;
  /**
   * Direct convolution by taps: for `rows` x `pixels` output pixels written
   * consecutively from `out` (`coutBytes` each, a multiple of 16),
   * out[p, :] = max(sum_k x[addr(p) + offsets[k]] * w[k, :] + bias[:], floor),
   * the sum taken in tap order from 0. addr(p) = x + row * rowStride + pixel * pixelStride;
   * `offsets` holds `tapBytes / 4` int32 byte offsets; `w` is [taps, cout],
   * `bias` [cout]. floor = 0 gives ReLU (Math.max semantics: NaN stays NaN),
   * -Infinity gives the identity.
   */
  conv2dTaps(
    x: number,
    offsets: number,
    tapBytes: number,
    w: number,
    bias: number,
    out: number,
    rows: number,
    pixels: number,
    pixelStride: number,
    rowStride: number,
    coutBytes: number,
    floor: number,
  ): void;
  /**
   * `count` matrix products C_i = A_i @ B_i, A_i [rows, kBytes/4] at
   * a + i * aStride and C_i [rows, nBytes/4] at c + i * cStride, row-major
   * float32; B_i [kBytes/4, nBytes/4] at b + i * bStride, packed in column
   * blocks of GEMM_COLUMNS (see gemmFunction); nBytes a multiple of
   * 4 * GEMM_COLUMNS. Each entry is summed in k order from 0.
   */
  gemm(a: number, b: number, c: number, rows: number, kBytes: number, nBytes: number, count: number, aStride: number, bStride: number, cStride: number): void;
  /**
   * Winograd F(2x2, 3x3) input transform (Lavin & Gray, "Fast Algorithms for
   * Convolutional Neural Networks", CVPR 2016, eq. 8) of `tiles` tiles along
   * one row of an NHWC image: tile t reads the 4x4 cells from
   * x + t * 2 * cinBytes (rows `rowStride` bytes apart) and writes
   * V = B^T d B, its 16 entries to v + e * vStride + t * cinBytes (e = 4i + j),
   * `cinBytes` (a multiple of 16) each.
   */
  winogradInput(x: number, v: number, tiles: number, cinBytes: number, rowStride: number, vStride: number): void;
  /**
   * Winograd F(2x2, 3x3) output transform Y = A^T M A of `tiles` tiles along
   * one output row: tile t reads M's 16 entries from m + e * mStride + t * coutBytes,
   * adds bias[:] and applies max(., floor), and writes its 2x2 output pixels
   * from out + t * 2 * coutBytes (rows `outRowStride` bytes apart). Only the
   * first output row is written when `rowsValid` is 1, and only the first
   * column of the last tile when `lastWidth` is 1 (odd output sizes).
   */
  winogradOutput(
    m: number,
    out: number,
    tiles: number,
    coutBytes: number,
    mStride: number,
    bias: number,
    floor: number,
    outRowStride: number,
    rowsValid: number,
    lastWidth: number,
  ): void;
}

/** Names locals: params first (in order), then extra locals of the given types. */
function localTable<P extends string, L extends string>(
  params: readonly P[],
  extra: readonly (readonly [L, number])[],
): { index: Record<P | L, number>; locals: number[] } {
  const index = {} as Record<P | L, number>;
  params.forEach((p, i) => (index[p] = i));
  extra.forEach(([l], i) => (index[l] = params.length + i));
  return { index, locals: extra.map(([, type]) => type) };
}

const zeroVector: Bytes = [...f32Const(0), ...f32x4Splat];

function maxPool2x2(): FunctionDef {
  const params = ['x', 'out', 'rows', 'windows', 'channels', 'rowStride'] as const;
  const { index: L, locals } = localTable(params, [
    ['chBytes', I32], ['r', I32], ['w', I32], ['d', I32], ['rowPtr', I32], ['cell', I32], ['a', I32], ['lowest', V128],
  ] as const);
  return {
    name: 'maxPool2x2',
    params: params.map(() => I32),
    results: [],
    locals,
    body: [
      ...get(L.channels), ...i32(2), ...i32Shl, ...set(L.chBytes),
      ...f32Const(-Infinity), ...f32x4Splat, ...set(L.lowest),
      ...get(L.x), ...set(L.rowPtr),
      ...i32(0), ...set(L.r),
      ...whileNot([...get(L.r), ...get(L.rows), ...i32GeU], [
        ...get(L.rowPtr), ...set(L.cell),
        ...i32(0), ...set(L.w),
        ...whileNot([...get(L.w), ...get(L.windows), ...i32GeU], [
          ...i32(0), ...set(L.d),
          ...whileNot([...get(L.d), ...get(L.chBytes), ...i32GeU], [
            ...get(L.out),
            ...get(L.lowest),
            ...get(L.cell), ...get(L.d), ...i32Add, ...tee(L.a), ...v128Load(), ...f32x4Pmax,
            ...get(L.a), ...get(L.chBytes), ...i32Add, ...v128Load(), ...f32x4Pmax,
            ...get(L.a), ...get(L.rowStride), ...i32Add, ...tee(L.a), ...v128Load(), ...f32x4Pmax,
            ...get(L.a), ...get(L.chBytes), ...i32Add, ...v128Load(), ...f32x4Pmax,
            ...v128Store(),
            ...addTo(L.out, i32(16)),
            ...addTo(L.d, i32(16)),
          ]),
          // Next window: two cells right.
          ...addTo(L.cell, [...get(L.chBytes), ...i32(1), ...i32Shl]),
          ...addTo(L.w, i32(1)),
        ]),
        // Next output row: two input rows down.
        ...addTo(L.rowPtr, [...get(L.rowStride), ...i32(1), ...i32Shl]),
        ...addTo(L.r, i32(1)),
      ]),
    ],
  };
}

function conv2dTaps(fused: boolean): FunctionDef {
  const params = [
    'x', 'offsets', 'tapBytes', 'w', 'bias', 'out', 'rows', 'pixels', 'pixelStride', 'rowStride', 'coutBytes', 'floor',
  ] as const;
  const accs = ['acc0', 'acc1', 'acc2', 'acc3', 'acc4', 'acc5', 'acc6', 'acc7'] as const;
  const { index: L, locals } = localTable(params, [
    ['row', I32], ['px', I32], ['p', I32], ['cb', I32], ['k', I32], ['wp', I32], ['rowPtr', I32],
    ['v', V128], ['floorV', V128], ['zero', V128],
    ...accs.map((a) => [a, V128] as const),
  ] as const);
  /** Sum over taps into the first `n` accumulators, for channels from byte cb. */
  const tapLoop = (n: number): Bytes => [
    ...accs.slice(0, n).flatMap((a) => [...get(L.zero), ...set(L[a])]),
    ...i32(0), ...set(L.k),
    ...get(L.w), ...get(L.cb), ...i32Add, ...set(L.wp),
    ...whileNot([...get(L.k), ...get(L.tapBytes), ...i32GeU], [
      ...get(L.px), ...get(L.offsets), ...get(L.k), ...i32Add, ...i32Load(), ...i32Add, ...v128Load32Splat(), ...set(L.v),
      ...accs.slice(0, n).flatMap((a, j) => [
        ...f32x4MultiplyAdd(get(L[a]), get(L.v), [...get(L.wp), ...v128Load(16 * j)], fused), ...set(L[a]),
      ]),
      ...addTo(L.wp, get(L.coutBytes)),
      ...addTo(L.k, i32(4)),
    ]),
    ...accs.slice(0, n).flatMap((a, j) => [
      ...get(L.out),
      ...get(L[a]), ...get(L.bias), ...get(L.cb), ...i32Add, ...v128Load(16 * j), ...f32x4Add,
      ...get(L.floorV), ...f32x4Max,
      ...v128Store(16 * j),
    ]),
    ...addTo(L.out, i32(16 * n)),
    ...addTo(L.cb, i32(16 * n)),
  ];
  return {
    name: 'conv2dTaps',
    params: params.map((p) => (p === 'floor' ? F32 : I32)),
    results: [],
    locals,
    body: [
      ...get(L.floor), ...f32x4Splat, ...set(L.floorV),
      ...zeroVector, ...set(L.zero),
      ...get(L.x), ...set(L.rowPtr),
      ...i32(0), ...set(L.row),
      ...whileNot([...get(L.row), ...get(L.rows), ...i32GeU], [
        ...get(L.rowPtr), ...set(L.px),
        ...i32(0), ...set(L.p),
        ...whileNot([...get(L.p), ...get(L.pixels), ...i32GeU], [
          ...i32(0), ...set(L.cb),
          // Blocks of 32 channels (8 accumulators), then single vectors.
          ...whileNot([...get(L.cb), ...i32(128), ...i32Add, ...get(L.coutBytes), ...i32GtU], tapLoop(8)),
          ...whileNot([...get(L.cb), ...get(L.coutBytes), ...i32GeU], tapLoop(1)),
          ...addTo(L.px, get(L.pixelStride)),
          ...addTo(L.p, i32(1)),
        ]),
        ...addTo(L.rowPtr, get(L.rowStride)),
        ...addTo(L.row, i32(1)),
      ]),
    ],
  };
}

/** Register block of the GEMM: rows x vectors (of 4 columns), and how many k steps one loop iteration takes. */
export interface GemmBlocking {
  rows: number;
  vectors: number;
  kUnroll: number;
}

/** The blocking measured fastest here, of rows x vectors 4x2, 2x4, 3x4, 2x3, 3x3, 1x4, each with k unrolled 1 or 2. */
export const GEMM_BLOCKING: GemmBlocking = { rows: 2, vectors: 4, kUnroll: 1 };

/** Output columns per block of `gemm`'s packed right-hand side (its register block's width). */
export const GEMM_COLUMNS = 4 * GEMM_BLOCKING.vectors;

/**
 * gemm with a packed right-hand side: B_i is stored as column blocks of
 * `vectors * 4` columns, each block [k, vectors * 4] contiguous (XNNPACK's
 * packed-weights layout), so the block's values for step k are adjacent and
 * addressed by constant offsets.
 */
export function gemmFunction(blocking: GemmBlocking = GEMM_BLOCKING, name = 'gemm', fused = false): FunctionDef {
  const { rows: MR, vectors: NV, kUnroll: KU } = blocking;
  const params = ['a', 'b', 'c', 'rows', 'kBytes', 'nBytes', 'count', 'aStride', 'bStride', 'cStride'] as const;
  const rowIds = Array.from({ length: MR }, (_, r) => r);
  const vecIds = Array.from({ length: NV }, (_, v) => v);
  const extra: [string, number][] = [
    ['mat', I32], ['i', I32], ['j', I32], ['k', I32], ['bp', I32], ['aMat', I32], ['bMat', I32], ['cMat', I32], ['av', V128],
    ...rowIds.map((r) => [`ap${r}`, I32] as [string, number]),
    ...rowIds.map((r) => [`cp${r}`, I32] as [string, number]),
    ...vecIds.map((v) => [`b${v}`, V128] as [string, number]),
    ...rowIds.flatMap((r) => vecIds.map((v) => [`acc${r}_${v}`, V128] as [string, number])),
  ];
  const { index, locals } = localTable(params, extra);
  const L = index as Record<string, number>;
  const at = (local: string): number => {
    const i = L[local];
    if (i === undefined) throw new Error(`no local ${local}`);
    return i;
  };
  /** One k step (u of the unrolled group) for the first mr rows. */
  const kStep = (mr: number, u: number): Bytes => [
    ...vecIds.flatMap((v) => [...get(at('bp')), ...v128Load(16 * (u * NV + v)), ...set(at(`b${v}`))]),
    ...rowIds.slice(0, mr).flatMap((r) => [
      ...get(at(`ap${r}`)), ...get(at('k')), ...i32Add, ...v128Load32Splat(4 * u), ...set(at('av')),
      ...vecIds.flatMap((v) => [
        ...f32x4MultiplyAdd(get(at(`acc${r}_${v}`)), get(at('av')), get(at(`b${v}`)), fused), ...set(at(`acc${r}_${v}`)),
      ]),
    ]),
  ];
  /** One block of `mr` rows starting at row i: all column blocks. */
  const rowBlock = (mr: number): Bytes => {
    const rs = rowIds.slice(0, mr);
    return [
      ...get(at('aMat')), ...get(at('i')), ...get(at('kBytes')), ...i32Mul, ...i32Add, ...set(at('ap0')),
      ...get(at('cMat')), ...get(at('i')), ...get(at('nBytes')), ...i32Mul, ...i32Add, ...set(at('cp0')),
      ...rs.slice(1).flatMap((r) => [
        ...get(at(`ap${r - 1}`)), ...get(at('kBytes')), ...i32Add, ...set(at(`ap${r}`)),
        ...get(at(`cp${r - 1}`)), ...get(at('nBytes')), ...i32Add, ...set(at(`cp${r}`)),
      ]),
      ...get(at('bMat')), ...set(at('bp')),
      ...i32(0), ...set(at('j')),
      ...whileNot([...get(at('j')), ...get(at('nBytes')), ...i32GeU], [
        ...rs.flatMap((r) => vecIds.flatMap((v) => [...zeroVector, ...set(at(`acc${r}_${v}`))])),
        ...i32(0), ...set(at('k')),
        ...whileNot([...get(at('k')), ...get(at('kBytes')), ...i32GeU], [
          ...Array.from({ length: KU }, (_, u) => kStep(mr, u)).flat(),
          ...addTo(at('bp'), i32(16 * NV * KU)),
          ...addTo(at('k'), i32(4 * KU)),
        ]),
        ...rs.flatMap((r) =>
          vecIds.flatMap((v) => [...get(at(`cp${r}`)), ...get(at('j')), ...i32Add, ...get(at(`acc${r}_${v}`)), ...v128Store(16 * v)]),
        ),
        ...addTo(at('j'), i32(16 * NV)),
      ]),
      ...addTo(at('i'), i32(mr)),
    ];
  };
  return {
    name,
    params: params.map(() => I32),
    results: [],
    locals,
    body: [
      ...get(at('a')), ...set(at('aMat')),
      ...get(at('b')), ...set(at('bMat')),
      ...get(at('c')), ...set(at('cMat')),
      ...i32(0), ...set(at('mat')),
      ...whileNot([...get(at('mat')), ...get(at('count')), ...i32GeU], [
        ...i32(0), ...set(at('i')),
        ...whileNot([...get(at('i')), ...i32(MR), ...i32Add, ...get(at('rows')), ...i32GtU], rowBlock(MR)),
        ...whileNot([...get(at('i')), ...get(at('rows')), ...i32GeU], rowBlock(1)),
        ...addTo(at('aMat'), get(at('aStride'))),
        ...addTo(at('bMat'), get(at('bStride'))),
        ...addTo(at('cMat'), get(at('cStride'))),
        ...addTo(at('mat'), i32(1)),
      ]),
    ],
  };
}

function winogradInput(): FunctionDef {
  const params = ['x', 'v', 'tiles', 'cinBytes', 'rowStride', 'vStride'] as const;
  const cells = Array.from({ length: 16 }, (_, e) => e);
  const extra: [string, number][] = [
    ['t', I32], ['c', I32], ['tileX', I32], ['tileV', I32], ['addr', I32],
    ...cells.map((e) => [`d${e}`, V128] as [string, number]),
  ];
  const { index, locals } = localTable(params, extra);
  const L = index as Record<string, number>;
  const at = (name: string): number => L[name] as number;
  const d = (i: number, j: number) => at(`d${4 * i + j}`);
  // Row pass R = d B, in place: R_i0 = d_i0 - d_i2, R_i1 = d_i1 + d_i2, R_i2 = d_i2 - d_i1, R_i3 = d_i1 - d_i3.
  const rowPass = (i: number): Bytes => [
    ...get(d(i, 0)), ...get(d(i, 2)), ...f32x4Sub, ...set(d(i, 0)),
    ...get(d(i, 1)), ...get(d(i, 3)), ...f32x4Sub, ...set(d(i, 3)),
    ...get(d(i, 2)), ...get(d(i, 1)), ...f32x4Sub, // R_i2 on the stack
    ...get(d(i, 1)), ...get(d(i, 2)), ...f32x4Add, ...set(d(i, 1)),
    ...set(d(i, 2)),
  ];
  // Column pass V = B^T R, stored: V_0j = R_0j - R_2j, V_1j = R_1j + R_2j, V_2j = R_2j - R_1j, V_3j = R_1j - R_3j.
  const store = (e: number, value: Bytes): Bytes => [
    ...get(at('tileV')), ...get(at('c')), ...i32Add, ...get(at('vStride')), ...i32(e), ...i32Mul, ...i32Add,
    ...value, ...v128Store(),
  ];
  const columnPass = (j: number): Bytes => [
    ...store(j, [...get(d(0, j)), ...get(d(2, j)), ...f32x4Sub]),
    ...store(4 + j, [...get(d(1, j)), ...get(d(2, j)), ...f32x4Add]),
    ...store(8 + j, [...get(d(2, j)), ...get(d(1, j)), ...f32x4Sub]),
    ...store(12 + j, [...get(d(1, j)), ...get(d(3, j)), ...f32x4Sub]),
  ];
  return {
    name: 'winogradInput',
    params: params.map(() => I32),
    results: [],
    locals,
    body: [
      ...get(at('x')), ...set(at('tileX')),
      ...get(at('v')), ...set(at('tileV')),
      ...i32(0), ...set(at('t')),
      ...whileNot([...get(at('t')), ...get(at('tiles')), ...i32GeU], [
        ...i32(0), ...set(at('c')),
        ...whileNot([...get(at('c')), ...get(at('cinBytes')), ...i32GeU], [
          ...[0, 1, 2, 3].flatMap((i) => [
            ...get(at('tileX')), ...get(at('c')), ...i32Add, ...get(at('rowStride')), ...i32(i), ...i32Mul, ...i32Add, ...set(at('addr')),
            ...[0, 1, 2, 3].flatMap((j) => [
              ...get(at('addr')), ...v128Load(), ...set(d(i, j)),
              ...(j < 3 ? addTo(at('addr'), get(at('cinBytes'))) : []),
            ]),
            ...rowPass(i),
          ]),
          ...[0, 1, 2, 3].flatMap(columnPass),
          ...addTo(at('c'), i32(16)),
        ]),
        ...addTo(at('tileX'), [...get(at('cinBytes')), ...i32(1), ...i32Shl]),
        ...addTo(at('tileV'), get(at('cinBytes'))),
        ...addTo(at('t'), i32(1)),
      ]),
    ],
  };
}

function winogradOutput(): FunctionDef {
  const params = ['m', 'out', 'tiles', 'coutBytes', 'mStride', 'bias', 'floor', 'outRowStride', 'rowsValid', 'lastWidth'] as const;
  const extra: [string, number][] = [
    ['t', I32], ['c', I32], ['tileM', I32], ['tileOut', I32], ['addr', I32], ['second', I32], ['mStride4', I32],
    ['floorV', V128], ['b', V128],
    ...[0, 1, 2, 3].flatMap((j) => [[`s${j}`, V128] as [string, number], [`u${j}`, V128] as [string, number]]),
    ['m0', V128], ['m1', V128], ['m2', V128], ['m3', V128],
  ];
  const { index, locals } = localTable(params, extra);
  const L = index as Record<string, number>;
  const at = (name: string): number => L[name] as number;
  // Column j of A^T M: s_j = m_0j + m_1j + m_2j, u_j = m_1j - m_2j - m_3j.
  const column = (j: number): Bytes => [
    ...get(at('tileM')), ...get(at('c')), ...i32Add, ...get(at('mStride')), ...i32(j), ...i32Mul, ...i32Add, ...set(at('addr')),
    ...[0, 1, 2, 3].flatMap((i) => [
      ...get(at('addr')), ...v128Load(), ...set(at(`m${i}`)),
      ...(i < 3 ? addTo(at('addr'), get(at('mStride4'))) : []),
    ]),
    ...get(at('m0')), ...get(at('m1')), ...f32x4Add, ...get(at('m2')), ...f32x4Add, ...set(at(`s${j}`)),
    ...get(at('m1')), ...get(at('m2')), ...f32x4Sub, ...get(at('m3')), ...f32x4Sub, ...set(at(`u${j}`)),
  ];
  /** Stores max(value + b, floor) at tileOut + c + offset (offset bytes on the stack builder). */
  const store = (offset: Bytes, value: Bytes): Bytes => [
    ...get(at('tileOut')), ...get(at('c')), ...i32Add, ...offset, ...i32Add,
    ...value, ...get(at('b')), ...f32x4Add, ...get(at('floorV')), ...f32x4Max,
    ...v128Store(),
  ];
  // (A^T M) A: y_0 = r_0 + r_1 + r_2, y_1 = r_1 - r_2 - r_3 for each row r of A^T M.
  const first = (r: string): Bytes => [...get(at(`${r}0`)), ...get(at(`${r}1`)), ...f32x4Add, ...get(at(`${r}2`)), ...f32x4Add];
  const second = (r: string): Bytes => [...get(at(`${r}1`)), ...get(at(`${r}2`)), ...f32x4Sub, ...get(at(`${r}3`)), ...f32x4Sub];
  return {
    name: 'winogradOutput',
    params: params.map((p) => (p === 'floor' ? F32 : I32)),
    results: [],
    locals,
    body: [
      ...get(at('floor')), ...f32x4Splat, ...set(at('floorV')),
      ...get(at('mStride')), ...i32(2), ...i32Shl, ...set(at('mStride4')),
      ...get(at('m')), ...set(at('tileM')),
      ...get(at('out')), ...set(at('tileOut')),
      ...i32(0), ...set(at('t')),
      ...whileNot([...get(at('t')), ...get(at('tiles')), ...i32GeU], [
        // The second column exists unless this is the last tile of an odd-width row.
        ...get(at('t')), ...i32(1), ...i32Add, ...get(at('tiles')), ...i32GeU, ...i32Eqz,
        ...get(at('lastWidth')), ...i32(2), ...i32Eq, ...i32Or, ...set(at('second')),
        ...i32(0), ...set(at('c')),
        ...whileNot([...get(at('c')), ...get(at('coutBytes')), ...i32GeU], [
          ...[0, 1, 2, 3].flatMap(column),
          ...get(at('bias')), ...get(at('c')), ...i32Add, ...v128Load(), ...set(at('b')),
          ...store(i32(0), first('s')),
          ...get(at('second')), ...ifThen(store(get(at('coutBytes')), second('s'))),
          ...get(at('rowsValid')), ...i32(2), ...i32Eq,
          ...ifThen([
            ...store(get(at('outRowStride')), first('u')),
            ...get(at('second')), ...ifThen(store([...get(at('outRowStride')), ...get(at('coutBytes')), ...i32Add], second('u'))),
          ]),
          ...addTo(at('c'), i32(16)),
        ]),
        ...addTo(at('tileM'), get(at('coutBytes'))),
        ...addTo(at('tileOut'), [...get(at('coutBytes')), ...i32(1), ...i32Shl]),
        ...addTo(at('t'), i32(1)),
      ]),
    ],
  };
}

/**
 * The forward helpers' definitions, built on demand (see wasm-simd.ts);
 * `fused`: multiply-adds as f32x4.relaxed_madd (a relaxed-SIMD module).
 */
export function forwardFunctions(fused = false): FunctionDef[] {
  return [maxPool2x2(), conv2dTaps(fused), gemmFunction(GEMM_BLOCKING, 'gemm', fused), winogradInput(), winogradOutput()];
}
