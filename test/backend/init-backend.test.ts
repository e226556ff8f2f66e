import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { BACKEND_NAMES, initBackend, type BackendImporter, type BackendName } from '../../src/backend/init-backend.js';
import { GradcamError } from '../../src/errors.js';

/** Whether @tensorflow/tfjs-node is resolvable here (it is not on the dev machine). */
function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

/** The real imports, except that `missing` packages fail the way Node reports a missing package. */
function importerWithout(...missing: BackendName[]): BackendImporter {
  const packages: Record<BackendName, string> = {
    tensorflow: '@tensorflow/tfjs-node',
    wasm: '@tensorflow/tfjs-backend-wasm',
    cpu: '@tensorflow/tfjs-backend-cpu',
  };
  return async (name) => {
    if (missing.includes(name)) {
      const error = new Error(`Cannot find package '${packages[name]}' imported from /x/backend.js`);
      throw Object.assign(error, { code: 'ERR_MODULE_NOT_FOUND' });
    }
    const specifier: string = packages[name];
    return import(specifier);
  };
}

describe('initBackend', () => {
  test("'auto' picks wasm and says why tensorflow was skipped", { skip: tfjsNodeInstalled() && 'tfjs-node is installed' }, async () => {
    const choice = await initBackend('auto');
    assert.equal(choice.name, 'wasm');
    assert.equal(choice.requested, 'auto');
    assert.deepEqual(
      choice.skipped.map((s) => s.name),
      ['tensorflow'],
    );
    assert.match(choice.skipped[0]?.reason ?? '', /@tensorflow\/tfjs-node is not installed \(its install downloads libtensorflow\)/);
    const tf = await import('@tensorflow/tfjs-core');
    assert.equal(tf.getBackend(), 'wasm');
  });

  test('wasm comes up with the kernel fixes registered', async () => {
    await initBackend('wasm');
    const tf = await import('@tensorflow/tfjs-core');
    const { stockWasmKernel } = await import('../../src/backend/kernels/register-wasm-kernels.js');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'Conv2DBackpropFilter is registered');
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'), 'UnsortedSegmentSum is registered');
    for (const name of ['MaxPoolGrad', 'Conv2DBackpropInput', 'BatchMatMul', 'Sum', 'Identity', 'Cast']) {
      assert.ok(stockWasmKernel(name), `the stock ${name} was replaced`);
      assert.notEqual(tf.getKernel(name, 'wasm'), stockWasmKernel(name), `${name} is ours`);
    }
  });

  test('is idempotent: a repeat call returns the same choice, quickly', async () => {
    const first = await initBackend('auto');
    const started = performance.now();
    const second = await initBackend('auto');
    const ms = performance.now() - started;
    assert.deepEqual(second, first);
    assert.ok(ms < 50, `repeat call took ${ms.toFixed(1)} ms`);
  });

  test("'cpu' works, and switching back to wasm works", async () => {
    const tf = await import('@tensorflow/tfjs-core');
    assert.deepEqual(await initBackend('cpu'), { name: 'cpu', requested: 'cpu', skipped: [] });
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal((await initBackend('wasm')).name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  test("requesting 'tensorflow' throws a GradcamError naming the reason and the fix", { skip: tfjsNodeInstalled() && 'tfjs-node is installed' }, async () => {
    await assert.rejects(initBackend('tensorflow'), (error: unknown) => {
      assert.ok(error instanceof GradcamError);
      assert.equal(error.exitCode, 1);
      assert.match(
        error.message,
        /^backend "tensorflow" is unavailable: @tensorflow\/tfjs-node is not installed \(its install downloads libtensorflow\); use --backend wasm/,
      );
      return true;
    });
  });

  test("'auto' falls back to cpu when wasm cannot load, listing both reasons", async () => {
    const choice = await initBackend('auto', { importBackend: importerWithout('tensorflow', 'wasm') });
    assert.equal(choice.name, 'cpu');
    assert.deepEqual(choice.skipped, [
      { name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed (its install downloads libtensorflow)' },
      { name: 'wasm', reason: '@tensorflow/tfjs-backend-wasm is not installed' },
    ]);
  });

  test('an explicitly requested wasm that cannot load names the fix', async () => {
    await assert.rejects(
      initBackend('wasm', { importBackend: importerWithout('wasm') }),
      (error: unknown) =>
        error instanceof GradcamError &&
        error.message === 'backend "wasm" is unavailable: @tensorflow/tfjs-backend-wasm is not installed; use --backend cpu',
    );
  });

  test('a load error other than "not installed" is reported with its message', async () => {
    const broken: BackendImporter = async () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file\nmore detail');
    };
    await assert.rejects(
      initBackend('tensorflow', { importBackend: broken }),
      /backend "tensorflow" is unavailable: @tensorflow\/tfjs-node failed to load: libtensorflow\.so\.2: cannot open shared object file; use --backend wasm/,
    );
  });

  test('an unknown backend name is a usage error (exit code 2)', async () => {
    await assert.rejects(initBackend('webgl' as BackendName), (error: unknown) => {
      assert.ok(error instanceof GradcamError);
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, 'unknown backend "webgl"; choose one of auto, tensorflow, wasm, cpu');
      return true;
    });
  });

  test('BACKEND_NAMES lists the backends in auto order', () => {
    assert.deepEqual([...BACKEND_NAMES], ['tensorflow', 'wasm', 'cpu']);
  });

  test('importing the module loads no TensorFlow.js until initBackend is called', async () => {
    // tfjs-core creates its engine as the global `_tfengine` when it loads.
    // This test file is compiled next to the compiled backend module.
    const backendModule = fileURLToPath(new URL('../../src/backend/init-backend.js', import.meta.url));
    const script = [
      `const m = await import(${JSON.stringify(backendModule)});`,
      'const before = typeof globalThis._tfengine;',
      "await m.initBackend('cpu');",
      'console.log(before, typeof globalThis._tfengine);',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(stdout.trim(), 'undefined object');
  });

  test("starting wasm leaves the process's error handlers as they were (Emscripten adds rethrowing ones)", async () => {
    // In a child process: this one may have started wasm already.
    const backendModule = fileURLToPath(new URL('../../src/backend/init-backend.js', import.meta.url));
    const script = [
      `const m = await import(${JSON.stringify(backendModule)});`,
      "await m.initBackend('wasm');",
      "console.log(process.listeners('uncaughtException').length, process.listeners('unhandledRejection').length);",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
    assert.equal(stdout.trim(), '0 0');
  });

  test('wasm kernels use relaxed SIMD unless GRADCAM_RELAXED_SIMD=0 (issue 14)', async () => {
    // In child processes: the variable is read when wasm starts, once per process.
    const backendModule = fileURLToPath(new URL('../../src/backend/init-backend.js', import.meta.url));
    const simdModule = fileURLToPath(new URL('../../src/backend/kernels/wasm-simd.js', import.meta.url));
    const script = [
      `const m = await import(${JSON.stringify(backendModule)});`,
      `const simd = await import(${JSON.stringify(simdModule)});`,
      "await m.initBackend('wasm');",
      'console.log(simd.relaxedSimdActive());',
    ].join('\n');
    for (const [value, expected] of [[undefined, 'true'], ['1', 'true'], ['0', 'false']] as const) {
      const env = { ...process.env };
      if (value === undefined) delete env['GRADCAM_RELAXED_SIMD'];
      else env['GRADCAM_RELAXED_SIMD'] = value;
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env });
      assert.equal(stdout.trim(), expected, `GRADCAM_RELAXED_SIMD=${String(value)}`);
    }
  });
});
