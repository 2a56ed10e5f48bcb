import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StoreError } from './types.js';

/**
 * Folders the kernel provides rather than a disk. None can hold a store: /sys refuses writes, /dev keeps
 * them in memory only until the next boot, and under /proc Node's recursive mkdir never returns (it spins
 * at 100% CPU), so a store there must be refused before anything is written.
 */
const KERNEL_FOLDERS = ['/proc', '/sys', '/dev'];

/** Refuses a file store root that is, or leads through a symbolic link to, a kernel folder. */
export function assertNotKernelFolder(url: string, root: string): void {
  const real = realLocation(root);
  const kernel = KERNEL_FOLDERS.find((k) => real === k || real.startsWith(`${k}/`));
  if (!kernel) return;
  throw new StoreError(
    `${url} is under ${kernel}, which the kernel provides (it is not a disk) and which cannot hold a store; choose a folder on a disk, for example file:./evidence${real === root ? '' : ` (${root} leads to ${real})`}`,
  );
}

/** The path with its longest existing head resolved through symbolic links; the store folder itself may not exist yet. */
function realLocation(path: string): string {
  let head = path;
  let tail = '';
  for (;;) {
    try {
      return join(realpathSync(head), tail);
    } catch {
      const parent = dirname(head);
      if (parent === head) return path;
      tail = join(basename(head), tail);
      head = parent;
    }
  }
}
