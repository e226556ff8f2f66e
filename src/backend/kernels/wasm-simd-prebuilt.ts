/**
 * The SIMD helper module assembled at build time.
 *
 * Assembling the module from its instructions (wasm-simd.ts
 * `simdModuleBytes`) runs ~4,000 tiny array operations in cold, interpreted
 * JavaScript: ~15-20 ms of a single `gradcam explain`'s ~0.5 s on this
 * project's 2-core machine, every run. `npm run build` therefore writes the
 * bytes next to the compiled kernels (scripts/prebuild-wasm-simd.mjs), and
 * a run reads them (~0.3 ms).
 *
 * The file is named by a hash of the compiled sources that produce it, so a
 * rebuilt kernel never runs a stale module: after a change to the assembler
 * or the helpers without the build step, the name no longer matches and the
 * module is assembled at run time as before. There are two builds (see
 * wasm-simd.ts): `plain` (mul + add) and `fused` (relaxed_madd, file name
 * ending in `-fused`).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiled files (next to this one) whose code determines the module's bytes. */
const SOURCES = ['wasm-assembler.js', 'wasm-simd.js', 'wasm-simd-forward.js'] as const;

const PREFIX = 'wasm-simd-';
const SUFFIX = '.wasm';

const directory = path.dirname(fileURLToPath(import.meta.url));

/** A build of the module: mul + add (`plain`) or relaxed_madd (`fused`). */
export type PrebuiltVariant = 'plain' | 'fused';

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const source of SOURCES) hash.update(fs.readFileSync(path.join(directory, source)));
  return hash.digest('hex').slice(0, 16);
}

/** Path of the prebuilt module (of `variant`) for the sources as they are now. */
export function prebuiltModulePath(variant: PrebuiltVariant = 'plain'): string {
  return path.join(directory, `${PREFIX}${sourcesHash()}${variant === 'fused' ? '-fused' : ''}${SUFFIX}`);
}

/** The prebuilt module's bytes, or undefined when there is none for these sources (or it cannot be read). */
export function readPrebuiltModule(variant: PrebuiltVariant = 'plain'): Uint8Array | undefined {
  try {
    return new Uint8Array(fs.readFileSync(prebuiltModulePath(variant)));
  } catch {
    return undefined;
  }
}

/**
 * Writes `bytes` as the prebuilt module (of `variant`) for the current
 * sources (atomically: a temporary file renamed into place) and removes
 * modules of older sources.
 * @returns the path written.
 */
export function writePrebuiltModule(bytes: Uint8Array, variant: PrebuiltVariant = 'plain'): string {
  const target = prebuiltModulePath(variant);
  const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(temporary, bytes);
  fs.renameSync(temporary, target);
  const current = `${PREFIX}${sourcesHash()}`;
  for (const name of fs.readdirSync(directory)) {
    const stale = name.startsWith(PREFIX) && name.endsWith(SUFFIX) && !name.startsWith(current);
    if (stale) fs.rmSync(path.join(directory, name), { force: true });
  }
  return target;
}
