import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import type { BatchWriter } from '../batch-writer.js';
import { SUMMARY_FILE } from '../manifest.js';

/** `summary.json`, written atomically; the last writer, so the summary names every file the others wrote. */
export function summaryWriter(outDir: string): BatchWriter {
  return {
    finish: async (summary) => {
      await writeFileAtomic(path.join(outDir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
    },
  };
}
