/** Class names from a labels file or a Teachable Machine metadata.json (issue 9). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../src/backend/init-backend.js';
import { EXIT_CODES, GradcamError } from '../../src/errors.js';
import { parseLabels, withClassNames } from '../../src/model/class-labels.js';
import { bundledModelDir, loadModel, MODEL_JSON } from '../../src/model/model-files.js';
import { runCli } from '../helpers/run-cli.js';
import { temporaryDirectory } from '../helpers/temp-dir.js';

const DIGIT_NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const isUsage = (pattern: RegExp) => (error: unknown) => error instanceof GradcamError && error.exitCode === EXIT_CODES.usage && pattern.test(error.message);

describe('parseLabels', () => {
  it('reads one name per line, a JSON array, and Teachable Machine\'s numbered labels.txt', () => {
    assert.deepEqual(parseLabels('cat\ndog\r\nbird\n\n', 'l.txt'), ['cat', 'dog', 'bird']);
    assert.deepEqual(parseLabels('\uFEFF["cat", "hot dog"]', 'l.json'), ['cat', 'hot dog']);
    assert.deepEqual(parseLabels('0 Class 1\n1 Class 2\n', 'labels.txt'), ['Class 1', 'Class 2']);
    // Numbers that are not 0, 1, 2… in order are part of the names.
    assert.deepEqual(parseLabels('1 one\n0 zero\n', 'l.txt'), ['1 one', '0 zero']);
  });
  it('refuses a blank line among the names, and a JSON list of other things', () => {
    assert.throws(() => parseLabels('cat\n\ndog', 'l.txt'), isUsage(/^--labels l\.txt: a blank line among the names/));
    assert.throws(() => parseLabels('[1, 2]', 'l.json'), isUsage(/must hold class names/));
    assert.throws(() => parseLabels('[oops', 'l.json'), isUsage(/not a valid JSON array/));
  });
});

describe('withClassNames', () => {
  const dir = temporaryDirectory('gradcam-labels-');
  before(() => initBackend('cpu'));

  it('a labels file names the classes; one of the wrong length is refused, naming both counts', async () => {
    await fs.writeFile(path.join(dir(), 'names.txt'), DIGIT_NAMES.join('\n'));
    await fs.writeFile(path.join(dir(), 'nine.txt'), DIGIT_NAMES.slice(0, 9).join('\n'));
    const loaded = await loadModel(bundledModelDir());
    try {
      const named = await withClassNames(loaded, path.join(dir(), 'names.txt'));
      assert.deepEqual(named.metadata.classNames, DIGIT_NAMES);
      assert.equal(named.classNamesFrom, 'labels file');
      await assert.rejects(withClassNames(loaded, path.join(dir(), 'nine.txt')), isUsage(/nine\.txt: 9 class names for a model of 10 classes/));
      await assert.rejects(withClassNames(loaded, path.join(dir(), 'missing.txt')), isUsage(/missing\.txt: cannot read it \(ENOENT\)/));
      assert.equal((await withClassNames(loaded)).classNamesFrom, 'gradcam metadata');
    } finally {
      loaded.model.dispose();
    }
  });

  it('a model without gradcam metadata takes the labels of a Teachable Machine metadata.json beside it', async () => {
    const modelDir = path.join(dir(), 'tm');
    await fs.cp(bundledModelDir(), modelDir, { recursive: true });
    const json = JSON.parse(await fs.readFile(path.join(modelDir, MODEL_JSON), 'utf8')) as { userDefinedMetadata?: unknown };
    delete json.userDefinedMetadata;
    await fs.writeFile(path.join(modelDir, MODEL_JSON), JSON.stringify(json));
    await fs.writeFile(path.join(modelDir, 'metadata.json'), JSON.stringify({ tfjsVersion: '1.3.1', labels: DIGIT_NAMES, imageSize: 28 }));
    const loaded = await loadModel(modelDir);
    try {
      const named = await withClassNames(loaded);
      assert.equal(named.classNamesFrom, 'Teachable Machine metadata.json');
      assert.deepEqual(named.metadata.classNames, DIGIT_NAMES);
      await fs.writeFile(path.join(modelDir, 'metadata.json'), JSON.stringify({ labels: ['a', 'b'] }));
      await assert.rejects(withClassNames(loaded), isUsage(/metadata\.json: 2 labels for a model of 10 classes; pass --labels FILE/));
    } finally {
      loaded.model.dispose();
    }
  });

  it('CLI: predict --labels names the class in text and JSON; a wrong count is exit 2 in one line', async () => {
    await fs.writeFile(path.join(dir(), 'names.txt'), DIGIT_NAMES.join('\n'));
    const json = await runCli(['predict', '--mnist-index', '0', '--labels', 'names.txt', '--json', '--backend', 'cpu'], dir());
    assert.equal(json.code, 0, json.stderr);
    const [prediction] = (JSON.parse(json.stdout) as { predictions: { className: string; top: { className: string }[] }[] }).predictions;
    assert.equal(prediction!.className, 'seven');
    assert.equal(prediction!.top[0]!.className, 'seven');
    await fs.writeFile(path.join(dir(), 'three.txt'), 'a\nb\nc\n');
    const wrong = await runCli(['explain', '--mnist-index', '0', '--labels', 'three.txt', '-o', 'x.png', '--backend', 'cpu'], dir());
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /^gradcam: --labels three\.txt: 3 class names for a model of 10 classes/);
    assert.equal(wrong.stderr.trim().split('\n').length, 1, wrong.stderr);
  });
});
