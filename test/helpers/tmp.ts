import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

afterEach(async () => {
  while (made.length) {
    const dir = made.pop()!;
    // Stores mark files read-only; as root that does not stop rm, and elsewhere the folder is ours.
    await rm(dir, { recursive: true, force: true });
  }
});

/** A fresh temporary folder, removed after the test. */
export async function tempDir(prefix = 'ea-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Files under a folder, as paths relative to it, leaving out a store's .staging; none when the folder is absent. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && !e.parentPath.includes('.staging')).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

/** What waits in a spool folder to be sent: its files, leaving out what the spool remembers of its bucket (`.known/`). */
export async function waitingInSpool(dir: string): Promise<string[]> {
  return (await filesUnder(dir)).filter((k) => !k.startsWith('.known/'));
}
