/**
 * Per-kernel profile of a training step of the tutorial CNN (Adam, sparse
 * categorical cross-entropy, MNIST images) on the wasm backend:
 *
 *   npm run build && npm run build:test && node build/bench/profile-step.js [--batch 32] [--steps 30] [--profiled 10] [--baseline]
 *
 * --baseline puts back the stock tfjs-backend-wasm 4.22 kernels this project
 * replaced, keeping only the Conv2DBackpropFilter training needs and the
 * corrected MaxPoolGrad's stock twin (the state issue 3 measured from), so the
 * same script gives the "before" and "after" columns of BENCHMARKS.md.
 * Kernel times are averaged over --profiled steps: one step alone varies by
 * ~30% on a VM whose host takes CPU time at random.
 *
 * --relaxed-simd-rounds N (issue 14) instead times N rounds of --steps steps
 * with relaxed SIMD's fused multiply-add and N with mul + add, alternating
 * within the process (so a busy host slows both alike), and prints each
 * path's median ms/step and the median ratio of back-to-back rounds.
 */
import { parseArgs } from 'node:util';
import tf = require('@tensorflow/tfjs-core');
import { initBackend } from '../src/backend/init-backend.js';
import { loadMnistSplit } from '../src/data/mnist.js';
import { replacedWasmKernelNames, stockWasmKernel } from '../src/backend/kernels/register-wasm-kernels.js';
import { relaxedSimdActive, setRelaxedSimdEnabled } from '../src/backend/kernels/wasm-simd.js';
import { buildTutorialCnn } from '../src/model/tutorial-cnn.js';
import { BatchBuilder, batchGradients, disposeBatchGradients, trainableVariables } from '../src/training/fit.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '30' },
    profiled: { type: 'string', default: '10' },
    baseline: { type: 'boolean', default: false },
    'relaxed-simd-rounds': { type: 'string', default: '0' },
  },
});
const batchSize = Number(args.batch);
const steps = Number(args.steps);
const profiled = Number(args.profiled);

await initBackend('wasm');
if (args.baseline) {
  const backend = tf.findBackend('wasm');
  for (const name of replacedWasmKernelNames()) {
    const stock = stockWasmKernel(name);
    if (stock === undefined) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(stock);
    stock.setupFunc?.(backend!);
  }
}
const data = await loadMnistSplit('train', { limit: batchSize * (steps + profiled + 5) });
const model = buildTutorialCnn({ seed: 1 });
const variables = trainableVariables(model);
const optimizer = model.optimizer;
const builder = new BatchBuilder(data, 10);
const step = (k: number) => {
  const indices = Array.from({ length: batchSize }, (_, i) => k * batchSize + i);
  const { x, y } = builder.build(indices);
  try {
    const result = batchGradients(model, variables, x, y);
    try {
      optimizer.applyGradients(result.gradients);
    } finally {
      disposeBatchGradients(result);
    }
  } finally {
    tf.dispose([x, y]);
  }
};
for (let k = 0; k < 3; k++) step(k); // warm-up: kernels' first-call set-up, Adam's slots

const relaxedRounds = Number(args['relaxed-simd-rounds']);
if (relaxedRounds > 0) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const timings = { fused: [] as number[], plain: [] as number[] };
  let k = 3;
  for (let round = 0; round < 2 * relaxedRounds + 2; round++) {
    // Alternate, starting with the other path each round pair; the first pair warms up both.
    const fused = round % 2 === Math.floor(round / 2) % 2;
    setRelaxedSimdEnabled(fused);
    const start = performance.now();
    for (let i = 0; i < steps; i++, k++) step(k % (steps + profiled));
    if (round >= 2) timings[fused ? 'fused' : 'plain'].push((performance.now() - start) / steps);
  }
  setRelaxedSimdEnabled(true);
  const [fusedMs, plainMs] = [median(timings.fused), median(timings.plain)];
  console.log(`wasm, batch ${batchSize}, relaxed SIMD available: ${relaxedSimdActive()}; ${relaxedRounds} rounds of ${steps} steps per path`);
  console.log(`relaxed SIMD (relaxed_madd): ${fusedMs.toFixed(2)} ms/step median (${timings.fused.map((t) => t.toFixed(1)).join(', ')})`);
  console.log(`mul + add:                   ${plainMs.toFixed(2)} ms/step median (${timings.plain.map((t) => t.toFixed(1)).join(', ')})`);
  // Each round pair timed both paths back to back: the median of their ratios discounts the host's drift.
  const ratios = timings.fused.map((t, j) => (timings.plain[j] as number) / t);
  console.log(`speed-up ${(plainMs / fusedMs).toFixed(3)}x (ratio of medians), ${median(ratios).toFixed(3)}x (median of the ${ratios.length} paired ratios)`);
} else {
  const t0 = performance.now();
  for (let k = 3; k < steps + 3; k++) step(k);
  const stepMs = (performance.now() - t0) / steps;

  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (let k = 0; k < profiled; k++) {
    const profile = await tf.profile(() => step(steps + 3 + k));
    for (const kernel of profile.kernels) {
      // tf.profile lists op wrappers (names ending in __op) around the kernels; count kernels only.
      if (kernel.name.endsWith('__op')) continue;
      const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
      entry.ms += (kernel.kernelTimeMs as number) / profiled;
      entry.calls += 1 / profiled;
      byKernel.set(kernel.name, entry);
    }
  }
  const total = [...byKernel.values()].reduce((sum, e) => sum + e.ms, 0);
  console.log(`wasm, batch ${batchSize}, ${args.baseline ? 'stock kernels (baseline)' : "gradcam's kernels"}: ${stepMs.toFixed(1)} ms/step (${((batchSize * 1000) / stepMs).toFixed(0)} img/s, mean of ${steps})`);
  console.log(`${'kernel'.padEnd(24)}     ms  calls  share  (mean of ${profiled} profiled steps)`);
  for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`${name.padEnd(24)} ${ms.toFixed(1).padStart(6)} ${calls.toFixed(0).padStart(6)}  ${((100 * ms) / total).toFixed(0).padStart(4)}%`);
  }
  console.log(`${'all kernels'.padEnd(24)} ${total.toFixed(1).padStart(6)}`);
}
model.dispose();
