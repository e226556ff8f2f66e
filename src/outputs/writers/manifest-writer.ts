import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BatchWriter } from '../batch-writer.js';
import { MANIFEST_FILE } from '../manifest.js';

/**
 * `manifest.jsonl`: one JSON line per record, appended chunk by chunk once the
 * chunk's pictures are on disk, so an interrupted run keeps a valid manifest
 * of what it wrote. Synced and closed at the end, also after a failure.
 */
export async function openManifestWriter(outDir: string): Promise<BatchWriter> {
  const manifest = await fs.open(path.join(outDir, MANIFEST_FILE), 'w');
  return {
    records: async (records) => {
      await manifest.appendFile(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
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
