// Part of `npm run build`: assembles the wasm SIMD helper module once and
// writes it next to the compiled kernels, so runs need not assemble it
// (see src/backend/kernels/wasm-simd-prebuilt.ts).
import { simdModuleBytes } from '../dist/backend/kernels/wasm-simd.js';
import { writePrebuiltModule } from '../dist/backend/kernels/wasm-simd-prebuilt.js';

writePrebuiltModule(simdModuleBytes());
