/**
 * Entry point of the text thread (started by text-raster.ts; compiled next to
 * it): rasterises SVG snippets with sharp (librsvg) and returns their alpha
 * channel. sharp, fontconfig and pango load here, on the other core, while
 * the main thread loads TensorFlow.js.
 */
import { parentPort } from 'node:worker_threads';
import sharp = require('sharp');
import type { TextRasterReply, TextRasterRequest } from './text-raster.js';

parentPort!.on('message', (request: TextRasterRequest) => {
  sharp(Buffer.from(request.svg))
    .ensureAlpha()
    .extractChannel(3)
    .raw()
    .toBuffer({ resolveWithObject: true })
    .then(
      ({ data, info }) => {
        const coverage = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
        const reply: TextRasterReply = { id: request.id, coverage, width: info.width, height: info.height };
        parentPort!.postMessage(reply, [coverage.buffer]);
      },
      (error: unknown) => {
        const reply: TextRasterReply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
        parentPort!.postMessage(reply);
      },
    );
});
