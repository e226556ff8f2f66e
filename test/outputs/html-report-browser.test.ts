/**
 * The HTML report in a real browser: headless Chromium renders a report of a
 * small synthetic manifest (a misclassified entry, an unlabelled one, a
 * failure, and hostile file names) and the test reads the DOM it dumps, for
 * several views selected by the URL hash. Then scripts/check-report.sh runs
 * on the same directory. Skipped when /usr/bin/chromium is missing (Debian:
 * `apt-get install chromium`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import sharp = require('sharp');
import { renderHtmlReport } from '../../src/outputs/html-report.js';
import type { BatchSummary, ManifestEntry, ManifestRecord } from '../../src/outputs/manifest.js';
import { encodePng } from '../../src/render/png.js';
import { packageRoot } from '../../src/package-root.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium) to run the browser test`;

/** What a crafted file name would do if it reached the HTML parser unescaped: mark the body. */
const HOSTILE_SOURCE =
  `digits/</script><script>document.title='pwned'</script>` +
  `<img src=x onerror="document.body.setAttribute('data-pwned','1')"> & "q" #1?.png`;
/** A real file name with every character that needs escaping in HTML or a URL ('/' cannot occur). */
const HOSTILE_FILE = `x<b>"q" 'a' & #1?%20.png`;

function entry(index: number, predicted: number, label: number | null, probability: number, output: string, source?: string): ManifestEntry {
  return {
    index,
    source: source ?? `mnist:test/${index}`,
    output,
    class: predicted,
    className: String(predicted),
    probability,
    top: [{ class: predicted, className: String(predicted), probability }],
    ...(label === null ? {} : { label, correct: label === predicted }),
    explainedClass: predicted,
    layer: 'conv2',
    method: 'gradcam',
    score: 'logit',
    rawPeak: 0.5,
    heatmap: { peak: { x: 1, y: 1 }, mean: 0.5, inkShare: 0.5 },
  };
}

const RECORDS: ManifestRecord[] = [
  entry(0, 7, 7, 0.99, 'images/mnist-test-00000.png'),
  entry(1, 3, 5, 0.6, `images/${HOSTILE_FILE}`, HOSTILE_SOURCE), // misclassified, hostile names
  { index: 2, source: HOSTILE_SOURCE, error: `cannot decode ${HOSTILE_SOURCE}: <unsupported>` },
  entry(3, 3, null, 0.8, 'images/unlabelled.png', 'digits/unlabelled.png'),
  entry(4, 3, 3, 0.95, 'images/mnist-test-00004.png'),
  entry(5, 1, 1, 0.7, 'images/mnist-test-00005.png'),
];
const ENTRY_INDICES = [0, 1, 3, 4, 5];

function summary(outDir: string): BatchSummary {
  return {
    schemaVersion: 2,
    manifestVersion: 2,
    inputs: 6,
    explained: 5,
    failed: 1,
    written: 5,
    only: 'all',
    labelled: 4,
    correct: 3,
    accuracy: 0.75,
    shard: null,
    backend: 'cpu',
    model: 'models/test/model.json',
    method: 'gradcam',
    layer: 'conv2',
    score: 'logit',
    colormap: 'jet',
    normalize: 'image',
    pictures: { kind: 'overlay', scale: 4, imageHeight: 28, imageWidth: 28, alpha: 0.4 },
    peak: 0.5,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    seconds: { load: 0.1, explain: 0.2, write: 0.3, total: 0.6 },
    imagesPerSecond: 10,
    outDir,
    files: {
      manifest: path.join(outDir, 'manifest.jsonl'),
      summary: path.join(outDir, 'summary.json'),
      contactSheets: [],
      report: path.join(outDir, 'index.html'),
    },
  };
}

interface PageState {
  dom: string;
  /** data-index of the tiles, in document order. */
  tiles: number[];
  misclassified: number[];
  missing: number[];
  state: string | undefined;
  status: string | undefined;
  title: string | undefined;
}

let tmp = '';

/** Loads index.html#hash in headless Chromium and reads the DOM it ends with. */
async function load(hash: string): Promise<PageState> {
  const profile = await fs.mkdtemp(path.join(tmp, 'profile-'));
  const url = pathToFileURL(path.join(tmp, 'out', 'index.html')).href + (hash ? `#${hash}` : '');
  const { stdout } = await run(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      // Lets the page's script (and its chunked rendering) run to the end before the dump.
      '--virtual-time-budget=5000',
      '--dump-dom',
      url,
    ],
    { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
  );
  const tiles = [...stdout.matchAll(/<li class="(tile[^"]*)" data-index="(\d+)"/g)].map((m) => ({
    classes: m[1]!.split(' '),
    index: Number(m[2]),
  }));
  return {
    dom: stdout,
    tiles: tiles.map((t) => t.index),
    misclassified: tiles.filter((t) => t.classes.includes('misclassified')).map((t) => t.index),
    missing: tiles.filter((t) => t.classes.includes('missing')).map((t) => t.index),
    state: /<body[^>]*data-state="([a-z]+)"/.exec(stdout)?.[1],
    status: /<p id="status"[^>]*>([^<]*)<\/p>/.exec(stdout)?.[1],
    title: /<title>([^<]*)<\/title>/.exec(stdout)?.[1],
  };
}

