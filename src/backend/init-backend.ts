/**
 * Chooses and starts the TensorFlow.js backend.
 *
 * TensorFlow.js is loaded lazily, inside initBackend, so importing this module
 * (for BACKEND_NAMES, say, to validate a flag) loads nothing heavy: `--help`
 * stays fast (HOUSE_STYLE.md, "Layout").
 */
import { createRequire } from 'node:module';
import { firstLine, GradcamError, usageError } from '../errors.js';
import { requireWithCodeCache } from './tfjs-loader.js';

// TensorFlow.js ships CommonJS bundles. Loaded with require() they cost ~115 ms;
// through Node's ESM loader ~400 ms, nearly all of it cjs-module-lexer scanning
// the bundles for export names (measured with --cpu-prof, Node 20). The big
// ones go through a V8 code cache (tfjs-loader.ts).
const require = createRequire(import.meta.url);
const loadTfCore = () => requireWithCodeCache('@tensorflow/tfjs-core') as typeof import('@tensorflow/tfjs-core');

/** Backends in 'auto' preference order: native TensorFlow, then WebAssembly (XNNPACK), then plain JS. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
/** A TensorFlow.js backend this project can run on. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What `initBackend` started, and why better backends were passed over. */
export interface BackendChoice {
  /** The backend now active in tfjs-core. */
  name: BackendName;
  requested: BackendName | 'auto';
  /** Backends tried before `name` (in 'auto' order) that could not start. */
  skipped: { name: BackendName; reason: string }[];
}

/** Loads the package that registers `name` with tfjs-core. */
export type BackendImporter = (name: BackendName) => Promise<unknown>;

/** Options of `initBackend` (only tests need them). */
export interface InitBackendOptions {
  /** Replaces the package imports (tests use it to simulate a missing backend). */
  importBackend?: BackendImporter;
}

/** The npm package behind each backend. */
const PACKAGES = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
} as const satisfies Record<BackendName, string>;

/** What to do instead when a requested backend cannot start. */
const FIXES: Record<BackendName, string> = {
  tensorflow: 'use --backend wasm (or install @tensorflow/tfjs-node where libtensorflow can be downloaded)',
  wasm: 'use --backend cpu',
  cpu: 'reinstall gradcam (@tensorflow/tfjs-backend-cpu is one of its dependencies)',
};

const defaultImporter: BackendImporter = async (name) => {
  // A variable specifier: @tensorflow/tfjs-node is an optional dependency
  // without installed types, and tsc must not try to resolve it.
  if (name !== 'tensorflow') return requireWithCodeCache(PACKAGES[name]);
  const specifier: string = PACKAGES[name];
  return require(specifier);
};

/** First attempt per backend with the default importer: undefined = started, else the reason it cannot. */
const attempts = new Map<BackendName, Promise<string | undefined>>();

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** Why importing `name`'s package failed, in words a user can act on. */
function importFailure(name: BackendName, error: unknown): string {
  const pkg = PACKAGES[name];
  const missing = errorCode(error) === 'ERR_MODULE_NOT_FOUND' || errorCode(error) === 'MODULE_NOT_FOUND';
  if (missing && firstLine(error).includes(`'${pkg}'`)) {
    return name === 'tensorflow'
      ? `${pkg} is not installed (its install downloads libtensorflow)`
      : `${pkg} is not installed`;
  }
  return `${pkg} failed to load: ${firstLine(error)}`;
}

