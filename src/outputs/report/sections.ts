/**
 * The server-rendered parts of the HTML report (html-report.ts): the summary
 * header, the confusion matrix, the failures table, and the grid's controls
 * (the grid itself is built in the browser, report-client/report-client.ts).
 */
import type { BatchSummary, ManifestEntry, ManifestFailure } from '../manifest.js';
import { percent, thousands } from '../number-format.js';
import { colourKeySection } from './colour-key.js';
import { escapeHtml, hrefFor } from './escape.js';
import { verdictLevel } from './verdict.js';

/** Confusion matrices wider than this are left out: unreadable, and quadratic in size. */
export const MAX_CONFUSION_CLASSES = 30;

function seconds(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
}

/** The header: headline verdict, the summary's figures, links to the other files of the run. */
export function summarySection(summary: BatchSummary, entryCount: number, title: string): string {
  const rows: Array<[string, string]> = [
    ['Inputs', thousands(summary.inputs)],
    ['Explained', thousands(summary.explained)],
    ['Failed', thousands(summary.failed)],
  ];
  if (summary.only !== 'all') rows.push(['Kept (--only ' + summary.only + ')', thousands(summary.written)]);
  rows.push(['Labelled', thousands(summary.labelled)]);
  if (summary.labelled > 0) {
    rows.push(['Correct', thousands(summary.correct)], ['Misclassified', thousands(summary.labelled - summary.correct)]);
  }
  rows.push(['Accuracy', summary.accuracy === null ? 'no labels' : percent(summary.accuracy)]);
  if (summary.shard !== null) {
    rows.push(['Shard', `${summary.shard.index}/${summary.shard.count} of ${thousands(summary.shard.of)} inputs`]);
  }
  rows.push(
    ['Backend', summary.backend],
    ['Model', summary.model],
    ['Layer', summary.layer],
    ['Score', summary.score],
    [
      'Time',
      `load ${seconds(summary.seconds.load)} · explain ${seconds(summary.seconds.explain)} · write ${seconds(summary.seconds.write)} · total ${seconds(summary.seconds.total)}`,
    ],
    ['Speed', `${thousands(Math.round(summary.imagesPerSecond))} images/s`],
  );
  const verdict =
    summary.accuracy === null
      ? `${thousands(summary.explained)} inputs explained, no labels`
      : `${percent(summary.accuracy)} accuracy: ${thousands(summary.correct)} of ${thousands(summary.labelled)} correct, ` +
        `${thousands(summary.labelled - summary.correct)} misclassified`;
  const failed = summary.failed > 0 ? `; <a href="#failures">${thousands(summary.failed)} failed</a>` : '';
  const sheets = summary.files.contactSheets;
  const links = [
    `<a href="${escapeHtml(hrefFor(summary.files.manifest, summary.outDir))}">manifest</a>`,
    `<a href="${escapeHtml(hrefFor(summary.files.summary, summary.outDir))}">summary</a>`,
  ];
  if (sheets.length === 1) {
    links.push(`<a href="${escapeHtml(hrefFor(sheets[0] as string, summary.outDir))}">contact sheet</a>`);
  } else if (sheets.length > 1) {
    links.push(
      'contact sheets ' +
        sheets
          .map((file, i) => `<a href="${escapeHtml(hrefFor(file, summary.outDir))}" aria-label="contact sheet ${i + 1}">${i + 1}</a>`)
          .join(' '),
    );
  }
  const listed =
    summary.only === 'all'
      ? ''
      : `<p class="note">Only the ${escapeHtml(summary.only)} inputs are listed (--only ${escapeHtml(summary.only)}): ` +
        `${thousands(entryCount)} of the ${thousands(summary.explained)} explained.</p>\n`;
  return (
    `<header>\n<h1>${escapeHtml(title)}</h1>\n` +
    `<p class="verdict ${verdictLevel(summary)}" id="verdict">${verdict}${failed}</p>\n` +
    `<dl class="summary" id="summary">\n` +
    rows.map(([key, value]) => `<div><dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd></div>`).join('\n') +
    `\n</dl>\n${colourKeySection(summary)}${listed}<nav>${links.join(' · ')}</nav>\n</header>\n`
  );
}

