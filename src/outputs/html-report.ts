/**
 * The HTML report of batch explain (issue 4): one self-contained `index.html`
 * written next to `images/` and `manifest.jsonl`. Offline by construction: CSS
 * and script are inline, there are no fonts, scripts or images from anywhere
 * but the output directory, and a Content-Security-Policy (script allowed by
 * its SHA-256 only, no connections) keeps it so even if a file name were to
 * slip through escaping.
 *
 * Server-side (here): the summary header, a confusion matrix, the failures,
 * and the records as JSON in `<script type="application/json">`. Client-side
 * (a small vanilla script): the thumbnail grid, built from that JSON in
 * chunks so that 10,000 records stay responsive, with filters and sorting
 * that live in the URL hash so a link (and a headless-browser check) can open
 * a view directly:
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
import * as path from 'node:path';
import { isManifestFailure, type BatchSummary, type ManifestEntry, type ManifestFailure, type ManifestRecord } from './manifest.js';
import { percent, thousands } from './number-format.js';

export interface HtmlReportOptions {
  /** Heading and first words of the <title>; default 'gradcam report'. */
  title?: string;
  /** Display names of the classes (index -> name); default the index itself. */
  classNames?: readonly string[];
  /** Thumbnail side in CSS pixels; default 112 (the 28x28 overlay at scale 4, shown 1:1). */
  thumbnailSize?: number;
}

export const HTML_REPORT_DEFAULTS = { title: 'gradcam report', thumbnailSize: 112 } as const;

/** Confusion matrices wider than this are left out: unreadable, and quadratic in size. */
export const MAX_CONFUSION_CLASSES = 30;

/** Order of the fields of one entry in the embedded JSON (arrays, not objects: 10,000 records stay ~1 MB). */
export const REPORT_ENTRY_COLUMNS = [
  'index',
  'source',
  'output',
  'predicted',
  'probability',
  'label',
  'top',
  'explainedClass',
] as const;

// ---------------------------------------------------------------------------
// Escaping

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and
 * `&` become `\u003c`, `\u003e`, `\u0026` (still the same JSON), so neither
 * `</script>` nor `<!--` can occur and the HTML parser cannot leave the
 * element early (HTML spec, "script data" states); U+2028/U+2029 are escaped
 * too, for any reader that evaluates it as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * A relative URL for a path relative to the output directory: each segment
 * percent-encoded, so `#`, `?`, `%`, spaces and quotes in file names stay
 * part of the path (and `javascript:` cannot become a scheme). Absolute paths
 * under `baseDir` are made relative to it first.
 */
export function hrefFor(filePath: string, baseDir?: string): string {
  let relative = filePath;
  if (baseDir !== undefined && path.isAbsolute(filePath)) relative = path.relative(baseDir, filePath);
  return relative.split(path.sep).join('/').split('/').map(encodeURIComponent).join('/');
}

// ---------------------------------------------------------------------------
// Formatting

function seconds(value: number): string {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
}

// ---------------------------------------------------------------------------
// Page parts

/** The header: headline verdict, the summary's figures, links to the other files of the run. */
function summarySection(summary: BatchSummary, entryCount: number, title: string): string {
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
    `<p class="verdict${summary.labelled > summary.correct || summary.failed > 0 ? ' bad' : ''}" id="verdict">${verdict}${failed}</p>\n` +
    `<dl class="summary" id="summary">\n` +
    rows.map(([key, value]) => `<div><dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd></div>`).join('\n') +
    `\n</dl>\n${listed}<nav>${links.join(' · ')}</nav>\n</header>\n`
  );
}

/**
 * A true × predicted count table of the labelled entries, each cell a link
 * to that view of the grid (`#true=2&pred=7`), with per-class recall.
 */
