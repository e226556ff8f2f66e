/**
 * Seeded random mutations of valid inputs (issue 12, "a fuzz test"): PNG and
 * JPEG files with bytes flipped, inserted, dropped or cut off, and model.json
 * files mutated as bytes and as JSON (a value replaced, a key removed). Each
 * goes through `predict`, as the CLI runs it. Whatever happens must be a
 * GradcamError (the CLI prints its one line, no stack trace) or a failed
 * input, and never a prediction with a probability that is not finite.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import sharp = require('sharp');
import { initBackend } from '../src/backend/init-backend.js';
import { predict, type PredictResult } from '../src/commands/predict.js';
import { readMnistRecords } from '../src/data/mnist.js';
import { GradcamError } from '../src/errors.js';
import { bundledModelDir, MODEL_JSON } from '../src/model/model-files.js';
import { temporaryDirectory } from './helpers/temp-dir.js';

const IMAGE_MUTATIONS = 150;
const MODEL_MUTATIONS = 150;
/** GRADCAM_FUZZ_SEED=n explores other mutations (a failure names its mutation; rerun with that seed). */
const SEED = Number(process.env.GRADCAM_FUZZ_SEED ?? 0);
/** GRADCAM_FUZZ_REPLAY=FILE: each mutated model.json is written there (and named on stderr) before it is tried. */
const REPLAY_FILE = process.env.GRADCAM_FUZZ_REPLAY;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** One byte-level mutation of `bytes` (a new buffer), and what it was. */
function mutateBytes(bytes: Buffer, random: () => number): { bytes: Buffer; what: string } {
  const at = Math.floor(random() * bytes.length);
  const kind = Math.floor(random() * 4);
  if (kind === 0) {
    const out = Buffer.from(bytes);
    const flips = 1 + Math.floor(random() * 8);
    for (let k = 0; k < flips; k++) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
    return { bytes: out, what: `${flips} bytes replaced` };
  }
  if (kind === 1) return { bytes: bytes.subarray(0, at), what: `cut at ${at}` };
  if (kind === 2) {
    const inserted = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 16) }, () => Math.floor(random() * 256)));
    return { bytes: Buffer.concat([bytes.subarray(0, at), inserted, bytes.subarray(at)]), what: `${inserted.length} bytes inserted at ${at}` };
  }
  const length = 1 + Math.floor(random() * 64);
  return { bytes: Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]), what: `${length} bytes dropped at ${at}` };
}

/** Values a mutated JSON field takes: wrong types, signs, sizes (up to 4096, so a layer stays allocatable) and shapes. */
const JSON_VALUES: unknown[] = [null, -1, 0, 1, 3, 4096, 1.5, 'NaN', '', 'relu', true, [], {}, [null], [-1, 28, 28, 1], [2, 2]];

/** One JSON-level mutation: a value somewhere in the tree replaced, or a key removed. */
function mutateJson(root: unknown, random: () => number): string {
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number; where: string }[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) value.forEach((child, i) => (nodes.push({ parent: value, key: i, where: `${where}[${i}]` }), walk(child, `${where}[${i}]`)));
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) nodes.push({ parent: value as Record<string, unknown>, key, where: `${where}.${key}` }), walk(child, `${where}.${key}`);
    }
  };
  walk(root, '');
  const { parent, key, where } = nodes[Math.floor(random() * nodes.length)]!;
  if (random() < 0.2 && !Array.isArray(parent)) {
    delete (parent as Record<string, unknown>)[key as string];
    return `removed "${where}"`;
  }
  const value = JSON_VALUES[Math.floor(random() * JSON_VALUES.length)];
  (parent as Record<string | number, unknown>)[key] = structuredClone(value);
  return `"${where}" = ${JSON.stringify(value)}`;
}

/**
 * predict's outcome: a GradcamError of one line, or predictions whose
 * probabilities are all finite (or failed inputs). What is not goes into `problems`.
 */
