import { Worker } from 'node:worker_threads';
import { firstLine, GradcamError } from '../errors.js';

/** Rasterise one SVG (text labels). */
export interface TextRasterRequest {
  id: number;
  svg: string;
}

export type TextRasterReply =
  | { id: number; coverage: Uint8Array; width: number; height: number }
  | { id: number; error: string };

/** An SVG's alpha channel: width*height 8-bit coverage values (0 none, CHANNEL_MAX full), row-major. */
export interface AlphaRaster {
  coverage: Uint8Array;
  width: number;
  height: number;
}

const WORKER_URL = new URL('./text-worker.js', import.meta.url);

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (raster: AlphaRaster) => void; reject: (error: Error) => void }>();

/**
 * Rasterises an SVG on the text thread and resolves to its alpha channel.
 * Loading sharp costs ~80 ms and its first text ~70–200 ms (fontconfig,
 * pango); on that thread both overlap the main thread's own start-up (a
 * single `gradcam explain` is mostly start-up). The thread keeps the process
 * alive only while a request is pending.
 */
export function rasterizeSvgAlpha(svg: string): Promise<AlphaRaster> {
  const thread = textThread();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    if (pending.size === 0) thread.ref();
    pending.set(id, { resolve, reject });
    const request: TextRasterRequest = { id, svg };
    thread.postMessage(request);
  });
}

function textThread(): Worker {
  if (worker !== undefined) return worker;
  // execArgv: [] so that flags of the parent (e.g. --input-type) do not stop the worker loading its file.
  const thread = new Worker(WORKER_URL, { execArgv: [] });
  thread.unref();
  thread.on('message', (reply: TextRasterReply) => {
    const request = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) thread.unref();
    if (request === undefined) return;
    if ('error' in reply) request.reject(new GradcamError(`cannot render text: ${firstLine(reply.error)}`));
    else request.resolve(reply);
  });
  const fail = (error: Error) => {
    worker = undefined; // the next request starts a fresh thread
    for (const request of pending.values()) request.reject(new GradcamError(`cannot render text: ${firstLine(error)}`, 1, { cause: error }));
    pending.clear();
  };
  thread.on('error', fail);
  thread.on('exit', (code) => {
    if (worker === thread) fail(new Error(`the text thread exited with code ${code}`));
  });
  worker = thread;
  return thread;
}
