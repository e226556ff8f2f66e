/**
 * Class names for models that carry none (issue 9): a labels file given with
 * `--labels FILE`, or the `labels` of a Teachable Machine `metadata.json`
 * beside the model. A name list whose length is not the model's class count
 * is refused: names shifted by one would label every prediction wrongly.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { GradcamError, usageError } from '../errors.js';
import type { LoadedModel } from './model-files.js';

/** The file Teachable Machine exports beside model.json: `{"labels": [...], "imageSize": 224, ...}`. */
export const TEACHABLE_MACHINE_METADATA = 'metadata.json';

/** Where the class names came from, for --verbose and JSON. */
export type ClassNamesSource = 'gradcam metadata' | 'labels file' | 'Teachable Machine metadata.json' | 'class indices';

/**
 * Parses a labels file: a JSON array of strings, or one name per line. Lines
 * "0 cat", "1 dog", … numbered from 0 in order (Teachable Machine's
 * labels.txt) lose their numbers. Blank lines at the end are ignored.
 * @throws usage error naming the file for anything else.
 */
export function parseLabels(text: string, file: string): string[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw usageError(`--labels ${file}: not a valid JSON array (${(error as Error).message})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === 'string')) throw usageError(`--labels ${file}: a JSON list must hold class names (strings)`);
    return parsed as string[];
  }
  const lines = trimmed === '' ? [] : trimmed.split(/\r?\n/).map((line) => line.trim());
  if (lines.some((line) => line === '')) throw usageError(`--labels ${file}: a blank line among the names; one class name per line`);
  const numbered = lines.map((line) => /^(\d+)\s+(\S.*)$/.exec(line));
  if (lines.length > 0 && numbered.every((m, i) => m !== null && Number(m[1]) === i)) return numbered.map((m) => m![2]!);
  return lines;
}

/** The model's class count: the last dimension of its (chosen) output. */
function classCount(loaded: LoadedModel): number {
  const shape = loaded.model.outputs[0]!.shape;
  return shape[shape.length - 1] as number;
}

/**
 * The model with class names from `labelsFile` (when given), else from a
 * Teachable Machine metadata.json beside it (when the model has no gradcam
 * metadata and the list fits), else as loaded.
 * @throws usage error for an unreadable labels file or one whose length is not the class count.
 */
export async function withClassNames(loaded: LoadedModel, labelsFile?: string): Promise<LoadedModel & { classNamesFrom: ClassNamesSource }> {
  const count = classCount(loaded);
  if (labelsFile !== undefined) {
    const text = await fs.readFile(labelsFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw usageError(`--labels ${labelsFile}: cannot read it (${error.code ?? error.message})`);
    });
    const names = parseLabels(text, labelsFile);
    if (names.length !== count) {
      throw usageError(`--labels ${labelsFile}: ${names.length} class name${names.length === 1 ? '' : 's'} for a model of ${count} classes (${loaded.modelJsonPath})`);
    }
    return { ...loaded, metadata: { ...loaded.metadata, classNames: names }, classNamesFrom: 'labels file' };
  }
  if (loaded.hasGradcamMetadata) return { ...loaded, classNamesFrom: 'gradcam metadata' };
  const metadataFile = path.join(path.dirname(loaded.modelJsonPath), TEACHABLE_MACHINE_METADATA);
  const text = await fs.readFile(metadataFile, 'utf8').catch(() => undefined);
  if (text !== undefined) {
    let labels: unknown;
    try {
      labels = (JSON.parse(text) as { labels?: unknown }).labels;
    } catch {
      labels = undefined;
    }
    if (Array.isArray(labels) && labels.every((name) => typeof name === 'string')) {
      if (labels.length !== count) {
        throw new GradcamError(`${metadataFile}: ${labels.length} labels for a model of ${count} classes; pass --labels FILE with ${count} names`, 2);
      }
      return { ...loaded, metadata: { ...loaded.metadata, classNames: labels as string[] }, classNamesFrom: 'Teachable Machine metadata.json' };
    }
  }
  return { ...loaded, classNamesFrom: 'class indices' };
}
