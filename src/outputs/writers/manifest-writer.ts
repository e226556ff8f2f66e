import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { outputError } from '../../output-paths.js';
import type { BatchWriter } from '../batch-writer.js';
import { MANIFEST_FILE } from '../manifest.js';

/** The part of a file handle the manifest writer uses; tests inject failing ones. */
export type ManifestFile = Pick<fs.FileHandle, 'write' | 'truncate' | 'sync' | 'close'>;

/**
 * `manifest.jsonl`: one JSON line per record, appended chunk by chunk once the
 * chunk's pictures are on disk, so an interrupted run keeps a valid manifest
 * of what it wrote. A chunk is all-or-nothing: if its write fails (a full
 * disk), the file is truncated back to the last complete line and the run
 * stops with one line naming the manifest (issue 12, item 3). Synced and
 * closed at the end, also after a failure.
 *
 * @param open opens the manifest for writing (default `fs.open(file, 'w')`).
 */
export async function openManifestWriter(
  outDir: string,
  open: (file: string) => Promise<ManifestFile> = (file) => fs.open(file, 'w'),
): Promise<BatchWriter> {
  const file = path.join(outDir, MANIFEST_FILE);
  const manifest = await open(file).catch((error: unknown) => Promise.reject(outputError(error, file)));
  /** Bytes of complete lines in the file. */
  let complete = 0;
  return {
    records: async (records) => {
      const bytes = Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      try {
        // Positional writes: a short write continues where it stopped, never leaving half a line.
        for (let done = 0; done < bytes.length; ) {
          const { bytesWritten } = await manifest.write(bytes, done, bytes.length - done, complete + done);
          done += bytesWritten;
        }
        complete += bytes.length;
      } catch (error) {
        await manifest.truncate(complete).catch(() => undefined);
        throw outputError(error, file);
      }
    },
    close: async () => {
      try {
        await manifest.sync();
      } finally {
        await manifest.close();
      }
    },
  };
}
