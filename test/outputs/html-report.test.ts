import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  HTML_REPORT_DEFAULTS,
  REPORT_ENTRY_COLUMNS,
  escapeHtml,
  hrefFor,
  jsonForScript,
  renderHtmlReport,
} from '../../src/outputs/html-report.js';
import { colormapLookup } from '../../src/render/colormaps.js';
import type { BatchSummary, ManifestEntry, ManifestFailure, ManifestRecord } from '../../src/outputs/manifest.js';

/** A manifest entry with plausible fields; `label: null` for none. */
function entry(index: number, predicted: number, label: number | null, probability = 0.9, source?: string): ManifestEntry {
  return {
    index,
    source: source ?? `mnist:test/${index}`,
    output: `images/mnist-test-${String(index).padStart(5, '0')}.png`,
    class: predicted,
    className: String(predicted),
    probability,
    top: [
      { class: predicted, className: String(predicted), probability },
      { class: (predicted + 1) % 10, className: String((predicted + 1) % 10), probability: (1 - probability) * 0.75 },
      { class: (predicted + 2) % 10, className: String((predicted + 2) % 10), probability: (1 - probability) * 0.25 },
    ],
    ...(label === null ? {} : { label, correct: label === predicted }),
    explainedClass: predicted,
    layer: 'conv2',
    method: 'gradcam',
    score: 'logit',
    rawPeak: 0.5,
    heatmap: { peak: { x: 14, y: 12 }, mean: 0.3, inkShare: 0.6 },
  };
}

function failure(index: number, source: string, error: string): ManifestFailure {
  return { index, source, error };
}

/** A summary consistent with `records`, with fixed timings; `overrides` to vary it. */
function summaryFor(records: readonly ManifestRecord[], overrides: Partial<BatchSummary> = {}): BatchSummary {
  const entries = records.filter((r): r is ManifestEntry => !('error' in r));
  const labelled = entries.filter((e) => e.label !== undefined);
  const correct = labelled.filter((e) => e.label === e.class).length;
  return {
    schemaVersion: 2,
    manifestVersion: 2,
    inputs: records.length,
    explained: entries.length,
    failed: records.length - entries.length,
    written: entries.length,
    only: 'all',
    labelled: labelled.length,
    correct,
    accuracy: labelled.length > 0 ? correct / labelled.length : null,
    shard: null,
    backend: 'wasm',
    model: '/models/mnist-cnn/model.json',
    method: 'gradcam',
    layer: 'conv2',
    score: 'logit',
    colormap: 'jet',
    normalize: 'image',
    pictures: { kind: 'overlay', scale: 4, imageHeight: 28, imageWidth: 28, alpha: 0.4 },
    peak: 0.5,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    seconds: { load: 0.25, explain: 12.5, write: 3.75, total: 16.5 },
    imagesPerSecond: 606.06,
    outDir: '/tmp/out',
    files: {
      manifest: '/tmp/out/manifest.jsonl',
      summary: '/tmp/out/summary.json',
      contactSheets: ['/tmp/out/contact-sheet-001.png', '/tmp/out/contact-sheet-002.png'],
      report: null,
    },
    ...overrides,
  };
}

/** The text of the embedded JSON block, parsed. */
function embeddedData(html: string): { columns: string[]; entries: unknown[][]; classNames: string[] | null } {
  const match = /<script type="application\/json" id="gradcam-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(match, 'the JSON data block is present');
  return JSON.parse(match[1]!) as { columns: string[]; entries: unknown[][]; classNames: string[] | null };
}

/** `<dt>key</dt><dd>value</dd>` pairs of the summary header. */
function summaryFields(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<dt>([^<]*)<\/dt><dd>([^<]*)<\/dd>/g)].map((m) => [m[1]!, m[2]!]));
}

function count(html: string, needle: string): number {
  return html.split(needle).length - 1;
}

const HOSTILE = `</script><img src=x onerror="document.body.dataset.pwned=1">&amp; 'q' <!-- \u2028`;

