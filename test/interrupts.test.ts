/**
 * Runs stopped at random points, and saves that race (issue 12, "Tests"):
 * batch explain and model saves in spawned children, interrupted by SIGINT
 * (Ctrl-C) or SIGKILL (kill -9) at seeded random delays, 20 times each; and
 * two and three processes saving into one model directory at once. After
 * every stop: each manifest line parses and names a picture on disk, each
 * model directory loads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { initBackend } from '../src/backend/init-backend.js';
import { loadModel, MODEL_JSON } from '../src/model/model-files.js';
import { CLI } from './helpers/run-cli.js';
import { temporaryDirectory } from './helpers/temp-dir.js';

const SAVE_LOOP = path.join(path.dirname(new URL(import.meta.url).pathname), 'helpers', 'save-loop.js');
const ITERATIONS = 20;
const TEMPORARY = /\.tmp$/;

/** A seeded generator (the delays of a failing run reproduce). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node args…` in `cwd`; `kill(signal, ms)` sends the signal after `ms` unless it has exited. */
function start(args: string[], cwd: string): { exited: Promise<Exit>; kill: (signal: NodeJS.Signals, ms: number) => void } {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    exited,
    kill: (signal, ms) => {
      const timer = setTimeout(() => child.kill(signal), ms);
      void exited.then(() => clearTimeout(timer));
    },
  };
}

/** Temporary files in `directories` (missing ones have none). */
async function temporaryFiles(...directories: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const directory of directories) {
    for (const name of await fs.readdir(directory).catch(() => [] as string[])) if (TEMPORARY.test(name)) found.push(path.join(directory, name));
  }
  return found;
}

/** Every line of the manifest parses, and every entry's picture is on disk; resolves to the number of lines. */
async function assertManifestMatchesDisk(outDir: string, context: string): Promise<number> {
  const text = await fs.readFile(path.join(outDir, 'manifest.jsonl'), 'utf8').catch(() => '');
  assert.ok(text === '' || text.endsWith('\n'), `${context}: the manifest ends in the middle of a line`);
  const lines = text.split('\n').filter((line) => line !== '');
  for (const [i, line] of lines.entries()) {
    let record: { output?: string };
    try {
      record = JSON.parse(line) as { output?: string };
    } catch {
      assert.fail(`${context}: manifest line ${i + 1} does not parse: ${line.slice(0, 80)}`);
    }
    if (record.output !== undefined) await fs.access(path.join(outDir, record.output)).catch(() => assert.fail(`${context}: line ${i + 1} names ${record.output}, not on disk`));
  }
  return lines.length;
}

/** Loads the model in `directory` (throws when it does not load) and returns its last bias's first value. */
async function loadedBias(directory: string): Promise<number> {
  const { model } = await loadModel(directory);
  try {
    const weights = model.getWeights();
    return weights[weights.length - 1]!.dataSync()[0]!;
  } finally {
    model.dispose();
  }
}

