/**
 * `npm run bench`: throughput of gradcam on the active backend, and of the
 * native reference (PyTorch, ../shared/anchors/torch_seed.py) in the same run
 * when /usr/bin/python3 can import torch. Prints one table and the ratios.
 *
 *   npm run bench -- [--train N] [--cam N] [--single N] [--cold-runs N] [--skip-torch]
 *
 * --train defaults to 54,000 images (one epoch of the tutorial's training split,
 * also the reference script's default), trained by both frameworks.
 *
 * Everything runs one thing at a time, so the two frameworks never share cores.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import tf = require('@tensorflow/tfjs-core');
import { initBackend } from '../src/backend/init-backend.js';
import { relaxedSimdActive } from '../src/backend/kernels/wasm-simd.js';
import { stackImages } from '../src/model/classify.js';
import { defaultMnistDir, loadMnistSplit } from '../src/data/mnist.js';
import { createGradcam } from '../src/cam/gradcam.js';
import { GradcamPool } from '../src/cam/gradcam-pool.js';
import { CAM_METHOD_NAMES, CAM_METHODS } from '../src/cam/cam-methods.js';
import { createCam } from '../src/cam/pipeline.js';
import { bundledModelDir, loadModel } from '../src/model/model-files.js';
import { packageRoot } from '../src/package-root.js';

const run = promisify(execFile);
const { values: args } = parseArgs({
  options: {
    train: { type: 'string', default: '54000' },
    cam: { type: 'string', default: '10000' },
    single: { type: 'string', default: '500' },
    'cold-runs': { type: 'string', default: '7' },
    'skip-torch': { type: 'boolean', default: false },
  },
});
const trainImages = Number(args.train);
const camImages = Number(args.cam);
const singleImages = Number(args.single);
const coldRuns = Number(args['cold-runs']);
const cli = path.join(packageRoot(), 'dist', 'cli.js');
const torchScript = path.resolve(packageRoot(), '..', 'shared', 'anchors', 'torch_seed.py');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rows: [string, string][] = [];
const report = (label: string, value: string) => {
  rows.push([label, value]);
  console.log(`${label.padEnd(48)} ${value}`);
};

async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-bench-'));
  try {
    const backend = await initBackend('auto');
    // GRADCAM_RELAXED_SIMD=0 benches the mul + add kernels (issue 14).
    const simdPath = backend.name === 'wasm' ? `, relaxed SIMD ${relaxedSimdActive() ? 'on' : 'off'}` : '';
    console.log(`gradcam bench: backend ${backend.name}${simdPath}, node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''}`);

    // Cold start of a single explanation, the newcomer's first command. Measured first, while this
    // process is small: spawning from a process that has grown to ~1 GB (fork copies its page
    // tables) measured 200 ms for `node -e 0` against 131 ms from a small one.
    const walls: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      const t0 = performance.now();
      await run(process.execPath, [cli, 'explain', '--mnist-index', '0', '-o', path.join(tmp, 'seven.png')]);
      walls.push(performance.now() - t0);
    }
    report(`cold start: gradcam explain --mnist-index 0 (median of ${coldRuns})`, `${median(walls).toFixed(0)} ms`);
    // Node.js's own start-up on this machine, measured the same way: the floor under the figure above.
    const nodeWalls: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      const t0 = performance.now();
      await run(process.execPath, ['-e', '0']);
      nodeWalls.push(performance.now() - t0);
    }
    report(`  of which Node.js starting (node -e 0, median of ${coldRuns})`, `${median(nodeWalls).toFixed(0)} ms`);

    // Training through the real CLI (batch 32, Adam, no validation), as a user runs it.
    const trainRun = await run(
      process.execPath,
      [cli, 'train', '--limit', String(trainImages), '--epochs', '1', '--validation-split', '0', '--seed', '1', '--json', '-o', path.join(tmp, 'model')],
      { maxBuffer: 64 << 20 },
    );
    const trained = JSON.parse(trainRun.stdout) as { imagesPerSecond: number; trainSeconds: number; backend: string };
    report(`train img/s (gradcam train, ${trainImages} images, batch 32)`, trained.imagesPerSecond.toFixed(0));

    // Grad-CAM on conv2 with the bundled model: batched (256 per pass) and one image per pass.
    const { model, modelJsonPath } = await loadModel(bundledModelDir());
    const gradcam = createGradcam(model, { layerName: 'conv2', score: 'prob' });
    const test = await loadMnistSplit('test', { limit: camImages });
    const pixels = Array.from({ length: test.count }, (_, i) =>
      Float32Array.from(test.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255),
    );
    const explainAll = (batchSize: number, count: number) => {
      for (let start = 0; start < count; start += batchSize) {
        const x = stackImages(pixels.slice(start, Math.min(count, start + batchSize)), { height: 28, width: 28, channels: 1 });
        try {
          gradcam.explain(x);
        } finally {
          x.dispose();
        }
      }
    };
    explainAll(256, 512); // warm-up
    const tensorsBefore = tf.memory().numTensors;
    let started = performance.now();
    explainAll(256, test.count);
    const batchedRate = test.count / ((performance.now() - started) / 1000);
    report(`Grad-CAM img/s, batched (256/pass, ${test.count} images)`, batchedRate.toFixed(0));
    started = performance.now();
    explainAll(1, singleImages);
    const singleRate = singleImages / ((performance.now() - started) / 1000);
    report(`Grad-CAM img/s, one image per pass (${singleImages})`, singleRate.toFixed(0));
    if (tf.memory().numTensors !== tensorsBefore) throw new Error('tensor leak in Grad-CAM');

    // Every method of the table, one thread, 256 per pass; fewer images for the methods that run
    // the model once per channel (Score-CAM: 64 forward passes per image at conv2).
    for (const method of CAM_METHOD_NAMES) {
      const cam = createCam(model, { method, layerName: 'conv2', score: 'prob' });
      const count = Math.min(test.count, method === 'scorecam' || method === 'ablationcam' ? 512 : 2048);
      const run = (n: number) => {
        for (let start = 0; start < n; start += 256) {
          const x = stackImages(pixels.slice(start, Math.min(n, start + 256)), { height: 28, width: 28, channels: 1 });
          try {
            cam.explain(x);
          } finally {
            x.dispose();
          }
        }
      };
      run(256); // warm-up
      const methodStarted = performance.now();
      run(count);
      report(`${method} img/s, batched (256/pass, ${count} images)`, (count / ((performance.now() - methodStarted) / 1000)).toFixed(0));
    }
    if (tf.memory().numTensors !== tensorsBefore) throw new Error('tensor leak in a CAM method');

    // The same on every core: worker threads, each with the model, each a slice of every 256;
    // Grad-CAM, then every other method with one backward pass at the layer (issue 10: ≥ 4,000 img/s on 2 cores).
    const packedImages = Float32Array.from(test.images, (v) => v / 255);
    const poolRates = new Map<string, number>();
    const oneBackward = CAM_METHOD_NAMES.filter((name) => CAM_METHODS[name].needsGradients && CAM_METHODS[name].resolution !== 'input');
    for (const method of oneBackward) {
      const pool = await GradcamPool.start({ modelJsonPath, method, layerName: 'conv2', score: 'prob', backend: backend.name });
      try {
        await pool.explain(packedImages.subarray(0, 512 * 784), 512, 784); // warm-up
        started = performance.now();
        for (let start = 0; start < test.count; start += 256) {
          const count = Math.min(256, test.count - start);
          await pool.explain(packedImages.subarray(start * 784, (start + count) * 784), count, 784);
        }
        poolRates.set(method, test.count / ((performance.now() - started) / 1000));
        report(`${method === 'gradcam' ? 'Grad-CAM' : method} img/s, batched, ${pool.size} threads (GradcamPool)`, poolRates.get(method)!.toFixed(0));
      } finally {
        await pool.close();
      }
    }
    const poolRate = poolRates.get('gradcam')!;

    // Issue 10's evaluation target, through the CLI: 1000 test digits, four methods, the sanity check.
    const evaluateArgs = ['evaluate', '--mnist-test', '--limit', '1000', '--methods', 'gradcam,gradcam++,scorecam,random', '--sanity', '--json'];
    const evaluateStarted = performance.now();
    await run(process.execPath, [cli, ...evaluateArgs], { maxBuffer: 64 << 20 });
    report(`gradcam ${evaluateArgs.slice(0, -1).join(' ')}`, `${((performance.now() - evaluateStarted) / 1000).toFixed(1)} s`);

    const torch = args['skip-torch'] ? undefined : await runTorch();
    if (torch !== undefined) {
      report(`torch ${torch.version} (${torch.threads} thread) train img/s`, torch.train.toFixed(0));
      report('torch Grad-CAM img/s, batched (256/pass)', torch.camBatched.toFixed(0));
      report('torch Grad-CAM img/s, one image per pass', torch.camSingle.toFixed(0));
      report('ratio train (gradcam / torch)', (trained.imagesPerSecond / torch.train).toFixed(2));
      report('ratio Grad-CAM batched, 1 thread (gradcam / torch)', (batchedRate / torch.camBatched).toFixed(2));
      report(`ratio Grad-CAM batched, ${availableParallelism()} threads (gradcam / torch)`, (poolRate / torch.camBatched).toFixed(2));
      report('ratio Grad-CAM single (gradcam / torch)', (singleRate / torch.camSingle).toFixed(2));
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

interface TorchFigures {
  version: string;
  threads: string;
  train: number;
  camBatched: number;
  camSingle: number;
}

/** Runs the native reference when /usr/bin/python3 has torch and the anchor script is present. */
async function runTorch(): Promise<TorchFigures | undefined> {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    console.log('torch: not available (/usr/bin/python3 -c "import torch" failed); ratios skipped');
    return undefined;
  }
  try {
    await fs.access(torchScript);
  } catch {
    console.log(`torch: ${torchScript} not found; ratios skipped`);
    return undefined;
  }
  const { stdout } = await run(python, [torchScript, defaultMnistDir(), '--train', String(trainImages), '--epochs', '1', '--cam', String(camImages)]);
  const values = Object.fromEntries(
    stdout
      .split(/\s+/)
      .filter((token) => token.includes('='))
      .map((token) => token.split('=') as [string, string]),
  );
  return {
    version: values.torch_version ?? '?',
    threads: values.threads ?? '?',
    train: Number(values.torch_train_img_per_s),
    camBatched: Number(values.torch_cam_batched_img_per_s),
    camSingle: Number(values.torch_cam_single_img_per_s),
  };
}

await main();
