/** Runs the built CLI (dist/cli.js; `npm test` builds it first) as a user would, for end-to-end tests. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { packageRoot } from '../../src/package-root.js';

export const CLI = path.join(packageRoot(), 'dist', 'cli.js');

export interface CliRun {
  code: number;
  stdout: string;
  /** stdout as bytes (`-o -` writes a PNG there). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** `gradcam <args>` in `cwd`, as in CI (no colour, CI=1); resolves with the exit code and output. */
export function runCli(args: string[], cwd: string, options: { timeoutMs?: number; uid?: number; gid?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1' }, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 0, uid: options.uid, gid: options.gid },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: stdout.toString('utf8'), stdoutBytes: stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}
