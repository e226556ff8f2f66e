import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp = require('sharp');
import type { Sharp } from 'sharp';
import { GradcamError } from '../../src/errors.js';
import { decodeImage, loadDigitImage, loadResizedImage, MAX_DECODE_PIXELS } from '../../src/data/image.js';
import { readMnistRecords } from '../../src/data/mnist.js';
import { animatedDigits } from '../helpers/animated-image.js';

// Synthetic images are generated on the fly with sharp from raw pixels, so every expected value
// can be derived by hand.

/** Raw 8-bit pixels, `channels` per pixel, filled with `colour`, with a `rect` painted `ink`. */
function rawImage(
  width: number,
  height: number,
  colour: number[],
  rect: { x: number; y: number; w: number; h: number },
  ink: number[],
): Buffer {
  const channels = colour.length;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= rect.x && x < rect.x + rect.w && y >= rect.y && y < rect.y + rect.h;
      data.set(inside ? ink : colour, (y * width + x) * channels);
    }
  }
  return data;
}

function fromRaw(data: Buffer, width: number, height: number): Sharp {
  const channels = (data.length / (width * height)) as 1 | 2 | 3 | 4;
  return sharp(data, { raw: { width, height, channels } });
}

// A 10x40 dark bar on a light 100x100 background. Its MNIST form (derived in
// mnist-preprocess.test.ts): scaled to 5x20 of full ink, placed at x 12..16, y 5..24.
/** A 4×40 bar: thin enough (a tenth of its length) that stroke normalisation leaves it as it is. */
const BAR = { x: 30, y: 20, w: 4, h: 40 };
/** The bar at 28×28: 2×20 at (14, 5), centre of mass (14.5, 14.5) (see mnist-preprocess.test.ts). */
const EXPECTED_BAR = (() => {
  const out = new Float32Array(784);
  for (let y = 5; y < 25; y++) for (let x = 14; x < 16; x++) out[y * 28 + x] = 1;
  return out;
})();

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (b[i] as number)))));
  return worst;
}

function centreOfMass(pixels: Float32Array): { x: number; y: number } {
  let [m, sx, sy] = [0, 0, 0];
  pixels.forEach((v, i) => {
    m += v;
    sx += v * (i % 28);
    sy += v * Math.floor(i / 28);
  });
  return { x: sx / m, y: sy / m };
}

