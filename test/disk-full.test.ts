/**
 * A full disk, for real: a small tmpfs (when running as root where mounting
 * works; skipped with a message otherwise). Every save says so in one line,
 * exits 1, and leaves no temporary file, lock or half a manifest line
 * (issue 12, items 3 and 5).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, type CliRun } from './helpers/run-cli.js';

/** Mounts a tmpfs of `size` at a new directory; undefined when this machine does not allow it. */
function mountTmpfs(size: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = execFileSync('mktemp', ['-d', path.join(os.tmpdir(), 'gradcam-full-XXXXXX')], { encoding: 'utf8' }).trim();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    execFileSync('rmdir', [dir]);
    return undefined;
  }
}

const disk = mountTmpfs('64k');

function assertFullDiskLine(run: CliRun, file: RegExp): void {
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  const last = lines[lines.length - 1]!;
  assert.match(last, /^gradcam: cannot write .*: no space left on the device; free some space or choose another disk$/);
  assert.match(last, file);
  assert.doesNotMatch(run.stderr, /\n\s+at |unexpected error/);
}

describe('a full disk', { concurrency: false, skip: disk === undefined && 'needs root and a tmpfs mount' }, () => {
  let cwd: string;
  before(async () => {
    cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-full-cwd-'));
  });
  after(async () => {
    await fs.rm(cwd, { recursive: true, force: true });
    if (disk !== undefined) {
      execFileSync('umount', [disk]);
      await fs.rmdir(disk);
    }
  });

  it('explain -o: one line, no picture, no temporary file', async () => {
    await fs.writeFile(path.join(disk!, 'filler'), Buffer.alloc(56 * 1024));
    const run = await runCli(['explain', '--mnist-index', '0', '-o', path.join(disk!, 'x.png')], cwd);
    assertFullDiskLine(run, /x\.png/);
    assert.deepEqual(await fs.readdir(disk!), ['filler']);
    await fs.rm(path.join(disk!, 'filler'));
  });

  it('batch explain: stops with one line; every manifest line parses', async () => {
    const out = path.join(disk!, 'out');
    const run = await runCli(['explain', '--mnist-test', '--limit', '300', '--out-dir', out, '--no-contact-sheet', '--no-report'], cwd);
    assertFullDiskLine(run, /out/);
    const text = await fs.readFile(path.join(out, 'manifest.jsonl'), 'utf8');
    assert.ok(text === '' || text.endsWith('\n'));
    for (const line of text.split('\n').filter((l) => l !== '')) JSON.parse(line);
    const temporary = (await fs.readdir(path.join(out, 'images'))).filter((n) => n.endsWith('.tmp'));
    assert.deepEqual(temporary, []);
    await fs.rm(out, { recursive: true });
  });

  it('train -o: one line after training, no temporary file or lock left', async () => {
    const model = path.join(disk!, 'model');
    const run = await runCli(['train', '--limit', '100', '--epochs', '1', '--workers', '1', '-o', model], cwd);
    assertFullDiskLine(run, /model\/weights-[0-9a-f]{16}\.bin/);
    assert.deepEqual(await fs.readdir(model), []);
  });
});
