import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * Loads TensorFlow.js's CommonJS bundles (tfjs-core 1.2 MB, tfjs-layers
 * 1.5 MB, the wasm backend 0.45 MB) with a V8 code cache, so that later runs
 * skip parsing and compiling them: ~65 ms instead of ~105 ms on this project's
 * 2-core machine, a tenth of a single `gradcam explain`. Node 22 does this
 * itself (`module.enableCompileCache`); Node 20 does not, so the bundles are
 * compiled here with `vm.Script` and registered in `require.cache`, where every
 * later `require` of the package (ours, tfjs-layers', tfjs-backend-wasm's) finds
 * the same instance. The cache is an optimisation only: any failure to read
 * or write it falls back to plain compilation.
 */

const require = createRequire(import.meta.url);

/** The packages worth caching: big bundles every model-running command loads. */
export const CACHED_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-cpu',
] as const;

/** Internals of Node's CommonJS loader used here, stable since Node 0.x (v8-compile-cache relies on them too). */
interface ModuleInternals {
  wrap(source: string): string;
  _cache: Record<string, NodeJS.Module>;
  _nodeModulePaths(directory: string): string[];
  new (id: string, parent?: NodeJS.Module | null): NodeJS.Module;
}

let cacheDirectory: string | null | undefined;

/** Where code caches live: per user and Node version, in the temporary directory; null when unwritable. */
function codeCacheDirectory(): string | null {
  if (cacheDirectory !== undefined) return cacheDirectory;
  const user = os.userInfo({ encoding: 'utf8' }).uid;
  const directory = path.join(os.tmpdir(), `gradcam-v8-cache-${user}`, process.versions.v8);
  try {
    fs.mkdirSync(directory, { recursive: true });
    cacheDirectory = directory;
  } catch {
    cacheDirectory = null;
  }
  return cacheDirectory;
}

/**
 * `require(specifier)` for one of {@link CACHED_PACKAGES}, compiled with a V8
 * code cache when it is not loaded yet. Call before anything else requires the
 * package: a module already in `require.cache` is returned as it is.
 */
export function requireWithCodeCache(specifier: (typeof CACHED_PACKAGES)[number]): unknown {
  const filename = require.resolve(specifier);
  const loader = Module as unknown as ModuleInternals;
  const loaded = loader._cache[filename];
  if (loaded !== undefined) return loaded.exports;
  const directory = codeCacheDirectory();
  if (directory === null) return require(specifier);
  const stat = fs.statSync(filename);
  // A changed file (reinstall, upgrade) gets a new cache entry; V8 rejects a cache from another V8 anyway.
  const cacheFile = path.join(directory, `${path.basename(filename)}-${stat.size}-${Math.round(stat.mtimeMs)}.v8`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(loader.wrap(fs.readFileSync(filename, 'utf8')), { filename, cachedData });
  const moduleFunction = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: NodeJS.Module,
    filename: string,
    dirname: string,
  ) => void;
  const module = new loader(filename, null);
  module.filename = filename;
  module.paths = loader._nodeModulePaths(path.dirname(filename));
  loader._cache[filename] = module;
  try {
    moduleFunction.call(module.exports, module.exports, createRequire(filename), module, filename, path.dirname(filename));
  } catch (error) {
    delete loader._cache[filename];
    throw error;
  }
  module.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected === true) {
    try {
      // Written after running, so the cache also holds the functions the module ran at load time.
      const temporary = `${cacheFile}.${randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(temporary, script.createCachedData());
      fs.renameSync(temporary, cacheFile);
    } catch {
      /* an optimisation only */
    }
  }
  return module.exports;
}

/** Loads tfjs-core and tfjs-layers through the code cache (see above); cheap when already loaded. */
export function preloadTensorflow(): void {
  requireWithCodeCache('@tensorflow/tfjs-core');
  requireWithCodeCache('@tensorflow/tfjs-layers');
}
