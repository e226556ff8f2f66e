/** Manifest lines are all-or-nothing: a full disk never leaves half a line (issue 12, item 3). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { EXIT_CODES, GradcamError } from '../../../src/errors.js';
import type { ManifestRecord } from '../../../src/outputs/manifest.js';
import { openManifestWriter, type ManifestFile } from '../../../src/outputs/writers/manifest-writer.js';
import { temporaryDirectory } from '../../helpers/temp-dir.js';

const chunk = (from: number, count: number): ManifestRecord[] =>
  Array.from({ length: count }, (_, i) => ({ index: from + i, source: `image-${from + i}.png`, error: 'x'.repeat(50) }));

/** A real file whose writes after the first `goodWrites` put half their bytes on disk, then fail as a full disk does. */
async function fillingDisk(file: string, goodWrites: number): Promise<ManifestFile> {
  const handle = await fs.open(file, 'w');
  let writes = 0;
  return {
    write: (async (buffer: Uint8Array, offset: number, length: number, position: number) => {
      if (++writes <= goodWrites) return handle.write(buffer, offset, length, position);
      await handle.write(buffer, offset, Math.floor(length / 2), position);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as ManifestFile['write'],
    truncate: (length) => handle.truncate(length),
    sync: () => handle.sync(),
    close: () => handle.close(),
  };
}

describe('manifest writer', () => {
  const tmpDir = temporaryDirectory('gradcam-manifest-');

  it('a failed append is truncated back to the last complete line and reported as one line', async () => {
    const outDir = await fs.mkdtemp(path.join(tmpDir(), 'full-'));
    const writer = await openManifestWriter(outDir, (file) => fillingDisk(file, 1));
    await writer.records!(chunk(0, 3));
    await assert.rejects(writer.records!(chunk(3, 3)), (error: unknown) => {
      assert.ok(error instanceof GradcamError);
      assert.equal(error.exitCode, EXIT_CODES.failure);
      assert.match(error.message, /^cannot write .*manifest\.jsonl: no space left on the device; free some space/);
      return true;
    });
    await writer.close!();
    const text = await fs.readFile(path.join(outDir, 'manifest.jsonl'), 'utf8');
    assert.ok(text.endsWith('\n'));
    const lines = text.split('\n').filter((l) => l !== '');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as ManifestRecord).index), [0, 1, 2]);
  });

  it('appends whole chunks in order', async () => {
    const outDir = await fs.mkdtemp(path.join(tmpDir(), 'ok-'));
    const writer = await openManifestWriter(outDir);
    await writer.records!(chunk(0, 2));
    await writer.records!(chunk(2, 2));
    await writer.close!();
    const lines = (await fs.readFile(path.join(outDir, 'manifest.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as ManifestRecord).index), [0, 1, 2, 3]);
  });
});