function rejectsWith(message: string | RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof GradcamError, `expected GradcamError, got ${String(err)}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gradcam-image-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadDigitImage', () => {
  it('dark-on-light PNG file: inverted, cropped, scaled, centred', async () => {
    const path = join(dir, 'bar.png');
    await fromRaw(rawImage(100, 100, [255], BAR, [0]), 100, 100).png().toFile(path);
    const digit = await loadDigitImage(path);
    assert.equal(digit.source, path);
    assert.equal(digit.width, 28);
    assert.equal(digit.height, 28);
    assert.deepEqual(digit.original, { width: 100, height: 100, format: 'png' });
    assert.equal(digit.steps.inverted, true);
    assert.equal(digit.steps.usedAsIs, false);
    assert.ok(maxAbsDiff(digit.pixels, EXPECTED_BAR) < 1e-6);
  });

  // The same drawing in several encodings must give the same digit.
  const encodings: { name: string; encode: (img: Sharp) => Sharp; tolerance: number }[] = [
    { name: 'WebP (lossless)', encode: (img) => img.webp({ lossless: true }), tolerance: 1e-6 },
    { name: 'GIF', encode: (img) => img.gif(), tolerance: 1e-6 },
    { name: 'TIFF (LZW)', encode: (img) => img.tiff({ compression: 'lzw' }), tolerance: 1e-6 },
    { name: '16-bit grey PNG', encode: (img) => img.toColourspace('grey16').png(), tolerance: 1e-6 },
    // JPEG rings around the bar's edges; the digit must still be in place and nearly identical.
    { name: 'JPEG', encode: (img) => img.jpeg({ quality: 90 }), tolerance: 0.2 },
  ];
  for (const { name, encode, tolerance } of encodings) {
    it(`${name} input`, async () => {
      const buffer = await encode(fromRaw(rawImage(100, 100, [255, 255, 255], BAR, [0, 0, 0]), 100, 100)).toBuffer();
      const digit = await loadDigitImage(buffer, `bar (${name})`);
      assert.equal(digit.source, `bar (${name})`);
      assert.equal(digit.steps.inverted, true);
      const diff = maxAbsDiff(digit.pixels, EXPECTED_BAR);
      assert.ok(diff <= tolerance, `max abs difference ${diff} > ${tolerance}`);
      const c = centreOfMass(digit.pixels);
      assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `centre of mass ${c.x}, ${c.y}`);
    });
  }

  it('SVG input', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
      <rect width="100" height="100" fill="white"/><rect x="30" y="20" width="4" height="40" fill="black"/></svg>`;
    const digit = await loadDigitImage(Buffer.from(svg), 'bar.svg');
    assert.equal(digit.original.format, 'svg');
    assert.ok(maxAbsDiff(digit.pixels, EXPECTED_BAR) < 1e-6);
  });

  it('RGBA: black ink on a transparent background whose pixels are red', async () => {
    // Transparent pixels are (255, 0, 0, 0): their colour must be ignored.
    const png = await fromRaw(rawImage(100, 100, [255, 0, 0, 0], BAR, [0, 0, 0, 255]), 100, 100).png().toBuffer();
    const digit = await loadDigitImage(png, 'transparent.png');
    assert.equal(digit.steps.transparentCanvas, true);
    assert.equal(digit.steps.inverted, true);
    assert.ok(maxAbsDiff(digit.pixels, EXPECTED_BAR) < 1e-6);
  });

  it('RGB colour: blue ink on yellow paper', async () => {
    // Luma (BT.601): blue 0.114 * 255 = 29, yellow (0.299 + 0.587) * 255 = 226: dark ink on light paper.
    const png = await fromRaw(rawImage(100, 100, [255, 255, 0], BAR, [0, 0, 255]), 100, 100).png().toBuffer();
    const digit = await loadDigitImage(png, 'colour.png');
    assert.equal(digit.steps.inverted, true);
    assert.ok(Math.abs(digit.steps.background - 0.886) < 1e-6);
    assert.ok(maxAbsDiff(digit.pixels, EXPECTED_BAR) < 1e-6);
  });

  it('an MNIST test digit saved as PNG gives exactly the IDX record / 255', async () => {
    const indices = [0, 1, 2, 3];
    const records = await readMnistRecords('test', indices);
    for (let i = 0; i < indices.length; i++) {
      const record = records.images.subarray(i * 784, (i + 1) * 784);
      const png = await sharp(Buffer.from(record), { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();
      const digit = await loadDigitImage(png, `test-${indices[i]}.png`);
      assert.equal(digit.steps.usedAsIs, true);
      assert.deepEqual(digit.pixels, Float32Array.from(record, (v) => v / 255));
    }
  });

  it('a large image is shrunk before processing and still gives a 20 px digit', async () => {
    const bar = { x: 2000, y: 300, w: 60, h: 240 };
    const png = await fromRaw(rawImage(3000, 1000, [255], bar, [0]), 3000, 1000).png().toBuffer();
    const digit = await loadDigitImage(png, 'huge.png');
    assert.deepEqual(digit.original, { width: 3000, height: 1000, format: 'png' });
    assert.ok(digit.decoded.width * digit.decoded.height <= MAX_DECODE_PIXELS, JSON.stringify(digit.decoded));
    assert.equal(digit.decoded.width, Math.floor(3000 * Math.sqrt(MAX_DECODE_PIXELS / 3e6)));
    assert.equal(digit.steps.scaledSize.height, 20);
    assert.ok(digit.steps.scaledSize.width === 5, `width ${digit.steps.scaledSize.width}`);
    const c = centreOfMass(digit.pixels);
    assert.ok(Math.abs(c.x - 14) <= 0.5 && Math.abs(c.y - 14) <= 0.5, `centre of mass ${c.x}, ${c.y}`);
  });

  const failures: { name: string; input: () => Promise<string | Buffer>; label?: string; message: (p: string) => string | RegExp }[] = [
    {
      name: 'blank image',
      input: async () => {
        const path = join(dir, 'blank.png');
        await sharp({ create: { width: 50, height: 50, channels: 3, background: '#ffffff' } }).png().toFile(path);
        return path;
      },
      message: (p) =>
        `${p}: no digit found: the image is blank (no pixel differs from the background level 1.00 by 0.1 or more)`,
    },
    {
      name: 'not an image (buffer)',
      input: async () => Buffer.from('hello, world'),
      label: 'notes.txt',
      message: () => 'notes.txt: not a readable image (starts with bytes 68 65 6c 6c, not PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF or SVG)',
    },
    {
      name: 'not an image (file)',
      input: async () => {
        const path = join(dir, 'notes.png');
        await writeFile(path, 'not really a PNG\nsecond line');
        return path;
      },
      message: (p) => `${p}: not a readable image (starts with bytes 6e 6f 74 20, not PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF or SVG)`,
    },
    {
      name: 'truncated JPEG',
      input: async () => {
        const jpeg = await fromRaw(rawImage(100, 100, [255], BAR, [0]), 100, 100).jpeg().toBuffer();
        const path = join(dir, 'cut.jpg');
        await writeFile(path, jpeg.subarray(0, 200));
        return path;
      },
      message: (p) => new RegExp(`^${p}: not a readable image \\([^\\n]+\\)$`),
    },
    {
      name: 'an empty file',
      input: async () => {
        const path = join(dir, 'empty.png');
        await writeFile(path, '');
        return path;
      },
      message: (p) => `${p}: not a readable image (empty file)`,
    },
    {
      name: 'missing file',
      input: async () => join(dir, 'missing.png'),
      message: (p) => `${p}: no such file`,
    },
    {
      name: 'a directory',
      input: async () => dir,
      message: (p) => `${p}: is a directory, expected a file`,
    },
  ];
  // Issue 12, item 16: a huge file is refused by its size or its first bytes,
  // not read whole. The files are sparse (truncate allocates no disk), so
  // reading one whole would take seconds and a gigabyte of memory.
  const huge: { name: string; size: number; header: string; message: (p: string) => string }[] = [
    {
      name: 'a 1 GB file, by its size',
      size: 1024 ** 3,
      header: '\x89PNG\r\n\x1a\n',
      message: (p) => `${p}: not read: 1024 MB is over the 256 MB limit for an image file`,
    },
    {
      name: 'a 200 MB non-image file, by its first bytes',
      size: 200 * 1024 ** 2,
      header: 'PK\x03\x04',
      message: (p) => `${p}: not a readable image (starts with bytes 50 4b 03 04, not PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF or SVG)`,
    },
  ];
  for (const { name, size, header, message } of huge) {
    it(`error: ${name}, without reading it`, async () => {
      const path = join(dir, `huge-${size}.png`);
      await writeFile(path, Buffer.from(header, 'latin1'));
      await truncate(path, size);
      const external = process.memoryUsage().arrayBuffers;
      const started = performance.now();
      await assert.rejects(loadDigitImage(path), rejectsWith(message(path)));
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds < 1, `took ${seconds.toFixed(2)} s`);
      const grown = process.memoryUsage().arrayBuffers - external;
      assert.ok(grown < 16 * 1024 ** 2, `buffers grew by ${grown} bytes`);
    });
  }

  it('error: an endless device (/dev/zero), by its first bytes', async () => {
    await assert.rejects(
      loadDigitImage('/dev/zero'),
      rejectsWith('/dev/zero: not a readable image (starts with bytes 00 00 00 00, not PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF or SVG)'),
    );
  });

  for (const { name, input, label, message } of failures) {
    it(`error: ${name}`, async () => {
      const value = await input();
      await assert.rejects(loadDigitImage(value, label), rejectsWith(message(typeof value === 'string' ? value : '')));
    });
  }
});

