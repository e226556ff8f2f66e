/**
 * The HTML report's browser script (src/outputs/report-client/): type-checked
 * by tsconfig.client.json as part of both builds, compiled to a classic
 * script, and embedded by the bundled CLI from its dist/ copy
 * (html-report.test.ts checks that renderHtmlReport embeds the build/ copy).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Script } from 'node:vm';
import { packageRoot } from '../../src/package-root.js';
import { runCli } from '../helpers/run-cli.js';

const run = promisify(execFile);
const root = packageRoot();
const SOURCE = path.join(root, 'src', 'outputs', 'report-client', 'report-client.ts');
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
/** The compiled script next to build/src/outputs/html-report.js, which these tests import. */
const COMPILED = new URL('../../src/outputs/report-client/report-client.js', import.meta.url);

/** tsc with tsconfig.client.json's options on one copy of the script; resolves with the exit code and output. */
async function typeCheck(dir: string, source: string): Promise<{ code: number; output: string }> {
  await fs.writeFile(path.join(dir, 'report-client.ts'), source);
  const config = { extends: path.join(root, 'tsconfig.client.json'), compilerOptions: { noEmit: true, rootDir: '.' }, include: ['report-client.ts'] };
  await fs.writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
  try {
    const { stdout } = await run(process.execPath, [TSC, '-p', dir]);
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, output: failed.stdout };
  }
}

describe('report client script', () => {
  let tmp: string;
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-report-client-'));
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('is compiled by tsconfig.client.json in both builds, into the directories html-report.js reads', () => {
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts['build'] ?? '', /tsc -p tsconfig\.client\.json(?! --outDir)/);
    assert.match(scripts['build:test'] ?? '', /tsc -p tsconfig\.client\.json --outDir build\/src\/outputs\/report-client/);
  });

  it('is type-checked with the DOM types: the unchanged source passes, a type error fails', async () => {
    const source = await fs.readFile(SOURCE, 'utf8');
    const clean = await typeCheck(tmp, source);
    assert.equal(clean.code, 0, clean.output);
    const brokenSource = source.replace('const CHUNK = 400;', "const CHUNK: number = '400';");
    assert.notEqual(brokenSource, source, 'the test found the line it breaks');
    const broken = await typeCheck(tmp, brokenSource);
    assert.notEqual(broken.code, 0);
    assert.match(broken.output, /report-client\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it('compiles to a classic script: no import or export, no source map comment, nothing that ends <script> early', () => {
    const script = readFileSync(COMPILED, 'utf8');
    assert.doesNotThrow(() => new Script(script, { filename: 'report-client.js' }), 'parses as a classic script');
    assert.doesNotMatch(script, /^\s*(import|export)\b/m);
    assert.doesNotMatch(script, /sourceMappingURL/);
    assert.doesNotMatch(script, /<\/script|<!--/i);
  });

  it('is embedded by the bundled CLI (dist/cli.js) from its dist/ copy', async () => {
    const out = path.join(tmp, 'out');
    const cli = await runCli(['explain', '--mnist-index', '0..2', '--out-dir', out], tmp);
    assert.equal(cli.code, 0, cli.stderr);
    const html = await fs.readFile(path.join(out, 'index.html'), 'utf8');
    const script = await fs.readFile(path.join(root, 'dist', 'outputs', 'report-client', 'report-client.js'), 'utf8');
    assert.ok(html.includes(`<script>${script}</script>`));
  });
});
