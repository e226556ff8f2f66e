/**
 * The model file formats gradcam reads (issue 9), chosen per file by its
 * signature first and its extension second. A new format is one file plus one
 * entry here.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { kerasH5Format } from './keras-h5.js';
import { kerasZipFormat } from './keras-zip.js';
import type { ModelFormat } from './model-format.js';
import { tfjsLayersFormat } from './tfjs-layers.js';

export const MODEL_FORMATS = {
  'tfjs-layers': tfjsLayersFormat,
  'keras-h5': kerasH5Format,
  'keras-zip': kerasZipFormat,
} as const satisfies Record<string, ModelFormat>;

export type ModelFormatName = keyof typeof MODEL_FORMATS;

const FORMAT_NAMES = Object.keys(MODEL_FORMATS) as ModelFormatName[];

/** The longest signature in the table: how many bytes {@link detectModelFormat} reads. */
const MAGIC_BYTES = Math.max(...FORMAT_NAMES.map((name) => (MODEL_FORMATS[name] as ModelFormat).magic?.length ?? 0));

/** True when `name` ends with an extension one of the formats reads (".json", ".h5", ".keras", ...). */
export function isModelFileName(name: string): boolean {
  return formatByExtension(name) !== undefined;
}

/**
 * The format of the file at `file`: by its first bytes (HDF5 and zip
 * signatures), else by its extension, else TensorFlow.js layers JSON (whose
 * reader then says clearly what is wrong).
 */
export async function detectModelFormat(file: string): Promise<ModelFormatName> {
  const head = await readHead(file, MAGIC_BYTES);
  const byMagic = FORMAT_NAMES.find((name) => {
    const magic = (MODEL_FORMATS[name] as ModelFormat).magic;
    return magic !== undefined && head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
  });
  return byMagic ?? formatByExtension(file) ?? 'tfjs-layers';
}

function formatByExtension(file: string): ModelFormatName | undefined {
  const lower = path.basename(file).toLowerCase();
  return FORMAT_NAMES.find((name) => MODEL_FORMATS[name].extensions.some((ext) => lower.endsWith(ext)));
}

async function readHead(file: string, bytes: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = new Uint8Array(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
