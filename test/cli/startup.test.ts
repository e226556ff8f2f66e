/**
 * `gradcam --help` and each command's help load neither TensorFlow.js, sharp
 * nor h5wasm (the CLI imports them lazily; a static import of a module that
 * pulls in tfjs, as input-range.ts once did through input-spec.ts, costs every
 * start-up). Checked by a preload hook that records every CommonJS load.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from '../helpers/run-cli.js';

const HOOK = `const M = require('module'); const load = M._load;
M._load = function (request, ...rest) { process.stderr.write('LOADED ' + request + '\\n'); return load.call(this, request, ...rest); };`;

function helpLoads(args: string[], hook: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--require', hook, CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, _stdout, stderr) => {
      if (error) reject(error);
      else resolve(stderr.split('\n').filter((line) => line.startsWith('LOADED ')).map((line) => line.slice(7)));
    });
  });
}

describe('start-up', () => {
  for (const args of [['--help'], ['explain', '--help'], ['predict', '--help'], ['evaluate', '--help'], ['train', '--help']]) {
    it(`gradcam ${args.join(' ')} loads no tfjs, sharp or h5wasm`, async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-startup-'));
      try {
        const hook = path.join(dir, 'hook.cjs');
        await fs.writeFile(hook, HOOK);
        const loaded = await helpLoads(args, hook);
        assert.ok(loaded.length > 0, 'the hook saw no loads at all: it is not working');
        assert.deepEqual(loaded.filter((m) => /tensorflow|sharp|h5wasm/.test(m)), []);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    });
  }
});
