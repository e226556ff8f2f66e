// Part of `npm run build`: assembles the wasm SIMD helper module once, in
// both builds (mul + add, and relaxed SIMD's fused multiply-add), and writes
// them next to the compiled kernels, so runs need not assemble them
// (see src/backend/kernels/wasm-simd-prebuilt.ts).
import { simdModuleBytes } from '../dist/backend/kernels/wasm-simd.js';
import { writePrebuiltModule } from '../dist/backend/kernels/wasm-simd-prebuilt.js';

writePrebuiltModule(simdModuleBytes(false), 'plain');
writePrebuiltModule(simdModuleBytes(true), 'fused');