describe('escaping helpers', () => {
  const htmlCases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['a < b && c > d', 'a &lt; b &amp;&amp; c &gt; d'],
    [`"double" 'single'`, '&quot;double&quot; &#39;single&#39;'],
    ['</script>', '&lt;/script&gt;'],
    ['&amp;', '&amp;amp;'],
  ];
  for (const [text, escaped] of htmlCases) {
    it(`escapeHtml(${JSON.stringify(text)})`, () => assert.equal(escapeHtml(text), escaped));
  }

  it('jsonForScript round-trips and contains no <, >, &, U+2028/2029', () => {
    const value = { source: HOSTILE, list: ['<!--', '-->', '\u2029', 'ünïcode ✓'], n: 1.5 };
    const json = jsonForScript(value);
    assert.deepEqual(JSON.parse(json), value);
    assert.doesNotMatch(json, /[<>&\u2028\u2029]/);
  });

  const hrefCases: Array<[path: string, base: string | undefined, href: string]> = [
    ['images/mnist-test-00042.png', undefined, 'images/mnist-test-00042.png'],
    ['images/a b#c?d%e.png', undefined, 'images/a%20b%23c%3Fd%25e.png'],
    ['images/"<x>".png', undefined, 'images/%22%3Cx%3E%22.png'],
    ['javascript:alert(1)', undefined, 'javascript%3Aalert(1)'], // stays a relative path
    ['/tmp/out/contact-sheet-001.png', '/tmp/out', 'contact-sheet-001.png'],
    ['/tmp/out/sub/x y.png', '/tmp/out', 'sub/x%20y.png'],
    ['/elsewhere/x.png', '/tmp/out', '../../elsewhere/x.png'],
  ];
  for (const [path, base, href] of hrefCases) {
    it(`hrefFor(${JSON.stringify(path)}${base ? `, ${base}` : ''}) = ${href}`, () => assert.equal(hrefFor(path, base), href));
  }
});

