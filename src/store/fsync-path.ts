import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Flushes a file or folder to disk; on a folder, that makes the names just made in it survive a crash. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