/** Imports, registers and initialises one backend; resolves to the failure reason, or undefined. */
async function start(name: BackendName, importBackend: BackendImporter): Promise<string | undefined> {
  try {
    await importBackend(name);
  } catch (error) {
    return importFailure(name, error);
  }
  const tf = loadTfCore();
  if (name === 'wasm') {
    try {
      const [{ registerWasmKernels }, { setRelaxedSimdEnabled }] = await Promise.all([
        import('./kernels/register-wasm-kernels.js'),
        import('./kernels/wasm-simd.js'),
      ]);
      registerWasmKernels();
      // GRADCAM_RELAXED_SIMD=0 keeps the kernels on mul + add (issue 14; see kernels/wasm-simd.ts).
      setRelaxedSimdEnabled(process.env['GRADCAM_RELAXED_SIMD'] !== '0');
    } catch (error) {
      return `the wasm kernel fixes could not be registered: ${firstLine(error)}`;
    }
  }
  let ok: boolean;
  const restoreHandlers = name === 'wasm' ? keepProcessErrorHandlers() : undefined;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    // tfjs-node loaded against another copy of tfjs-core registers its
    // backend there, not with ours.
    return `${PACKAGES[name]} loaded but did not register the "${name}" backend: ${firstLine(error)}`;
  } finally {
    restoreHandlers?.();
  }
  if (!ok) return `the "${name}" backend failed to initialise (tfjs printed the cause above)`;
  if (name === 'cpu') {
    // The cpu backend prints a banner on first use recommending tfjs-node;
    // BackendChoice.skipped already says why tfjs-node is not in use, and
    // core modules do not print. `firstUse` is the flag that banner checks
    // (tfjs-backend-cpu src/backend_cpu.ts, write()).
    Object.assign(tf.backend(), { firstUse: false });
  }
  return undefined;
}

/**
 * The wasm backend's Emscripten glue adds process-wide 'uncaughtException' and
 * 'unhandledRejection' listeners that rethrow (tf-backend-wasm.node.js,
 * `process["on"]("unhandledRejection", function (reason) { throw reason; })`):
 * any stray rejection then kills the process with a 100 kB source line, or
 * with `throw undefined` and no message. This puts the listeners back as they
 * were before the backend started, so the program's own handling applies.
 * @returns the function that removes the listeners added since the call.
 */
function keepProcessErrorHandlers(): () => void {
  const exceptions = new Set(process.listeners('uncaughtException'));
  const rejections = new Set(process.listeners('unhandledRejection'));
  return () => {
    for (const listener of process.listeners('uncaughtException')) {
      if (!exceptions.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!rejections.has(listener)) process.removeListener('unhandledRejection', listener);
    }
  };
}

/** Starts `name` (cached with the default importer) and makes it the active backend. */
async function activate(name: BackendName, importBackend: BackendImporter | undefined): Promise<string | undefined> {
  let attempt = importBackend === undefined ? attempts.get(name) : undefined;
  if (attempt === undefined) {
    attempt = start(name, importBackend ?? defaultImporter);
    if (importBackend === undefined) attempts.set(name, attempt);
  }
  const reason = await attempt;
  if (reason !== undefined) return reason;
  const tf = loadTfCore();
  // Someone (a test, a library) may have switched backends since.
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    return `the "${name}" backend failed to initialise`;
  }
  return undefined;
}

/**
 * Starts a TensorFlow.js backend and makes it the active one.
 *
 * 'auto' tries, in order, `tensorflow` (@tensorflow/tfjs-node, native; an
 * optional dependency whose install downloads libtensorflow, so often
 * absent), `wasm` (with this project's kernel fixes registered, see
 * kernels/register-wasm-kernels.ts) and `cpu`, and reports why it skipped
 * any. An explicitly requested backend that cannot start throws.
 * Idempotent and cheap on repeat calls: packages are imported once per process.
 *
 * @param requested a backend name, or 'auto' (default)
 * @throws GradcamError (exit code 1) naming the backend, the reason and the fix;
 *   exit code 2 for a name that is not a backend.
 */
export async function initBackend(
  requested: BackendName | 'auto' = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendChoice> {
  if (requested !== 'auto' && !BACKEND_NAMES.includes(requested)) {
    throw usageError(`unknown backend "${String(requested)}"; choose one of auto, ${BACKEND_NAMES.join(', ')}`);
  }
  const candidates: readonly BackendName[] = requested === 'auto' ? BACKEND_NAMES : [requested];
  const skipped: BackendChoice['skipped'] = [];
  for (const name of candidates) {
    const reason = await activate(name, options.importBackend);
    if (reason === undefined) return { name, requested, skipped };
    skipped.push({ name, reason });
  }
  if (requested !== 'auto') {
    const reason = skipped[0]?.reason ?? 'unknown reason';
    throw new GradcamError(`backend "${requested}" is unavailable: ${reason}; ${FIXES[requested]}`);
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  throw new GradcamError(`no TensorFlow.js backend could start (${reasons}); reinstall gradcam`);
}