async function outcomeOf(run: () => Promise<PredictResult>, context: string, problems: string[]): Promise<'refused' | 'failed' | 'predicted' | 'wrong'> {
  let result: PredictResult;
  try {
    result = await run();
  } catch (error) {
    if (!(error instanceof GradcamError)) problems.push(`${context}: not a GradcamError (the CLI would print a stack trace): ${error instanceof Error ? error.message : String(error)}`);
    else if (error.message.includes('\n')) problems.push(`${context}: a message of several lines: ${error.message}`);
    else return 'refused';
    return 'wrong';
  }
  let outcome: 'failed' | 'predicted' = 'failed';
  for (const p of result.predictions) {
    if ('error' in p) continue;
    outcome = 'predicted';
    if (![p.probability, ...p.top.map((t) => t.probability)].every(Number.isFinite)) {
      problems.push(`${context}: a prediction with probability ${p.probability}`);
      return 'wrong';
    }
  }
  return outcome;
}

describe('fuzz: mutated images and model files (issue 12)', { concurrency: false }, () => {
  const dir = temporaryDirectory('gradcam-fuzz-');
  let png: Buffer;
  let jpeg: Buffer;
  before(async () => {
    await initBackend('cpu');
    const records = await readMnistRecords('test', [0]);
    // A digit as a user's picture: dark on light, 112×112, so the photo path runs, not the 28×28 fast path.
    const paper = Buffer.from(Array.from(records.images.subarray(0, 784), (v) => 255 - v));
    const big = sharp(paper, { raw: { width: 28, height: 28, channels: 1 } }).resize(112, 112);
    png = await big.clone().png().toBuffer();
    jpeg = await big.clone().jpeg({ quality: 90 }).toBuffer();
    await fs.writeFile(path.join(dir(), 'digit.png'), png);
  });

  it(`${IMAGE_MUTATIONS} mutated PNG and JPEG files: each a failed input or a finite prediction`, async () => {
    const random = lcg(7 + SEED);
    const outcomes = { refused: 0, failed: 0, predicted: 0, wrong: 0 };
    const problems: string[] = [];
    for (let i = 0; i < IMAGE_MUTATIONS; i++) {
      const [name, valid] = i % 2 === 0 ? ['png', png] : ['jpg', jpeg];
      const { bytes, what } = mutateBytes(valid, random);
      const file = path.join(dir(), `mutated-${i}.${name}`);
      await fs.writeFile(file, bytes);
      outcomes[await outcomeOf(() => predict({ images: [file], backend: 'cpu' }), `${name} #${i} (${what})`, problems)]++;
      await fs.rm(file);
    }
    assert.deepEqual(problems, []);
    // Both kinds of outcome occur, or the mutations were too mild or too wild to test anything.
    assert.ok(outcomes.failed > 0 && outcomes.predicted > 0, JSON.stringify(outcomes));
  });

  it(`${MODEL_MUTATIONS} mutated model.json files: each refused in one line, or finite predictions`, async () => {
    const random = lcg(8 + SEED);
    const source = bundledModelDir();
    const validJson = await fs.readFile(path.join(source, MODEL_JSON), 'utf8');
    const modelDir = path.join(dir(), 'model');
    await fs.cp(source, modelDir, { recursive: true });
    const outcomes = { refused: 0, failed: 0, predicted: 0, wrong: 0 };
    const problems: string[] = [];
    for (let i = 0; i < MODEL_MUTATIONS; i++) {
      let text: string;
      let what: string;
      if (i % 3 === 0) {
        const mutated = mutateBytes(Buffer.from(validJson), random);
        text = mutated.bytes.toString('latin1');
        what = mutated.what;
      } else {
        const tree: unknown = JSON.parse(validJson);
        what = mutateJson(tree, random);
        text = JSON.stringify(tree);
      }
      await fs.writeFile(path.join(modelDir, MODEL_JSON), text);
      if (REPLAY_FILE !== undefined) {
        // A mutation that hangs never reaches its assertion: leave it where it can be replayed.
        console.error(`model.json #${i} (${what})`);
        await fs.writeFile(REPLAY_FILE, text);
      }
      outcomes[await outcomeOf(() => predict({ images: [path.join(dir(), 'digit.png')], model: modelDir, backend: 'cpu' }), `model.json #${i} (${what})`, problems)]++;
    }
    assert.deepEqual(problems, []);
    assert.ok(outcomes.refused > 0 && outcomes.predicted > 0, JSON.stringify(outcomes));
  });
});
