import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

type PrebuiltModule = typeof import('../../../src/backend/kernels/wasm-simd-prebuilt.js');
type SimdModule = typeof import('../../../src/backend/kernels/wasm-simd.js');

/** The package's dist/backend/kernels, written by `npm run build` (which `npm test` runs first). */
const DIST_KERNELS = fileURLToPath(new URL('../../../../dist/backend/kernels/', import.meta.url));

describe('prebuilt wasm SIMD module', () => {
  test('npm run build wrote both builds the assembler makes, under the name of the current sources', async () => {
    const prebuilt = (await import(pathToFileURL(path.join(DIST_KERNELS, 'wasm-simd-prebuilt.js')).href)) as PrebuiltModule;
    const simd = (await import(pathToFileURL(path.join(DIST_KERNELS, 'wasm-simd.js')).href)) as SimdModule;
    for (const variant of ['plain', 'fused'] as const) {
      const bytes = prebuilt.readPrebuiltModule(variant);
      assert.ok(bytes !== undefined, `no ${path.basename(prebuilt.prebuiltModulePath(variant))} in dist/backend/kernels`);
      assert.deepEqual(bytes, simd.simdModuleBytes(variant === 'fused'), variant);
    }
    const modules = fs.readdirSync(DIST_KERNELS).filter((name) => name.endsWith('.wasm'));
    const expected = [prebuilt.prebuiltModulePath('fused'), prebuilt.prebuiltModulePath('plain')].map((file) => path.basename(file));
    assert.deepEqual(modules.sort(), expected.sort(), 'modules of older sources are removed');
  });

  test('a changed source makes the prebuilt module stale: it is not read', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'gradcam-prebuilt-'));
    try {
      for (const name of fs.readdirSync(DIST_KERNELS)) {
        if (/^(wasm-simd-prebuilt|wasm-simd|wasm-simd-forward|wasm-assembler)\.js$/.test(name) || name.endsWith('.wasm')) {
          fs.copyFileSync(path.join(DIST_KERNELS, name), path.join(directory, name));
        }
      }
      const prebuilt = (await import(pathToFileURL(path.join(directory, 'wasm-simd-prebuilt.js')).href)) as PrebuiltModule;
      assert.ok(prebuilt.readPrebuiltModule() !== undefined);
      fs.appendFileSync(path.join(directory, 'wasm-simd-forward.js'), '\n// changed\n');
      assert.equal(prebuilt.readPrebuiltModule(), undefined);
      // The build step writes the module for the new sources and drops the old one.
      const written = prebuilt.writePrebuiltModule(Uint8Array.from([0, 97, 115, 109]));
      assert.deepEqual(prebuilt.readPrebuiltModule(), Uint8Array.from([0, 97, 115, 109]));
      assert.deepEqual(fs.readdirSync(directory).filter((name) => name.endsWith('.wasm')), [path.basename(written)]);
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
