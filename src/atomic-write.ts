import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Temporary names: a random prefix per process and a counter, so thousands of batch writes need no random bytes each. */
const temporaryPrefix = randomBytes(4).toString('hex');
let temporaryCount = 0;

/**
 * Writes a file so that readers see the old content or the new one, never a
 * torn write: a temporary file in the same directory, fsync, then rename over
 * the target (rename is atomic within a filesystem).
 *
 * @param options.durable fsync before the rename (default true) so the new
 *   content also survives a power loss; without it the write is still atomic
 *   for any process crash, and 10,000 batch pictures do not cost 10,000 fsyncs.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array | string,
  options: { durable?: boolean } = {},
): Promise<void> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${temporaryPrefix}-${++temporaryCount}.tmp`);
  try {
    if (options.durable === false) {
      await fs.writeFile(temporary, data);
    } else {
      const handle = await fs.open(temporary, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/** Makes renames inside `directory` durable; some filesystems refuse fsync on a directory, which is harmless. */
export async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await fs.open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* best effort */
  }
}
