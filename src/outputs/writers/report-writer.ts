import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import type { BatchWriter } from '../batch-writer.js';
import { REPORT_FILE } from '../manifest.js';

/** `index.html`, the offline report of the whole run (html-report.ts), written atomically. */
export function reportWriter(outDir: string): BatchWriter {
  return {
    finish: async (summary, records) => {
      const { renderHtmlReport } = await import('../html-report.js');
      await writeFileAtomic(path.join(outDir, REPORT_FILE), renderHtmlReport(records, summary, { classNames: summary.classNames }));
      summary.files.report = REPORT_FILE;
    },
  };
}
