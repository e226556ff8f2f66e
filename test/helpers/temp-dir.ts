/** A temporary directory per describe block, so tests never write into the repository. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';

/**
 * Creates a directory under the system's temporary directory before the
 * block's tests (then runs `setup` in it) and removes it after them. Call
 * inside `describe`; the returned function gives the directory's path.
 */
export function temporaryDirectory(prefix: string, setup?: (directory: string) => Promise<void>): () => string {
  let directory: string | undefined;
  before(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    await setup?.(directory);
  });
  after(async () => {
    if (directory !== undefined) await fs.rm(directory, { recursive: true, force: true });
  });
  return () => {
    if (directory === undefined) throw new Error('temporaryDirectory: used outside its tests');
    return directory;
  };
}
