/**
 * The batch output directory across runs (issue 12, items 4 and 14): a
 * re-run into the same --out-dir replaces the previous gradcam run's outputs,
 * known from its manifest and summary, so no stale picture, contact sheet or
 * temporary file remains beside the new manifest. Files gradcam did not
 * write are left alone.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { sweepTemporaryFiles } from '../atomic-write.js';
import { makeDirectory } from '../output-paths.js';
import { MANIFEST_FILE, REPORT_FILE, SUMMARY_FILE } from './manifest.js';

/** Where batch pictures go, inside the output directory. */
export const IMAGES_DIR = 'images';

/** Names batch explain gives pictures (see outputStem in commands/explain/batch.ts): `mnist-test-00042.png`, `<name>-<8 hex>.png`. */
const PICTURE_NAME = /^(mnist-[a-z]+-\d{5}|.+-[0-9a-f]{8})\.png$/;

/** Names of contact sheets (contactSheetFileName): `contact-sheet.png`, `contact-sheet-001.png`. */
const CONTACT_SHEET_NAME = /^contact-sheet(-\d{3,})?\.png$/;

/**
 * Creates `outDir` and its images directory (bounded, see makeDirectory);
 * call before loading anything, so a bad --out-dir costs no work.
 *
 * @param label how the user gave the directory: `--out-dir out`.
 */
export async function createOutDir(outDir: string, label: string): Promise<void> {
  await makeDirectory(path.join(outDir, IMAGES_DIR), label);
}

/**
 * Removes what the previous run wrote into `outDir`: the pictures its
 * manifest names, the contact sheets and report its summary names, files
 * named as gradcam names pictures and contact sheets (a killed run wrote some
 * before its manifest named them), and temporary files of killed saves. Only relative paths inside `outDir` are
 * followed (a manifest is data, not trusted to point elsewhere); lines a
 * killed run left unparseable are skipped.
 *
 * @returns the number of files removed.
 */
export async function clearPreviousRun(outDir: string): Promise<number> {
  const previous = new Set<string>();
  const manifest = await fs.readFile(path.join(outDir, MANIFEST_FILE), 'utf8').catch(() => '');
  for (const line of manifest.split('\n')) {
    const output = parseLine(line)?.output;
    if (typeof output === 'string') previous.add(output);
  }
  const summary = parseLine(await fs.readFile(path.join(outDir, SUMMARY_FILE), 'utf8').catch(() => '')) as
    | { files?: { contactSheets?: unknown; report?: unknown } }
    | undefined;
  const sheets = summary?.files?.contactSheets;
  for (const sheet of Array.isArray(sheets) ? sheets : []) if (typeof sheet === 'string') previous.add(sheet);
  if (summary?.files?.report === REPORT_FILE) previous.add(REPORT_FILE);
  // The summary too: until this run writes its own, none is better than one naming removed files.
  if (summary !== undefined) previous.add(SUMMARY_FILE);
  // Pictures a killed run wrote before their manifest lines (lines follow the pictures), known by gradcam's names.
  const images = await fs.readdir(path.join(outDir, IMAGES_DIR)).catch(() => [] as string[]);
  for (const name of images) if (PICTURE_NAME.test(name)) previous.add(path.posix.join(IMAGES_DIR, name));
  const top = await fs.readdir(outDir).catch(() => [] as string[]);
  for (const name of top) if (CONTACT_SHEET_NAME.test(name)) previous.add(name);
  let removed = 0;
  for (const relative of previous) {
    const file = path.resolve(outDir, relative);
    if (path.isAbsolute(relative) || !file.startsWith(`${path.resolve(outDir)}${path.sep}`)) continue;
    try {
      await fs.unlink(file);
      removed++;
    } catch {
      /* already gone, or not a file: nothing stale to remove */
    }
  }
  for (const directory of [outDir, path.join(outDir, IMAGES_DIR)]) removed += (await sweepTemporaryFiles(directory)).length;
  return removed;
}

function parseLine(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
