import type { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { compareModelNames } from '../format/resource-order.js';

/** A regular file of a model. */
export interface ModelFile {
  /** Path relative to the model root, '/'-separated; '.' when the model is a single file. */
  name: string;
  /** Path to open: the root joined with the name. */
  path: string;
  size: number;
}

/** The model folder cannot be hashed as it stands: a refused symlink, a special file, a loop, an unreadable path. */
export class ModelFilesError extends Error {
  override readonly name = 'ModelFilesError';
}

export interface ListModelFilesOptions {
  /** Relative paths ('ignore-me', '.git', 'sub/dir'); each hides a file or a whole directory. */
  ignorePaths: string[];
  allowSymlinks: boolean;
}

/**
 * Lists the regular files of a model (a folder, or a single file named '.'), in the order the OpenSSF
 * model_signing tool lists its resources (see compareModelNames). Ignored paths are skipped before
 * anything else is checked, so a symlink or special file inside an ignored directory is no error.
 * A symlink is refused unless allowed; allowed, it is followed wherever it points, and a directory
 * link is walked as a directory. The root itself is always followed: the caller named it.
 */
export async function listModelFiles(root: string, options: ListModelFilesOptions): Promise<ModelFile[]> {
  const isIgnored = ignoreMatcher(options.ignorePaths);

  const rootStat = await statOrThrow(root);
  if (rootStat.isFile()) return isIgnored('.') ? [] : [{ name: '.', path: root, size: rootStat.size }];
  if (!rootStat.isDirectory()) throw new ModelFilesError(`${root}: not a regular file or a directory`);

  const files: ModelFile[] = [];
  const walk = async (dir: string, prefix: string, ancestors: ReadonlySet<string>): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      throw wrap(dir, error);
    }
    // Entries of one directory are stat'ed at once: on models with many small files the walk is latency-bound.
    await Promise.all(
      entries.map(async (entry) => {
        const name = prefix ? `${prefix}/${entry.name}` : entry.name;
        if (isIgnored(name)) return;
        const path = join(dir, entry.name);
        if (entry.isSymbolicLink() && !options.allowSymlinks) {
          throw new ModelFilesError(`${path}: is a symbolic link, and symlinks are not allowed in this model`);
        }
        if (!entry.isSymbolicLink() && !entry.isFile() && !entry.isDirectory()) {
          throw new ModelFilesError(`${path}: not a regular file or a directory`);
        }
        const info = await statOrThrow(path);
        if (info.isFile()) {
          files.push({ name, path, size: info.size });
        } else if (info.isDirectory()) {
          const key = `${info.dev}:${info.ino}`;
          // Only a followed directory link can lead back to an ancestor; walking on would never end.
          if (ancestors.has(key)) throw new ModelFilesError(`${path}: symbolic link loop`);
          await walk(path, name, new Set(ancestors).add(key));
        } else {
          throw new ModelFilesError(`${path}: not a regular file or a directory`);
        }
      }),
    );
  };
  await walk(root, '', new Set([`${rootStat.dev}:${rootStat.ino}`]));
  return files.sort((a, b) => compareModelNames(a.name, b.name));
}

/**
 * Whether a '/'-separated name relative to the model is left out by ignore paths ('sub', 'sub/', './sub'
 * hide a file or a whole directory; '.' hides everything). Models on disk and in buckets share it, so the
 * same option leaves out the same files wherever the model is.
 */
export function ignoreMatcher(ignorePaths: readonly string[]): (name: string) => boolean {
  const ignore = ignorePaths.map(normalizeIgnorePath);
  return (name) => ignore.some((entry) => entry === '.' || name === entry || name.startsWith(`${entry}/`));
}

function normalizeIgnorePath(entry: string): string {
  const parts = entry.split('/').filter((part) => part !== '' && part !== '.');
  return parts.length ? parts.join('/') : '.';
}

async function statOrThrow(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    throw wrap(path, error);
  }
}

function wrap(path: string, error: unknown): ModelFilesError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'does not exist (or is a broken symbolic link)' : code === 'ELOOP' ? 'symbolic link loop' : (error as Error).message;
  return new ModelFilesError(`${path}: ${reason}`, { cause: error });
}

/** A local path as a '/'-separated name relative to the model; '.' for the model itself. */
export function relativeName(modelPath: string, path: string): string {
  return relative(resolve(modelPath), resolve(path)).split(sep).join('/') || '.';
}
