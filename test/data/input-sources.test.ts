import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GradcamError } from '../../src/errors.js';
import { labelFromName, parseShard, resolveInputs, selectsCollection, shardSlice } from '../../src/data/input-sources.js';
import type { InputRef } from '../../src/data/inputs.js';

let tmp: string;
const names = (refs: InputRef[]) => refs.map((r) => (r.kind === 'file' ? r.path : `mnist:${r.index}`));

describe('resolveInputs', () => {
  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'gradcam-inputs-'));
    for (const file of ['digits/7_a.png', 'digits/b.JPG', 'digits/notes.txt', 'digits/sub/3-c.webp', 'digits/sub/.hidden.png', 'empty/readme.md', 'x.png']) {
      await fs.mkdir(path.dirname(path.join(tmp, file)), { recursive: true });
      await fs.writeFile(path.join(tmp, file), '');
    }
  });
  after(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('expands directories recursively to image files (not hidden ones), sorted, in the order given', async () => {
    const refs = await resolveInputs({ paths: ['x.png', 'digits'], cwd: tmp });
    assert.deepEqual(names(refs), ['x.png', 'digits/7_a.png', 'digits/b.JPG', 'digits/sub/3-c.webp']);
  });

  it('expands glob patterns, keeps a path given twice once, and appends MNIST records', async () => {
    const refs = await resolveInputs({ paths: ['digits/**/*.{png,webp}', 'digits/7_a.png'], mnistIndex: '5,2', mnistTest: true, offset: 9998, cwd: tmp });
    assert.deepEqual(names(refs), ['digits/7_a.png', 'digits/sub/3-c.webp', 'mnist:5', 'mnist:2', 'mnist:9998', 'mnist:9999']);
  });

  it('never yields images of the excluded (output) directory from a directory or pattern, unless given inside it (issue 12, item 4)', async () => {
    assert.deepEqual(names(await resolveInputs({ paths: ['digits'], cwd: tmp, exclude: 'digits/sub' })), ['digits/7_a.png', 'digits/b.JPG']);
    assert.deepEqual(names(await resolveInputs({ paths: ['digits/**/*.{png,webp}'], cwd: tmp, exclude: path.join(tmp, 'digits', 'sub') })), ['digits/7_a.png']);
    assert.deepEqual(names(await resolveInputs({ paths: ['digits/sub'], cwd: tmp, exclude: 'digits/sub' })), ['digits/sub/3-c.webp']);
    await assert.rejects(resolveInputs({ paths: ['**/*.webp', 'x.png'], cwd: tmp, exclude: 'digits' }), /no images outside the output directory digits match "\*\*\/\*\.webp"/);
  });

  it('reads labels from names only when asked', async () => {
    const plain = await resolveInputs({ paths: ['digits'], cwd: tmp });
    assert.ok(plain.every((r) => r.kind !== 'file' || r.label === undefined));
    const labelled = await resolveInputs({ paths: ['digits'], cwd: tmp, labelsFromNames: true });
    assert.deepEqual(labelled.map((r) => (r.kind === 'file' ? r.label : undefined)), [7, undefined, 3]);
  });

  it('selectsCollection: a collection by the kind of argument, not by how many images it holds (issue 13)', async () => {
    const collection = async (selection: Parameters<typeof selectsCollection>[0]) => selectsCollection({ cwd: tmp, ...selection });
    assert.equal(await collection({ paths: ['x.png'] }), false, 'one file');
    assert.equal(await collection({ paths: ['missing.png'] }), false, 'one missing file (it fails as that input)');
    assert.equal(await collection({ mnistIndex: '7' }), false, 'one MNIST index');
    assert.equal(await collection({ paths: ['digits/sub'] }), true, 'a directory, even of one image');
    assert.equal(await collection({ paths: ['digits/sub/*.webp'] }), true, 'a pattern, even matching one image');
    assert.equal(await collection({ paths: ['x.png', 'x.png'] }), true, 'several paths');
    assert.equal(await collection({ mnistIndex: '3..3' }), true, 'an index range');
    assert.equal(await collection({ mnistIndex: '3,3' }), true, 'an index list');
    assert.equal(await collection({ paths: ['x.png'], mnistIndex: '1' }), true, 'a file and an index');
    assert.equal(await collection({ mnistTest: true }), true, '--mnist-test');
  });

  it('keeps a missing file (it fails later, as that input) but rejects empty directories and patterns', async () => {
    assert.deepEqual(names(await resolveInputs({ paths: ['missing.png'], cwd: tmp })), ['missing.png']);
    for (const [paths, message] of [
      [['empty'], /directory "empty" holds no images/],
      [['digits/*.gif'], /no images match "digits\/\*\.gif"/],
    ] as const) {
      await assert.rejects(resolveInputs({ paths, cwd: tmp }), (e: unknown) => e instanceof GradcamError && e.exitCode === 2 && message.test(e.message));
    }
    await assert.rejects(resolveInputs({ mnistTest: true, offset: 10_000 }), /--offset must be in 0\.\.9999/);
  });
});

describe('labelFromName', () => {
  const cases: [string, number | undefined][] = [
    ['7_foo.png', 7],
    ['dir/3-bar.jpg', 3],
    ['12_x.png', undefined],
    ['seven.png', undefined],
    ['7.png', undefined],
  ];
  for (const [name, label] of cases) it(`${name} → ${label}`, () => assert.equal(labelFromName(name), label));
});

describe('shards', () => {
  it('parses i/n and rejects the rest', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '1']) assert.throws(() => parseShard(bad), /--shard must be "i\/n"/);
  });

  it('splits contiguously: every item in exactly one shard, concatenation in order gives the whole', () => {
    for (const total of [0, 1, 7, 10, 10_000]) {
      for (const count of [1, 2, 3, 4, 7]) {
        const items = Array.from({ length: total }, (_, i) => i);
        const parts = Array.from({ length: count }, (_, i) => shardSlice(items, { index: i + 1, count }));
        assert.deepEqual(parts.flat(), items);
        const sizes = parts.map((p) => p.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `balanced: ${sizes}`);
      }
    }
  });
});