/** The files of a model directory besides model.json and the shards it references (stale shards, temporaries, a lock). */
async function strayFiles(directory: string): Promise<string[]> {
  const json = JSON.parse(await fs.readFile(path.join(directory, MODEL_JSON), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  const referenced = new Set([MODEL_JSON, ...json.weightsManifest.flatMap((group) => group.paths)]);
  return (await fs.readdir(directory)).filter((name) => !referenced.has(name));
}

describe('interrupted runs and racing saves (issue 12)', { concurrency: false }, () => {
  const dir = temporaryDirectory('gradcam-interrupts-');
  before(() => initBackend('cpu'));

  it(`batch explain stopped by SIGINT and by SIGKILL at ${ITERATIONS} random points each (and SIGTERM at 4): the manifest matches the disk; after SIGINT and SIGTERM no temporary file is left`, async () => {
    // 600 inputs: three chunks of BATCH_CHUNK (256), so a stop can fall between manifest chunks.
    const inputs = ['--mnist-index', '0..599'];
    const random = lcg(12);
    // Half the stops at a random time from the start (start-up, loading, the first chunk), half at a
    // random time after the first manifest lines are on disk (so not only where the host is fast).
    const runs: { signal: 'SIGINT' | 'SIGKILL' | 'SIGTERM'; outDir: string; ms: number; afterLines: boolean }[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const stop = (signal: 'SIGINT' | 'SIGKILL' | 'SIGTERM') => {
        const afterLines = random() < 0.5;
        runs.push({ signal, outDir: path.join(dir(), `${signal}-${i}`), ms: Math.round(afterLines ? 250 * random() : 250 + 900 * random()), afterLines });
      };
      stop('SIGINT');
      stop('SIGKILL');
      // SIGTERM (a CI job cancelled) takes the same way out as Ctrl-C; a few runs check it.
      if (i % 5 === 0) stop('SIGTERM');
    }
    let interruptedWithLines = 0;
    // Two at a time: one per core.
    for (let k = 0; k < runs.length; k += 2) {
      await Promise.all(
        runs.slice(k, k + 2).map(async ({ signal, outDir, ms, afterLines }) => {
          const context = `${signal} ${ms} ms after ${afterLines ? 'the first manifest lines' : 'the start'}`;
          const run = start([CLI, 'explain', ...inputs, '--out-dir', outDir], dir());
          if (afterLines) {
            const manifest = path.join(outDir, 'manifest.jsonl');
            const hasLines = async () => ((await fs.stat(manifest).catch(() => undefined))?.size ?? 0) > 0;
            let done = false;
            void run.exited.then(() => (done = true));
            while (!done && !(await hasLines())) await new Promise((resolve) => setTimeout(resolve, 5));
          }
          run.kill(signal, ms);
          const exit = await run.exited;
          const finished = exit.code === 0;
          if (!finished) {
            // gradcam removes its temporary files and dies of the signal itself (a shell reports 130 for SIGINT).
            assert.equal(exit.signal, signal, `${context}: exit ${exit.code} ${exit.signal} ${exit.stderr}`);
            assert.equal(exit.stderr.includes('unexpected error'), false, `${context}: ${exit.stderr}`);
          }
          const lines = await assertManifestMatchesDisk(outDir, context);
          if (!finished && lines > 0) interruptedWithLines++;
          if (signal !== 'SIGKILL' || finished) assert.deepEqual(await temporaryFiles(outDir, path.join(outDir, 'images')), [], context);
        }),
      );
    }
    // The stops must have caught some runs part-way, or the test checked little.
    assert.ok(interruptedWithLines > 0, 'no run was stopped after it had written manifest lines');
    // A run into a killed run's directory completes, and leaves nothing of the killed one behind.
    const reused = runs.find((r) => r.signal === 'SIGKILL')!.outDir;
    const again = start([CLI, 'explain', ...inputs, '--out-dir', reused], dir());
    const exit = await again.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(await assertManifestMatchesDisk(reused, 'the re-run'), 600);
    assert.deepEqual(await temporaryFiles(reused, path.join(reused, 'images')), []);
  });

  it(`model saves stopped by SIGINT and by SIGKILL at ${ITERATIONS} random points each: the directory always loads, and the next save leaves only the model`, async () => {
    const modelDir = path.join(dir(), 'killed-saves');
    const first = await start([SAVE_LOOP, modelDir, '1'], dir()).exited;
    assert.equal(first.code, 0, first.stderr);
    const random = lcg(21);
    let savesBeforeKill = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      for (const signal of ['SIGINT', 'SIGKILL'] as const) {
        const ms = Math.round(150 + 400 * random());
        const run = start([SAVE_LOOP, modelDir, '100000'], dir());
        run.kill(signal, ms);
        const exit = await run.exited;
        assert.equal(exit.signal, signal, `${signal} after ${ms} ms: ${exit.stderr}`);
        savesBeforeKill += exit.stdout.split('\n').filter((line) => line.startsWith('saved')).length;
        await loadedBias(modelDir).catch((error: unknown) => assert.fail(`${signal} after ${ms} ms: the model does not load: ${String(error)}`));
      }
    }
    assert.ok(savesBeforeKill > ITERATIONS, `only ${savesBeforeKill} saves happened before the kills: the delays hit nothing`);
    const last = await start([SAVE_LOOP, modelDir, '1'], dir()).exited;
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(await strayFiles(modelDir), []);
  });

  for (const processes of [2, 3]) {
    it(`${processes} processes saving into one directory at once, ${ITERATIONS} saves each: every save succeeds, the model is one of the last saves, nothing stale is left`, async () => {
      const modelDir = path.join(dir(), `racing-${processes}`);
      const exits = await Promise.all(Array.from({ length: processes }, () => start([SAVE_LOOP, modelDir, String(ITERATIONS)], dir()).exited));
      const lastValues = exits.map((exit) => {
        assert.equal(exit.code, 0, exit.stderr);
        const saved = exit.stdout.split('\n').filter((line) => line.startsWith('saved'));
        assert.equal(saved.length, ITERATIONS);
        return Number(saved[saved.length - 1]!.split(' ')[2]);
      });
      const bias = await loadedBias(modelDir);
      assert.ok(
        lastValues.some((value) => Math.abs(value - bias) < 1e-6),
        `the model's bias ${bias} is none of the processes' last saves (${lastValues.join(', ')})`,
      );
      assert.deepEqual(await strayFiles(modelDir), []);
    });
  }
});