describe('frames (issue 12, item 13)', () => {
  // The first frame is the MNIST test digit 0 (a 7); the count of the others is reported.
  for (const format of ['gif', 'webp', 'tiff'] as const) {
    it(`a 3-frame ${format}: the first frame, and frameCount 3`, async () => {
      const file = await animatedDigits(format);
      const digit = await loadDigitImage(file, `anim.${format}`);
      assert.equal(digit.frameCount, 3);
      assert.equal(digit.original.height, 28);
      const first = await loadDigitImage(await animatedDigits(format, 1), 'one');
      assert.equal(first.frameCount, 1);
      assert.deepEqual(digit.pixels, first.pixels);
      const resized = await loadResizedImage(file, { height: 4, width: 4, channels: 1 }, `anim.${format}`);
      assert.equal(resized.frameCount, 3);
    });
  }

  it('a still PNG has frameCount 1', async () => {
    const png = await fromRaw(rawImage(10, 10, [255], BAR, [0]), 10, 10).png().toBuffer();
    assert.equal((await decodeImage(png)).frameCount, 1);
  });
});

describe('decodeImage', () => {
  it('grey levels and alpha of a grey+alpha PNG', async () => {
    const raw = Buffer.from([0, 255, 51, 128, 255, 0, 200, 255]);
    const png = await sharp(raw, { raw: { width: 4, height: 1, channels: 2 } }).png().toBuffer();
    const img = await decodeImage(png, 'ga.png');
    assert.deepEqual([img.width, img.height], [4, 1]);
    assert.deepEqual(img.grey, Float32Array.from([0, 51, 255, 200], (v) => v / 255));
    assert.deepEqual(img.alpha, Float32Array.from([255, 128, 0, 255], (v) => v / 255));
  });

  it('an opaque image has alpha null; colour uses BT.601 luma', async () => {
    const raw = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const png = await sharp(raw, { raw: { width: 3, height: 1, channels: 3 } }).png().toBuffer();
    const img = await decodeImage(png);
    assert.equal(img.source, '<buffer>');
    assert.equal(img.alpha, null);
    [0.299, 0.587, 0.114].forEach((w, i) => assert.ok(Math.abs((img.grey[i] as number) - w) < 1e-6));
  });

  it('applies the EXIF orientation', async () => {
    // Stored 4x2 with orientation 6 (rotate 90 clockwise to display): displayed 2x4.
    const raw = Buffer.from([255, 0, 0, 0, 0, 0, 0, 0]);
    const jpeg = await sharp(raw, { raw: { width: 4, height: 2, channels: 1 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const img = await decodeImage(jpeg);
    assert.deepEqual([img.width, img.height], [2, 4]);
    assert.deepEqual([img.original.width, img.original.height], [2, 4]);
  });
});

describe('loadResizedImage', () => {
  /** A w×h PNG whose left half is `left` and right half `right` (RGB bytes), optionally with alpha 0 everywhere. */
  const halves = (w: number, h: number, left: number[], right: number[], alpha?: number) => {
    const channels = alpha === undefined ? 3 : 4;
    const data = Buffer.alloc(w * h * channels);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) data.set([...(x < w / 2 ? left : right), ...(alpha === undefined ? [] : [alpha])], (y * w + x) * channels);
    }
    return sharp(data, { raw: { width: w, height: h, channels } }).png().toBuffer();
  };

  it('resizes to exactly H×W, RGB values v/255 in [H, W, C] order, grey = BT.601 luma', async () => {
    const png = await halves(40, 30, [200, 100, 50], [10, 20, 250]);
    const image = await loadResizedImage(png, { height: 6, width: 8, channels: 3 });
    assert.equal(image.values.length, 6 * 8 * 3);
    assert.deepEqual(image.original, { width: 40, height: 30, format: 'png' });
    // Far from the seam, bilinear resampling of flat colour returns the colour itself.
    const at = (y: number, x: number) => Array.from(image.values.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3), (v) => Math.round(v * 255));
    assert.deepEqual(at(0, 0), [200, 100, 50]);
    assert.deepEqual(at(5, 7), [10, 20, 250]);
    const luma = (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255;
    assert.ok(Math.abs(image.grey[0]! - luma) < 1e-6, `${image.grey[0]} vs ${luma}`);
  });

  it('gives one grey channel for 1-channel models, and drops transparency rather than compositing', async () => {
    const grey = await loadResizedImage(await halves(20, 20, [90, 90, 90], [180, 180, 180]), { height: 4, width: 4, channels: 1 });
    assert.equal(grey.values.length, 16);
    assert.equal(grey.values, grey.grey);
    assert.equal(Math.round(grey.values[0]! * 255), 90);
    assert.equal(Math.round(grey.values[15]! * 255), 180);
    const clear = await loadResizedImage(await halves(20, 20, [200, 100, 50], [200, 100, 50], 0), { height: 2, width: 2, channels: 3 });
    assert.deepEqual(Array.from(clear.values.subarray(0, 3), (v) => Math.round(v * 255)), [200, 100, 50]);
  });

  it('names the file when it is not an image', async () => {
    await assert.rejects(loadResizedImage(Buffer.from('not an image'), { height: 2, width: 2, channels: 3 }, 'bad.png'), /bad\.png: not a readable image/);
  });
});
