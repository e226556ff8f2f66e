import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp = require('sharp');
import { GradcamError } from '../../src/errors.js';
import {
  assertImageFileSize,
  assertImageHeader,
  IMAGE_HEADER_BYTES,
  MAX_IMAGE_FILE_BYTES,
  sniffImageFormat,
  type ImageSignature,
} from '../../src/data/image-header.js';

const pixel = () => sharp({ create: { width: 2, height: 2, channels: 3, background: '#808080' } });

describe('sniffImageFormat', () => {
  // Every format sharp writes, encoded by sharp itself: the signatures must know them all.
  const encoded: { format: ImageSignature; encode: () => Promise<Buffer> }[] = [
    { format: 'PNG', encode: () => pixel().png().toBuffer() },
    { format: 'JPEG', encode: () => pixel().jpeg().toBuffer() },
    { format: 'GIF', encode: () => pixel().gif().toBuffer() },
    { format: 'WebP', encode: () => pixel().webp().toBuffer() },
    { format: 'TIFF', encode: () => pixel().tiff().toBuffer() },
    { format: 'TIFF', encode: () => pixel().tiff({ bigtiff: true }).toBuffer() },
    { format: 'AVIF/HEIF', encode: () => pixel().avif().toBuffer() },
  ];
  for (const { format, encode } of encoded) {
    it(`recognises ${format} written by sharp`, async () => assert.equal(sniffImageFormat(await encode()), format));
  }

  const texts: { name: string; text: string; format: ImageSignature | undefined }[] = [
    { name: 'an SVG element', text: '<svg xmlns="http://www.w3.org/2000/svg"/>', format: 'SVG' },
    { name: 'an SVG after an XML prologue', text: `<?xml version="1.0"?>\n<!-- ${'x'.repeat(2000)} -->\n<SVG/>`, format: 'SVG' },
    { name: 'plain text', text: 'hello, world', format: undefined },
    { name: 'HTML', text: '<!doctype html><html></html>', format: undefined },
    { name: 'an SVG tag beyond the header', text: `${' '.repeat(IMAGE_HEADER_BYTES)}<svg/>`, format: undefined },
  ];
  for (const { name, text, format } of texts) {
    it(`text: ${name} → ${format ?? 'none'}`, () => assert.equal(sniffImageFormat(Buffer.from(text)), format));
  }
});

describe('assertImageHeader / assertImageFileSize', () => {
  const refusals: { name: string; check: () => void; message: string }[] = [
    {
      name: 'a text header',
      check: () => assertImageHeader(Buffer.from('hello'), 'notes.png'),
      message: 'notes.png: not a readable image (starts with bytes 68 65 6c 6c, not PNG, JPEG, GIF, WebP, TIFF, AVIF/HEIF or SVG)',
    },
    { name: 'an empty file', check: () => assertImageHeader(new Uint8Array(0), 'empty.png'), message: 'empty.png: not a readable image (empty file)' },
    {
      name: 'a file over the limit',
      check: () => assertImageFileSize(MAX_IMAGE_FILE_BYTES + 1, 'big.tif'),
      message: 'big.tif: not read: 257 MB is over the 256 MB limit for an image file',
    },
  ];
  for (const { name, check, message } of refusals) {
    it(`refuses ${name}`, () => assert.throws(check, (err) => err instanceof GradcamError && err.message === message && err.exitCode === 1));
  }

  it('accepts a file of exactly the limit', () => assertImageFileSize(MAX_IMAGE_FILE_BYTES, 'ok.png'));
});