/**
 * A true × predicted count table of the labelled entries, each cell a link
 * to that view of the grid (`#true=2&pred=7`), with per-class recall. Every
 * class of the model has a row and a column, also those no entry has
 * (issue 13: labels 2, 5, 7 once gave a 0..7 header).
 *
 * @param classCount the model's number of classes (its class names); a larger class seen in the entries widens the table.
 */
export function confusionSection(entries: readonly ManifestEntry[], className: (c: number) => string, classCount: number): string {
  const labelled = entries.filter((e) => e.label !== undefined);
  if (labelled.length === 0) return '';
  classCount = Math.max(classCount, 1 + labelled.reduce((max, e) => Math.max(max, e.class, e.label as number), 0));
  if (classCount > MAX_CONFUSION_CLASSES) {
    return `<section id="confusion"><h2>Confusion</h2><p class="note">${classCount} classes: too many for a table; use the filters below.</p></section>\n`;
  }
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (const e of labelled) {
    const row = counts[e.label as number] as number[];
    row[e.class] = (row[e.class] as number) + 1;
  }
  const maxOff = Math.max(1, ...counts.flatMap((row, t) => row.filter((_, p) => p !== t)));
  const header = `<tr><th scope="col">true \\ pred</th>${counts.map((_, p) => `<th scope="col">${escapeHtml(className(p))}</th>`).join('')}<th scope="col">recall</th></tr>`;
  const body = counts
    .map((row, t) => {
      const total = row.reduce((a, b) => a + b, 0);
      const cells = row
        .map((n, p) => {
          if (n === 0) return '<td class="zero">·</td>';
          // Off-diagonal cells shade by count (4 steps), so the big confusions stand out.
          const level = p === t ? 'hit' : `miss miss${Math.min(4, Math.ceil((4 * n) / maxOff))}`;
          return `<td class="${level}"><a href="#true=${t}&amp;pred=${p}" title="true ${escapeHtml(className(t))}, predicted ${escapeHtml(className(p))}: ${n}">${thousands(n)}</a></td>`;
        })
        .join('');
      const recall = total === 0 ? '' : percent((row[t] as number) / total);
      return `<tr><th scope="row">${escapeHtml(className(t))}</th>${cells}<td class="recall">${recall}</td></tr>`;
    })
    .join('\n');
  return (
    `<section id="confusion">\n<h2>Confusion <small>(rows: true class, columns: predicted; ${thousands(labelled.length)} labelled entries; click a cell to show it)</small></h2>\n` +
    `<table class="confusion">\n${header}\n${body}\n</table>\n</section>\n`
  );
}

/** The inputs that failed, with their errors; nothing when there are none. */
export function failuresSection(failures: readonly ManifestFailure[]): string {
  if (failures.length === 0) return '';
  const rows = failures
    .map(
      (f) =>
        `<tr><td class="num">${f.index}</td><td class="source">${escapeHtml(f.source)}</td><td class="error">${escapeHtml(f.error)}</td></tr>`,
    )
    .join('\n');
  return (
    `<section id="failures">\n<h2>Failed inputs (${thousands(failures.length)})</h2>\n` +
    `<table class="failures">\n<tr><th scope="col">#</th><th scope="col">input</th><th scope="col">error</th></tr>\n${rows}\n</table>\n</section>\n`
  );
}

/** The grid's filters and sort, and the empty grid that report-client.ts fills. */
export const CONTROLS = `<section id="explorer">
<h2>Explanations</h2>
<form id="controls" autocomplete="off">
<label>predicted <select name="pred"><option value="">any</option></select></label>
<label>true <select name="true"><option value="">any</option></select></label>
<label><input type="checkbox" name="misclassified"> misclassified only</label>
<label>sort <select name="sort"><option value="input">input order</option><option value="confidence-asc">confidence, lowest first</option><option value="confidence-desc">confidence, highest first</option></select></label>
<label>input contains <input type="search" name="q" size="16"></label>
<button type="reset">show all</button>
</form>
<p id="status" aria-live="polite">Loading…</p>
<ul id="grid"></ul>
<noscript><p>The thumbnail grid needs JavaScript. The pictures are in images/, one per line of manifest.jsonl.</p></noscript>
</section>
`;
