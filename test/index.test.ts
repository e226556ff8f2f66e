/**
 * The library entry point (src/index.ts): what it exports, and that importing
 * it has no effect of its own. The packed package is tested through its name
 * in test/package/packed-tarball.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const INDEX = fileURLToPath(new URL('../src/index.js', import.meta.url));

/** Imports the entry point in a fresh process and reports what changed around the import. */
const PROBE = `
const events = ['uncaughtException', 'unhandledRejection', 'exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'warning'];
const listeners = () => Object.fromEntries(events.map((e) => [e, process.listenerCount(e)]));
const before = { listeners: listeners(), exitCode: process.exitCode, env: JSON.stringify(process.env), cwd: process.cwd() };
const library = await import(process.argv[1]);
const after = { listeners: listeners(), exitCode: process.exitCode, env: JSON.stringify(process.env), cwd: process.cwd() };
process.stderr.write(JSON.stringify({ before, after, names: Object.keys(library) }));
`;

const EXPECTED = [
  'explainImage',
  'createCam',
  'createGradcam',
  'CAM_METHODS',
  'CAM_METHOD_NAMES',
  'DEFAULT_CAM_METHOD',
  'SCORE_KINDS',
  'DEFAULT_SCORE_KIND',
  'loadModel',
  'MODEL_FORMATS',
  'detectModelFormat',
  'bundledModelDir',
  'stackImages',
  'loadDigitImage',
  'initBackend',
  'explain',
  'evaluate',
  'evaluateMethods',
  'EVALUATION_METRICS',
  'predict',
  'train',
  'renderOverlay',
  'renderPanel',
  'renderComparison',
  'resizeMaps',
  'RENDER_DEFAULTS',
  'GradcamError',
  'EXIT_CODES',
  'topClasses',
  'argMax',
];

describe('the library entry point', () => {
  it('prints nothing and leaves process alone when imported', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', PROBE, INDEX]);
    assert.equal(stdout, '');
    const { before, after, names } = JSON.parse(stderr) as { before: unknown; after: unknown; names: string[] };
    assert.deepEqual(after, before);
    const missing = EXPECTED.filter((name) => !names.includes(name));
    assert.deepEqual(missing, [], 'exported names');
  });
});
