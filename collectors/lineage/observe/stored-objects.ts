import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { bucketReader, isRemote, type RemoteSettings, withoutTrailingSlash } from '../../../src/store/remote/bucket.js';
import type { StoredObject } from '../judge/retention.js';

export type Listing = { found: false } | { found: true; objects: AsyncGenerator<StoredObject> };

/** The regular files under a folder, streamed (symbolic links are not followed: they hold no data of their own). */
async function* files(dir: string): AsyncGenerator<StoredObject> {
  const folders = [dir];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    for await (const entry of await opendir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) {
        const info = await lstat(path).catch(() => null);
        // A file deleted between the listing and its stat is gone, as the rule wants.
        if (info) yield { ref: path, versions: [{ modified: info.mtimeMs, current: true }] };
      }
    }
  }
}

/**
 * Every stored version of every object under a bucket prefix: on a versioned
 * bucket a deleted object's data stays, as noncurrent versions behind a
 * delete marker, until those versions are deleted too.
 */
async function* objects(location: string, settings: RemoteSettings): AsyncGenerator<StoredObject> {
  const reader = await bucketReader(location, settings);
  const base = withoutTrailingSlash(location);
  try {
    for await (const { key, versions } of reader.versions('')) {
      // Folder markers (zero-byte keys ending in /) hold no data.
      if (key === '' || key.endsWith('/')) continue;
      const stored = versions.filter((v) => !v.deleteMarker);
      if (stored.length === 0) continue;
      const newest = Math.max(...stored.map((v) => v.lastModified.getTime()));
      const hidden = versions.some((v) => v.deleteMarker && v.lastModified.getTime() >= newest);
      yield {
        ref: `${base}/${key}`,
        versions: stored.map((v) => ({ modified: v.lastModified.getTime(), current: !hidden && v.lastModified.getTime() === newest })),
      };
    }
  } finally {
    await reader.close();
  }
}

/** What is stored under a retention location: a folder on disk (absent: nothing there), or an s3:// or gs:// prefix. */
export async function storedObjects(location: string, settings: RemoteSettings, resolvePath: (p: string) => string): Promise<Listing> {
  if (isRemote(location)) return { found: true, objects: objects(location, settings) };
  const dir = resolvePath(location);
  const info = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!info) return { found: false };
  if (info.isFile()) return { found: true, objects: single(dir, info.mtimeMs) };
  return { found: true, objects: files(dir) };
}

async function* single(path: string, modified: number): AsyncGenerator<StoredObject> {
  yield { ref: path, versions: [{ modified, current: true }] };
}
