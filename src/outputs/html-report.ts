/**
 * The HTML report of batch explain (issue 4): one self-contained `index.html`
 * written next to `images/` and `manifest.jsonl`. Offline by construction: CSS
 * and script are inline, there are no fonts, scripts or images from anywhere
 * but the output directory, and a Content-Security-Policy (script allowed by
 * its SHA-256 only, no connections) keeps it so even if a file name were to
 * slip through escaping.
 *
 * Server-side (here, with the parts in report/): the summary header, a
 * confusion matrix, the failures, and the records as JSON in
 * `<script type="application/json">`. Client-side (report-client/, a small
 * vanilla script checked and compiled by tsconfig.client.json): the thumbnail
 * grid, built from that JSON in chunks so that 10,000 records stay
 * responsive, with filters and sorting that live in the URL hash so a link
 * (and a headless-browser check) can open a view directly:
 *
 *   index.html#misclassified                 only misclassified entries
 *   index.html#pred=7&true=2                 predicted 7, labelled 2 (`true=none`: unlabelled)
 *   index.html#sort=confidence-asc           least confident first (`confidence-desc`, default `input`)
 *   index.html#q=foo                         source contains "foo"
 *
 * When the grid is complete the script sets `data-state="ready"` on <body>
 * and `data-shown` / `data-total` on the grid.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isManifestFailure, type BatchSummary, type ManifestEntry, type ManifestFailure, type ManifestRecord } from './manifest.js';
import { percent, thousands } from './number-format.js';
import { escapeHtml, jsonForScript } from './report/escape.js';
import { CONTROLS, confusionSection, failuresSection, summarySection } from './report/sections.js';
import { styles } from './report/styles.js';

export { escapeHtml, hrefFor, jsonForScript } from './report/escape.js';
export { MAX_CONFUSION_CLASSES } from './report/sections.js';

export interface HtmlReportOptions {
  /** Heading and first words of the <title>; default 'gradcam report'. */
  title?: string;
  /** Display names of the classes (index -> name); default the index itself. */
  classNames?: readonly string[];
  /** Thumbnail side in CSS pixels; default 112 (the 28x28 overlay at scale 4, shown 1:1). */
  thumbnailSize?: number;
}

export const HTML_REPORT_DEFAULTS = { title: 'gradcam report', thumbnailSize: 112 } as const;

/** Order of the fields of one entry in the embedded JSON (arrays, not objects: 10,000 records stay ~1 MB). */
export const REPORT_ENTRY_COLUMNS = [
  'index',
  'source',
  'output',
  'class',
  'probability',
  'label',
  'top',
  'explainedClass',
  'notes',
] as const;

// ---------------------------------------------------------------------------
// The grid script

/** The compiled grid script (report-client/report-client.ts, built by tsconfig.client.json next to this module). */
const CLIENT_SCRIPT_URL = new URL('./report-client/report-client.js', import.meta.url);

let clientScript: string | undefined;

/**
 * The grid script, read on the first report and kept: not at import time,
 * so loading this module costs no file read. It is embedded as is, in a
 * plain <script>, so it must not be able to close that element early.
 */
function clientScriptText(): string {
  if (clientScript !== undefined) return clientScript;
  let text: string;
  try {
    text = readFileSync(CLIENT_SCRIPT_URL, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the HTML report's script ${fileURLToPath(CLIENT_SCRIPT_URL)}: ${(error as Error).message} (npm run build compiles it)`,
    );
  }
  if (/<\/script|<!--/i.test(text)) throw new Error(`${fileURLToPath(CLIENT_SCRIPT_URL)} contains "</script" or "<!--"`);
  clientScript = text;
  return text;
}

// ---------------------------------------------------------------------------
// The page

/** The embedded JSON: one array per entry, fields in {@link REPORT_ENTRY_COLUMNS} order. */
function entryRow(e: ManifestEntry): unknown[] {
  return [
    e.index,
    e.source,
    e.output,
    e.class,
    Number(e.probability.toFixed(6)),
    e.label ?? null,
    e.top.flatMap((t) => [t.class, Number(t.probability.toFixed(6))]),
    e.explainedClass === e.class ? null : e.explainedClass,
    e.notes === undefined || e.notes.length === 0 ? null : e.notes,
  ];
}

/**
 * Renders `index.html` for a batch run. Pure: returns the page as a string;
 * the caller writes it into the output directory (thumbnails are linked
 * relative to it: `record.output`, and the files of `summary.files`, made
 * relative to `summary.outDir` when absolute).
 *
 * Everything from the data is escaped: HTML entities in markup, `\u003c`
 * escapes in the embedded JSON, percent-encoding in URLs.
 *
 * @param records the manifest, in input order (entries and failures).
 * @param summary the run's summary (counts, backend, layer, score, timings).
 * @returns a complete HTML document, UTF-8 text. About 120 bytes per entry
 *   (1.2 MB for 10,000) plus ~15 kB.
 */
export function renderHtmlReport(
  records: readonly ManifestRecord[],
  summary: BatchSummary,
  options: HtmlReportOptions = {},
): string {
  const title = options.title ?? HTML_REPORT_DEFAULTS.title;
  const thumbnailSize = options.thumbnailSize ?? HTML_REPORT_DEFAULTS.thumbnailSize;
  const className = (c: number) => options.classNames?.[c] ?? String(c);
  const entries: ManifestEntry[] = [];
  const failures: ManifestFailure[] = [];
  for (const record of records) {
    if (isManifestFailure(record)) failures.push(record);
    else entries.push(record);
  }
  const data = jsonForScript({
    version: summary.manifestVersion,
    columns: REPORT_ENTRY_COLUMNS,
    classNames: options.classNames ?? null,
    entries: entries.map(entryRow),
  });
  const css = styles(Math.round(thumbnailSize));
  const script = clientScriptText();
  // CSP 3: the script runs because its hash is listed; nothing else may run, load from the network or connect.
  const scriptHash = createHash('sha256').update(script, 'utf8').digest('base64');
  const csp = [
    "default-src 'none'",
    "img-src 'self' file: data:",
    "style-src 'unsafe-inline'",
    `script-src 'sha256-${scriptHash}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const headline =
    summary.accuracy === null
      ? `${thousands(summary.explained)} inputs`
      : `${percent(summary.accuracy)} of ${thousands(summary.labelled)}`;
  return (
    '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">\n` +
    '<meta name="referrer" content="no-referrer">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(`${title} · ${headline} · ${summary.layer}`)}</title>\n` +
    `<style>${css}</style>\n</head>\n<body data-state="loading">\n` +
    summarySection(summary, entries.length, title) +
    confusionSection(entries, className, options.classNames?.length ?? summary.classNames.length) +
    CONTROLS +
    failuresSection(failures) +
    `<footer><p class="note">gradcam manifest v${summary.manifestVersion} · ${thousands(entries.length)} entries, ${thousands(failures.length)} failures</p></footer>\n` +
    `<script type="application/json" id="gradcam-data">${data}</script>\n` +
    `<script>${script}</script>\n</body>\n</html>\n`
  );
}