/** A small distinct PNG per entry, so a broken link shows up as a missing image. */
async function tinyPng(shade: number): Promise<Buffer> {
  const data = new Uint8Array(8 * 8 * 3).fill(shade);
  return encodePng({ data, width: 8, height: 8 });
}

describe('HTML report in headless Chromium', { skip }, () => {
  const views = new Map<string, Promise<PageState>>();
  const view = (hash: string) => {
    if (!views.has(hash)) views.set(hash, load(hash));
    return views.get(hash)!;
  };

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-report-browser-'));
    const out = path.join(tmp, 'out');
    await fs.mkdir(path.join(out, 'images'), { recursive: true });
    for (const [i, record] of RECORDS.entries()) {
      if ('output' in record) await fs.writeFile(path.join(out, record.output), await tinyPng(40 * i));
    }
    await fs.writeFile(path.join(out, 'manifest.jsonl'), RECORDS.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await fs.writeFile(path.join(out, 'summary.json'), JSON.stringify(summary(out)));
    await fs.writeFile(path.join(out, 'index.html'), renderHtmlReport(RECORDS, summary(out)));
    // Start the browsers together: each costs a second or two of start-up.
    for (const hash of ['', 'misclassified', 'pred=3&sort=confidence-asc', 'true=none', 'sort=confidence-desc', 'q=unlabelled']) {
      view(hash).catch(() => undefined); // awaited (and reported) by the tests
    }
  });

  after(async () => {
    await Promise.allSettled(views.values());
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('renders a tile for every entry, in input order, and marks the misclassified one', async () => {
    const page = await view('');
    assert.equal(page.state, 'ready');
    assert.deepEqual(page.tiles, ENTRY_INDICES);
    assert.deepEqual(page.misclassified, [1]);
    assert.equal(page.status, 'Showing 5 of 5');
    assert.match(page.dom, /<ul id="grid" data-shown="5" data-total="5">/);
  });

  it('loads every thumbnail, including the one whose file name needs escaping', async () => {
    const page = await view('');
    assert.deepEqual(page.missing, []);
  });

  it('lets no file name inject markup or script', async () => {
    const page = await view('');
    // The payload's text is on the page (escaped), but as text: no attribute set, no element created.
    assert.doesNotMatch(/<body[^>]*>/.exec(page.dom)?.[0] ?? '', /data-pwned/);
    assert.doesNotMatch(page.dom, /<img src="?x/);
    assert.notEqual(page.title, 'pwned');
    assert.match(page.title ?? '', /^gradcam report · 75\.00% of 4 · conv2$/);
    assert.equal(page.dom.split('<script').length - 1, 2, 'exactly our two script elements');
    // The hostile source is shown as text in the failure table (and in the tile's caption).
    assert.ok(page.dom.includes('&lt;/script&gt;&lt;script&gt;document.title=\'pwned\'&lt;/script&gt;'));
    assert.match(page.dom, /<td class="error">cannot decode digits\/&lt;\/script&gt;/);
    assert.match(page.dom, /<h2>Failed inputs \(1\)<\/h2>/);
  });

  const cases: Array<{ hash: string; tiles: number[]; status: string; why: string }> = [
    { hash: 'misclassified', tiles: [1], status: 'Showing 1 of 5 · misclassified', why: 'only the mistake' },
    {
      hash: 'pred=3&sort=confidence-asc',
      tiles: [1, 3, 4], // probabilities 0.6, 0.8, 0.95
      status: 'Showing 3 of 5 · predicted 3 · least confident first',
      why: 'predicted 3, least confident first',
    },
    { hash: 'true=none', tiles: [3], status: 'Showing 1 of 5 · unlabelled', why: 'the unlabelled entry' },
    {
      hash: 'sort=confidence-desc',
      tiles: [0, 4, 3, 5, 1], // 0.99, 0.95, 0.8, 0.7, 0.6
      status: 'Showing 5 of 5 · most confident first',
      why: 'all, most confident first',
    },
    { hash: 'q=unlabelled', tiles: [3], status: 'Showing 1 of 5 · input contains "unlabelled"', why: 'a search in the sources' },
  ];
  for (const { hash, tiles, status, why } of cases) {
    it(`#${hash} shows ${why}`, async () => {
      const page = await view(hash);
      assert.equal(page.state, 'ready');
      assert.deepEqual(page.tiles, tiles);
      assert.equal(page.status, status);
    });
  }

  it('scripts/check-report.sh screenshots the report, dumps its DOM and passes its checks', async () => {
    const out = path.join(tmp, 'out');
    const checkDir = path.join(tmp, 'check');
    const { stdout } = await run('bash', [path.join(packageRoot(), 'scripts', 'check-report.sh'), out], {
      timeout: 120_000,
      env: { ...process.env, CHECK_DIR: checkDir, CHROMIUM, WINDOW: '800x600' },
    });
    assert.match(stdout, /thumbnails: +5 shown \(1 misclassified\), 0 missing image\(s\)/);
    const shot = await sharp(path.join(checkDir, 'screenshot.png')).metadata();
    assert.equal(shot.width, 800);
    assert.equal(shot.height, 600);
    assert.match(await fs.readFile(path.join(checkDir, 'dom.html'), 'utf8'), /data-state="ready"/);
  });
});
