// Part of `npm run build`, after tsc: bundles the CLI and each worker thread's
// entry point, each into one file in place of tsc's output (dist/cli.js,
// the worker threads' entry points). Node 20's ESM loader costs
// ~1-1.5 ms per module (resolve, read, link) and a single `gradcam explain`
// loads ~45 of them: bundled, it started ~20-40 ms sooner in alternating runs
// (BENCHMARKS.md, "Cold start"). Packages stay
// external (loaded from node_modules as before), and every other dist/ module
// stays as tsc wrote it, for library users and for the tests.
//
// Each bundled module keeps its own `import.meta.url` (its dist/ location),
// so worker scripts, the prebuilt SIMD module and `createRequire` resolve
// exactly as they do unbundled.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const ENTRY_POINTS = ['cli.js', 'render/text-worker.js', 'outputs/tile-writer-worker.js', 'training/training-worker.js', 'cam/gradcam-worker.js', 'evaluate/evaluation-worker.js'];

for (const entry of ENTRY_POINTS) {
  const outfile = path.join(dist, entry);
  const bundleDir = path.dirname(outfile);
  await build({
    entryPoints: [outfile],
    outfile,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [
      {
        // Each module's `import.meta.url` becomes its own dist/ URL, resolved against the bundle's.
        name: 'own-import-meta-url',
        setup(builder) {
          builder.onLoad({ filter: /\.js$/ }, async (args) => {
            let contents = await fs.readFile(args.path, 'utf8');
            if (contents.includes('import.meta.url')) {
              const relative = path.relative(bundleDir, args.path).split(path.sep).join('/');
              const own = `new URL(${JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`)}, import.meta.url).href`;
              contents = contents.replaceAll('import.meta.url', own);
            }
            return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
          });
        },
      },
    ],
  });
}