function confusionSection(entries: readonly ManifestEntry[], className: (c: number) => string): string {
  const labelled = entries.filter((e) => e.label !== undefined);
  if (labelled.length === 0) return '';
  const classCount = 1 + labelled.reduce((max, e) => Math.max(max, e.predicted, e.label as number), 0);
  if (classCount > MAX_CONFUSION_CLASSES) {
    return `<section id="confusion"><h2>Confusion</h2><p class="note">${classCount} classes: too many for a table; use the filters below.</p></section>\n`;
  }
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (const e of labelled) {
    const row = counts[e.label as number] as number[];
    row[e.predicted] = (row[e.predicted] as number) + 1;
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

function failuresSection(failures: readonly ManifestFailure[]): string {
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

const CONTROLS = `<section id="explorer">
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

function styles(thumbnailSize: number): string {
  return `
:root { --thumb: ${thumbnailSize}px; --bad: #c62828; --bad-bg: #fdecea; --muted: #666; --line: #ddd; }
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 16px 20px 40px; max-width: 1600px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #111; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h2 small { font-weight: normal; color: var(--muted); font-size: 13px; }
a { color: #1558b0; }
.verdict { font-size: 16px; margin: 4px 0 12px; color: #1b5e20; }
.verdict.bad { color: var(--bad); }
.note { color: var(--muted); }
dl.summary { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 0 0 10px; }
dl.summary div { min-width: 0; }
dl.summary dt { color: var(--muted); font-size: 12px; }
dl.summary dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 2px 7px; text-align: right; }
table.confusion td a { color: inherit; text-decoration: none; display: block; }
td.zero { color: #bbb; }
td.hit { background: #e8f5e9; }
td.miss1 { background: #fdecea; } td.miss2 { background: #f8bbb5; } td.miss3 { background: #ef8a80; } td.miss4 { background: #e0483e; color: #fff; }
td.recall { color: var(--muted); }
table.failures td, table.failures th { text-align: left; vertical-align: top; }
table.failures td.source { font-family: ui-monospace, "DejaVu Sans Mono", monospace; overflow-wrap: anywhere; max-width: 40em; }
table.failures td.error { color: var(--bad); }
#controls { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; position: sticky; top: 0; background: #fff; padding: 8px 0; z-index: 1; border-bottom: 1px solid var(--line); }
#status { color: var(--muted); margin: 6px 0; }
#grid { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(calc(var(--thumb) + 16px), 1fr)); gap: 8px; }
/* Off-screen tiles skip layout and paint: 10,000 of them stay cheap. */
.tile { content-visibility: auto; contain-intrinsic-size: auto calc(var(--thumb) + 16px) calc(var(--thumb) + 74px); border: 2px solid transparent; border-radius: 4px; padding: 4px; text-align: center; }
.tile img { display: block; width: var(--thumb); height: var(--thumb); margin: 0 auto; object-fit: contain; image-rendering: pixelated; background: #eee; }
.tile .caption, .tile .truth, .tile .index { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile .caption { font-variant-numeric: tabular-nums; }
.tile .pred { font-weight: 600; }
.tile .prob, .tile .index, .tile .truth { color: var(--muted); }
.tile .truth, .tile .index { font-size: 12px; }
.tile .index { font-size: 11px; }
.tile.misclassified { border-color: var(--bad); background: var(--bad-bg); }
.tile.misclassified .truth { color: var(--bad); font-weight: 600; }
.tile.missing img { outline: 2px dashed var(--bad); }
`;
}

/**
 * The grid script. Plain ES2017 in a string (never evaluated by Node); it
 * builds the tiles with DOM methods (textContent, setAttribute), so data
 * never passes through an HTML parser on this side either.
 */
const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var CHUNK = 400;
  var data = JSON.parse(document.getElementById('gradcam-data').textContent);
  var entries = data.entries.map(function (e) {
    return { index: e[0], source: e[1], output: e[2], predicted: e[3], probability: e[4], label: e[5], top: e[6], explained: e[7] };
  });
  var form = document.getElementById('controls');
  var grid = document.getElementById('grid');
  var status = document.getElementById('status');
  var fields = form.elements;
  var generation = 0;

  function name(c) { return data.classNames && data.classNames[c] != null ? String(data.classNames[c]) : String(c); }
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function pct(p) {
    var s = (p * 100).toFixed(1);
    return (s === '100.0' && p < 1 ? '>99.9' : s) + '%';
  }
  function wrong(e) { return e.label !== null && e.label !== e.predicted; }
  function href(p) { return p.split('/').map(encodeURIComponent).join('/'); }

  function fillClassSelect(select, key, withNone) {
    var counts = {};
    var none = 0;
    entries.forEach(function (e) {
      var c = e[key];
      if (c === null) none++; else counts[c] = (counts[c] || 0) + 1;
    });
    Object.keys(counts).map(Number).sort(function (a, b) { return a - b; }).forEach(function (c) {
      select.add(new Option(name(c) + ' (' + thousands(counts[c]) + ')', String(c)));
    });
    if (withNone && none > 0) select.add(new Option('unlabelled (' + thousands(none) + ')', 'none'));
  }

  function readHash() {
    var params = new URLSearchParams(location.hash.replace(/^#/, ''));
    var sort = params.get('sort');
    return {
      pred: params.get('pred') || '',
      truth: params.get('true') || '',
      misclassified: params.has('misclassified') || params.has('wrong'),
      sort: sort === 'confidence-asc' || sort === 'confidence-desc' ? sort : 'input',
      q: params.get('q') || ''
    };
  }

  function hashOf(state) {
    var parts = [];
    if (state.misclassified) parts.push('misclassified');
    if (state.pred !== '') parts.push('pred=' + encodeURIComponent(state.pred));
    if (state.truth !== '') parts.push('true=' + encodeURIComponent(state.truth));
    if (state.sort !== 'input') parts.push('sort=' + state.sort);
    if (state.q !== '') parts.push('q=' + encodeURIComponent(state.q));
    return parts.join('&');
  }

  function formState() {
    return { pred: fields.pred.value, truth: fields['true'].value, misclassified: fields.misclassified.checked, sort: fields.sort.value, q: fields.q.value };
  }

  function showState(state) {
    // A class in the hash that no entry has still filters (to nothing): add it so the select can show it.
    [[fields.pred, state.pred], [fields['true'], state.truth]].forEach(function (pair) {
      var select = pair[0], value = pair[1];
      if (value !== '' && !Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
        select.add(new Option(value === 'none' ? 'unlabelled (0)' : name(Number(value)) + ' (0)', value));
      }
      select.value = value;
    });
    fields.misclassified.checked = state.misclassified;
    fields.sort.value = state.sort;
    fields.q.value = state.q;
  }

  function select(state) {
    var q = state.q.toLowerCase();
    var shown = entries.filter(function (e) {
      if (state.misclassified && !wrong(e)) return false;
      if (state.pred !== '' && String(e.predicted) !== state.pred) return false;
      if (state.truth === 'none' ? e.label !== null : state.truth !== '' && String(e.label) !== state.truth) return false;
      if (q !== '' && e.source.toLowerCase().indexOf(q) < 0) return false;
      return true;
    });
    if (state.sort !== 'input') {
      var sign = state.sort === 'confidence-asc' ? 1 : -1;
      shown.sort(function (a, b) { return sign * (a.probability - b.probability) || a.index - b.index; });
    }
    return shown;
  }

  function tile(e) {
    var li = document.createElement('li');
    li.className = 'tile' + (wrong(e) ? ' misclassified' : '');
    li.setAttribute('data-index', String(e.index));
    var tip = '#' + e.index + ' ' + e.source + '\npredicted ' + name(e.predicted) + ' (' + pct(e.probability) + ')';
    if (e.label !== null) tip += '\ntrue ' + name(e.label);
    if (e.explained !== null) tip += '\nheatmap explains class ' + name(e.explained);
    if (e.top.length > 2) {
      var top = [];
      for (var i = 0; i < e.top.length; i += 2) top.push(name(e.top[i]) + ' ' + pct(e.top[i + 1]));
      tip += '\ntop: ' + top.join(', ');
    }
    li.title = tip;
    var a = document.createElement('a');
    var img = document.createElement('img');
    // loading before src: an image element fetches as soon as it has a src, attached or not, unless lazy by then.
    img.loading = 'lazy';
    img.decoding = 'async';
    img.alt = 'predicted ' + name(e.predicted);
    img.onerror = function () { li.classList.add('missing'); };
    if (e.output) {
      a.href = href(e.output);
      img.src = href(e.output);
    }
    a.appendChild(img);
    li.appendChild(a);
    var caption = document.createElement('span');
    caption.className = 'caption';
    var pred = document.createElement('span');
    pred.className = 'pred';
    pred.textContent = name(e.predicted);
    var prob = document.createElement('span');
    prob.className = 'prob';
    prob.textContent = ' ' + pct(e.probability);
    caption.appendChild(pred);
    caption.appendChild(prob);
    li.appendChild(caption);
    var truth = document.createElement('span');
    truth.className = 'truth';
    truth.textContent = e.label === null ? 'no label' : wrong(e) ? '\u2717 true ' + name(e.label) : '\u2713 correct';
    li.appendChild(truth);
    var source = document.createElement('span');
    source.className = 'index';
    source.textContent = e.source;
    li.appendChild(source);
    return li;
  }

  function render(state) {
    var run = ++generation;
    var shown = select(state);
    document.body.setAttribute('data-state', 'rendering');
    grid.textContent = '';
    grid.setAttribute('data-shown', String(shown.length));
    grid.setAttribute('data-total', String(entries.length));
    var words = [];
    if (state.misclassified) words.push('misclassified');
    if (state.pred !== '') words.push('predicted ' + (state.pred === 'none' ? '-' : name(Number(state.pred))));
    if (state.truth !== '') words.push(state.truth === 'none' ? 'unlabelled' : 'true ' + name(Number(state.truth)));
    if (state.q !== '') words.push('input contains "' + state.q + '"');
    if (state.sort !== 'input') words.push(state.sort === 'confidence-asc' ? 'least confident first' : 'most confident first');
    status.textContent = 'Showing ' + thousands(shown.length) + ' of ' + thousands(entries.length) + (words.length ? ' \u00b7 ' + words.join(' \u00b7 ') : '');
    var next = 0;
    (function chunk() {
      if (run !== generation) return;
      var fragment = document.createDocumentFragment();
      var end = Math.min(shown.length, next + CHUNK);
      for (; next < end; next++) fragment.appendChild(tile(shown[next]));
      grid.appendChild(fragment);
      if (next < shown.length) setTimeout(chunk, 0);
      else document.body.setAttribute('data-state', 'ready');
    })();
  }

  var rendered = null;

  function fromHash() {
    var state = readHash();
    if (rendered !== null && hashOf(state) === rendered) return; // our own hash update
    showState(state);
    rendered = hashOf(state);
    render(state);
  }

  function fromForm() {
    var state = formState();
    var hash = hashOf(state);
    rendered = hash;
    if (location.hash.replace(/^#/, '') !== hash) {
      try {
        history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
      } catch (error) {
        location.hash = hash; // some browsers refuse replaceState on file: pages; hashchange is then ignored above
      }
    }
    render(state);
  }

  fillClassSelect(fields.pred, 'predicted', false);
  fillClassSelect(fields['true'], 'label', true);
  form.addEventListener('change', fromForm);
  form.addEventListener('input', function (event) { if (event.target === fields.q) fromForm(); });
  form.addEventListener('reset', function () { setTimeout(fromForm, 0); });
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
`;

// ---------------------------------------------------------------------------
// The page

/** The embedded JSON: one array per entry, fields in {@link REPORT_ENTRY_COLUMNS} order. */
function entryRow(e: ManifestEntry): unknown[] {
  return [
    e.index,
    e.source,
    e.output,
    e.predicted,
    Number(e.probability.toFixed(6)),
    e.label ?? null,
    e.top.flatMap((t) => [t.class, Number(t.probability.toFixed(6))]),
    e.explainedClass === e.predicted ? null : e.explainedClass,
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
  // CSP 3: the script runs because its hash is listed; nothing else may run, load from the network or connect.
  const scriptHash = createHash('sha256').update(CLIENT_SCRIPT, 'utf8').digest('base64');
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
    confusionSection(entries, className) +
    CONTROLS +
    failuresSection(failures) +
    `<footer><p class="note">gradcam manifest v${summary.manifestVersion} · ${thousands(entries.length)} entries, ${thousands(failures.length)} failures</p></footer>\n` +
    `<script type="application/json" id="gradcam-data">${data}</script>\n` +
    `<script>${CLIENT_SCRIPT}</script>\n</body>\n</html>\n`
  );
}