describe('renderHtmlReport', () => {
  const records: ManifestRecord[] = [
    entry(0, 7, 7, 0.99),
    entry(1, 2, 2, 0.97),
    entry(2, 5, 3, 0.61), // misclassified
    failure(3, 'digits/broken.png', 'cannot decode digits/broken.png: unsupported image format'),
    entry(4, 1, null, 0.8, 'digits/unlabelled one.png'),
    entry(5, 7, 2, 0.55), // misclassified
    entry(6, 7, 7, 0.91),
  ];

  it('is a complete document with one JSON block and one script, and balanced sections', () => {
    const html = renderHtmlReport(records, summaryFor(records));
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.match(html, /<\/body>\n<\/html>\n$/);
    assert.equal(count(html, '<script'), 2);
    assert.equal(count(html, '</script>'), 2);
    for (const tag of ['section', 'table', 'tr', 'ul', 'form', 'header', 'dl', 'select', 'nav', 'label', 'p']) {
      assert.equal(count(html, `<${tag}>`) + count(html, `<${tag} `), count(html, `</${tag}>`), `<${tag}> opened and closed alike`);
    }
    assert.match(html, /<ul id="grid"><\/ul>/);
    assert.match(html, /<body data-state="loading">/);
  });

  it('embeds every entry, in input order, with the documented columns', () => {
    const html = renderHtmlReport(records, summaryFor(records));
    const data = embeddedData(html);
    assert.deepEqual(data.columns, [...REPORT_ENTRY_COLUMNS]);
    const entries = records.filter((r): r is ManifestEntry => !('error' in r));
    assert.equal(data.entries.length, entries.length);
    const column = (name: (typeof REPORT_ENTRY_COLUMNS)[number]) => REPORT_ENTRY_COLUMNS.indexOf(name);
    data.entries.forEach((row, i) => {
      const e = entries[i]!;
      assert.equal(row[column('index')], e.index);
      assert.equal(row[column('source')], e.source);
      assert.equal(row[column('output')], e.output);
      assert.equal(row[column('class')], e.class);
      assert.equal(row[column('probability')], e.probability);
      assert.equal(row[column('label')], e.label ?? null);
      assert.deepEqual(row[column('top')], e.top.flatMap((t) => [t.class, Number(t.probability.toFixed(6))]));
      assert.equal(row[column('explainedClass')], null); // explains the predicted class
      assert.deepEqual(row[column('notes')], e.notes === undefined || e.notes.length === 0 ? null : e.notes);
    });
  });

  it('embeds an entry\'s notes (a GIF\'s frame, low confidence), shown on its tile (issue 12, item 13)', () => {
    const entry = records.find((r): r is ManifestEntry => !('error' in r))!;
    const noted = [{ ...entry, notes: ['used frame 1 of 3', 'low confidence (43%)'] }, ...records.filter((r) => r !== entry)];
    const data = embeddedData(renderHtmlReport(noted, summaryFor(noted)));
    assert.deepEqual(data.entries[0]![REPORT_ENTRY_COLUMNS.indexOf('notes')], ['used frame 1 of 3', 'low confidence (43%)']);
  });

  it('shows the counts, accuracy, backend, layer, score and timings of the summary', () => {
    const summary = summaryFor(records, {
      inputs: 12_345,
      explained: 12_000,
      failed: 345,
      written: 12_000,
      labelled: 12_000,
      correct: 11_880,
      accuracy: 0.99,
      backend: 'tensorflow',
      layer: 'conv1',
      score: 'prob',
      imagesPerSecond: 1234.4,
    });
    const html = renderHtmlReport(records, summary);
    const fields = summaryFields(html);
    const expected: Array<[string, string]> = [
      ['Inputs', '12,345'],
      ['Explained', '12,000'],
      ['Failed', '345'],
      ['Labelled', '12,000'],
      ['Correct', '11,880'],
      ['Misclassified', '120'],
      ['Accuracy', '99.00%'],
      ['Backend', 'tensorflow'],
      ['Model', '/models/mnist-cnn/model.json'],
      ['Layer', 'conv1'],
      ['Score', 'prob'],
      ['Time', 'load 0.25 s · explain 12.5 s · write 3.75 s · total 16.5 s'],
      ['Speed', '1,234 images/s'],
    ];
    for (const [key, value] of expected) assert.equal(fields.get(key), value, key);
    assert.equal(fields.has('Shard'), false);
    assert.match(html, /id="verdict">99\.00% accuracy: 11,880 of 12,000 correct, 120 misclassified; <a href="#failures">345 failed<\/a>/);
    assert.match(html, /<title>gradcam report · 99\.00% of 12,000 · conv1<\/title>/);
  });

  it('shows the shard, the --only selection and links to files relative to the output directory', () => {
    const summary = summaryFor(records, {
      shard: { index: 2, count: 4, of: 10_000 },
      only: 'misclassified',
      explained: 2_500,
      written: 2,
    });
    const html = renderHtmlReport(records, summary);
    const fields = summaryFields(html);
    assert.equal(fields.get('Shard'), '2/4 of 10,000 inputs');
    assert.equal(fields.get('Kept (--only misclassified)'), '2');
    assert.match(html, /Only the misclassified inputs are listed \(--only misclassified\): 6 of the 2,500 explained\./);
    assert.doesNotMatch(renderHtmlReport(records, summaryFor(records)), /Only the/);
    assert.match(html, /<a href="manifest.jsonl">manifest<\/a>/);
    assert.match(html, /<a href="summary.json">summary<\/a>/);
    assert.match(html, /contact sheets <a href="contact-sheet-001.png" aria-label="contact sheet 1">1<\/a> <a href="contact-sheet-002.png"/);
  });

  it('without labels: no accuracy, no confusion matrix', () => {
    const unlabelled = [entry(0, 3, null), entry(1, 4, null)];
    const html = renderHtmlReport(unlabelled, summaryFor(unlabelled));
    assert.equal(summaryFields(html).get('Accuracy'), 'no labels');
    assert.doesNotMatch(html, /id="confusion"/);
    assert.match(html, /id="verdict">2 inputs explained, no labels</);
  });

  it('has a confusion matrix with hand-counted cells linking to their view, and per-class recall', () => {
    const html = renderHtmlReport(records, summaryFor(records));
    // Labelled entries: (true 7, pred 7) x2, (2, 2), (3, 5), (2, 7).
    const cell = (t: number, p: number) =>
      new RegExp(`<td class="[^"]*"><a href="#true=${t}&amp;pred=${p}" title="[^"]*">(\\d+)</a></td>`).exec(html)?.[1];
    assert.equal(cell(7, 7), '2');
    assert.equal(cell(2, 2), '1');
    assert.equal(cell(3, 5), '1');
    assert.equal(cell(2, 7), '1');
    assert.equal(cell(3, 3), undefined); // empty cell: no link
    const row = (t: number) => new RegExp(`<tr><th scope="row">${t}</th>(.*?)</tr>`).exec(html)?.[1] ?? '';
    assert.match(row(2), /<td class="recall">50\.00%<\/td>$/); // 1 of 2
    assert.match(row(3), /<td class="recall">0\.00%<\/td>$/);
    assert.match(row(7), /<td class="recall">100\.00%<\/td>$/);
    assert.match(row(0), /<td class="recall"><\/td>$/); // no true 0
    // Every class of the model (10), though only 2, 3, 5 and 7 occur (issue 13: this was a 0..7 table).
    assert.equal(count(html, '<tr><th scope="row">'), 10);
    const header = /<tr><th scope="col">true \\ pred<\/th>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    assert.deepEqual([...header.matchAll(/<th scope="col">([^<]*)<\/th>/g)].map((m) => m[1]), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'recall']);
    assert.match(row(9), /^(<td class="zero">·<\/td>){10}<td class="recall"><\/td>$/);
  });

  it('a class beyond the model\'s names still gets its row and column', () => {
    const wide = [entry(0, 11, 11)];
    const html = renderHtmlReport(wide, summaryFor(wide));
    assert.equal(count(html, '<tr><th scope="row">'), 12);
  });

  it('colours the headline by accuracy: green ≥ 95%, amber ≥ 80%, red below; failures keep it out of the green', () => {
    const level = (accuracy: number | null, failed = 0) => {
      const html = renderHtmlReport(records, summaryFor(records, { accuracy, failed }));
      return /<p class="verdict ([a-z]+)" id="verdict">/.exec(html)?.[1];
    };
    assert.equal(level(0.9899), 'good', '98.99% is not red');
    assert.equal(level(0.95), 'good');
    assert.equal(level(0.9499), 'fair');
    assert.equal(level(0.8), 'fair');
    assert.equal(level(0.7999), 'bad');
    assert.equal(level(1, 3), 'fair');
    assert.equal(level(0.5, 3), 'bad');
    assert.equal(level(null), 'none');
    assert.equal(level(null, 1), 'bad');
  });

  it('carries a colour bar of the run\'s colormap, band for band its 256 LUT rows, and says what 1 is', () => {
    const html = renderHtmlReport(records, summaryFor(records, { colormap: 'viridis', normalize: 'batch', peak: 3.2749 }));
    const style = /<div class="colour-bar"[^>]*style="background: linear-gradient\(to right, ([^"]*)\)"/.exec(html)?.[1] ?? '';
    const bands = [...style.matchAll(/rgb\((\d+),(\d+),(\d+)\) ([\d.]+)% ([\d.]+)%/g)];
    assert.equal(bands.length, 256);
    const lut = colormapLookup('viridis');
    assert.deepEqual(bands[0]!.slice(1, 4).map(Number), Array.from(lut.subarray(0, 3)), 'starts at viridis(0)');
    assert.deepEqual(bands[255]!.slice(1, 4).map(Number), Array.from(lut.subarray(765, 768)), 'ends at viridis(1)');
    assert.deepEqual([bands[0]![4], bands[255]![5]], ['0', '100']);
    assert.match(html, /<div class="colour-ticks"><span>0<\/span><span>0\.5<\/span><span>1<\/span><\/div>/);
    assert.match(html, /<figcaption>viridis: 1 = the run&#39;s largest raw peak, 3\.27 \(logit\)/);
    const own = renderHtmlReport(records, summaryFor(records));
    assert.match(own, /<figcaption>jet: 1 = each map&#39;s own raw peak \(logit\); the largest in this run is 0\.5/);
  });

  it('lists failures with their messages', () => {
    const html = renderHtmlReport(records, summaryFor(records));
    assert.match(html, /<h2>Failed inputs \(1\)<\/h2>/);
    assert.match(
      html,
      /<tr><td class="num">3<\/td><td class="source">digits\/broken.png<\/td><td class="error">cannot decode digits\/broken.png: unsupported image format<\/td><\/tr>/,
    );
    const none = renderHtmlReport([entry(0, 1, 1)], summaryFor([entry(0, 1, 1)]));
    assert.doesNotMatch(none, /id="failures"/);
  });

  it('escapes hostile sources, outputs, errors, model paths and titles', () => {
    const hostile: ManifestRecord[] = [
      { ...entry(0, 1, 2, 0.5, HOSTILE), output: `images/${HOSTILE}.png` },
      failure(1, HOSTILE, `cannot read ${HOSTILE}`),
    ];
    const summary = summaryFor(hostile, {
      model: `/m/${HOSTILE}/model.json`,
      layer: '<b>conv2</b>',
      backend: '"wasm"',
      outDir: '/tmp/out',
      files: {
        manifest: '/tmp/out/manifest.jsonl',
        summary: '/tmp/out/summary.json',
        contactSheets: [`/tmp/out/${HOSTILE}.png`],
        report: null,
      },
    });
    const html = renderHtmlReport(hostile, summary, { title: '<i>report</i>', classNames: ['<zero>', '"one"', "'two'"] });
    // The parser sees exactly our two script elements and no markup from the data.
    assert.equal(count(html, '<script'), 2);
    assert.equal(count(html, '</script>'), 2);
    assert.equal(count(html, '<img'), 0);
    assert.equal(count(html, '<!--'), 0);
    assert.equal(count(html, '<b>'), 0);
    assert.equal(count(html, '<i>'), 0);
    // U+2028 is plain text in HTML; only the JSON block must not carry it raw.
    assert.doesNotMatch(/id="gradcam-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '', /[\u2028<>]/);
    const escaped = escapeHtml(HOSTILE);
    assert.match(html, new RegExp(`<td class="source">${escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>`));
    assert.ok(html.includes(`<dd>/m/${escaped}/model.json</dd>`));
    assert.ok(html.includes('<dd>&lt;b&gt;conv2&lt;/b&gt;</dd>'));
    assert.ok(html.includes('<h1>&lt;i&gt;report&lt;/i&gt;</h1>'));
    assert.ok(html.includes('<th scope="col">&lt;zero&gt;</th>'));
    // The file link is percent-encoded, then attribute-escaped.
    assert.ok(html.includes(`<a href="${escapeHtml(hrefFor(`${HOSTILE}.png`))}">contact sheet</a>`));
    // The data survives intact.
    const data = embeddedData(html);
    assert.equal(data.entries[0]![1], HOSTILE);
    assert.equal(data.entries[0]![2], `images/${HOSTILE}.png`);
    assert.deepEqual(data.classNames, ['<zero>', '"one"', "'two'"]);
  });

  it('allows its script by SHA-256 in a Content-Security-Policy that forbids network access', () => {
    const html = renderHtmlReport(records, summaryFor(records));
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    assert.ok(csp);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1];
    assert.ok(script);
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    assert.ok(csp.includes(`script-src 'sha256-${hash}'`), 'the inline script hash is allowed');
    assert.ok(csp.includes("default-src 'none'"));
    assert.doesNotMatch(csp, /https?:/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external resources');
  });

  it('embeds the compiled client script (report-client/report-client.js next to html-report.js) verbatim', () => {
    const compiled = readFileSync(new URL('../../src/outputs/report-client/report-client.js', import.meta.url), 'utf8');
    assert.match(compiled, /gradcam-data/);
    assert.ok(renderHtmlReport(records, summaryFor(records)).includes(`<script>${compiled}</script>\n</body>`));
  });

  it('sets the thumbnail size in CSS', () => {
    assert.match(renderHtmlReport(records, summaryFor(records)), /--thumb: 112px;/);
    assert.match(renderHtmlReport(records, summaryFor(records), { thumbnailSize: 84 }), /--thumb: 84px;/);
    assert.equal(HTML_REPORT_DEFAULTS.thumbnailSize, 112);
  });

  it('stays about 120 bytes per entry for 10,000 entries and renders in well under a second', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => entry(i, i % 10, (i * 7) % 10 === 3 ? (i + 1) % 10 : i % 10, 0.5 + (i % 50) / 100));
    const started = performance.now();
    const html = renderHtmlReport(many, summaryFor(many));
    const ms = performance.now() - started;
    assert.equal(embeddedData(html).entries.length, 10_000);
    assert.ok(html.length < 10_000 * 160 + 30_000, `${html.length} characters`);
    assert.ok(ms < 2000, `${ms.toFixed(0)} ms`);
  });
});
