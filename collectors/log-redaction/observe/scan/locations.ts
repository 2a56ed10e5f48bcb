import { createReadStream } from 'node:fs';
import { glob, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { bucketReader, isRemote, type RemoteSettings, withoutTrailingSlash } from '../../../../src/store/remote/bucket.js';

/** Read size: large enough that per-chunk costs vanish, small enough to keep memory flat. */
export const READ_CHUNK = 4 << 20;

export interface LogLocation {
  /** A local path, or `s3://bucket/key` / `gs://bucket/key`. */
  location: string;
  /** The log's bytes, decompressed when the name ends in `.gz`; null when the object went away after listing. */
  open(): Promise<Readable | null>;
}

export interface Unreadable {
  location: string;
  reason: string;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * The logs a configured location stands for, in a stable order: a file; every file matched by a glob or
 * under a folder, sorted; every object under a bucket prefix, in key order (folder markers passed over).
 * What cannot be listed is reported through `unreadable`, never thrown.
 */
export async function* logLocations(
  pattern: string,
  opts: { resolvePath(p: string): string; settings: RemoteSettings; signal: AbortSignal },
  unreadable: Unreadable[],
): AsyncGenerator<LogLocation> {
  if (isRemote(pattern)) {
    yield* bucketLocations(pattern, opts.settings, unreadable);
    return;
  }
  const full = opts.resolvePath(pattern);
  let files: string[];
  try {
    files = GLOB_CHARS.test(pattern) ? await globFiles(full) : await pathFiles(full);
  } catch (err) {
    unreadable.push({ location: full, reason: readFailure(err) });
    return;
  }
  if (files.length === 0) unreadable.push({ location: full, reason: 'no file matches it: check the path or glob in logs' });
  for (const file of files)
    yield { location: file, open: async () => gunzipIfNamed(file, createReadStream(file, { highWaterMark: READ_CHUNK, signal: opts.signal })) };
}

async function globFiles(pattern: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of glob(pattern, { withFileTypes: true })) if (entry.isFile()) files.push(join(entry.parentPath, entry.name));
  return files.sort();
}

async function pathFiles(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function* bucketLocations(prefix: string, settings: RemoteSettings, unreadable: Unreadable[]): AsyncGenerator<LogLocation> {
  let reader: Awaited<ReturnType<typeof bucketReader>>;
  try {
    reader = await bucketReader(prefix, settings);
  } catch (err) {
    unreadable.push({ location: prefix, reason: readFailure(err) });
    return;
  }
  try {
    const keys: string[] = [];
    try {
      for await (const key of reader.list('')) if (!key.endsWith('/')) keys.push(key);
    } catch (err) {
      unreadable.push({ location: prefix, reason: `cannot list it: ${readFailure(err)}` });
      return;
    }
    if (keys.length === 0) unreadable.push({ location: prefix, reason: 'no object under this prefix: check the bucket and prefix in logs' });
    const base = withoutTrailingSlash(prefix);
    for (const key of keys) {
      const url = `${base}/${key}`;
      yield {
        location: url,
        open: async () => {
          const body = await reader.open(key);
          return body === null ? null : gunzipIfNamed(key, body);
        },
      };
    }
  } finally {
    await reader.close();
  }
}

function gunzipIfNamed(name: string, body: Readable): Readable {
  if (!/\.gz$/i.test(name)) return body;
  // A read error or a corrupt stream ends the iteration with that error, whichever side it came from.
  return pipeline(body, createGunzip({ chunkSize: 1 << 20 }), () => {});
}

/** Why a location could not be read, without anything read from it: an error code and the provider's or system's message. */
export function readFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { Code?: string };
  const code = e.code ?? e.Code ?? e.name;
  const hint =
    code === 'ENOENT' || code === 'NoSuchKey'
      ? 'it does not exist; check logs in the source'
      : code === 'EACCES' || code === 'EPERM' || code === 'AccessDenied'
        ? 'permission denied; give the agent read access'
        : code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR'
          ? 'not a valid gzip stream (corrupt or truncated)'
          : (e.message ?? String(err)).split('\n')[0]!.slice(0, 200);
  return code && code !== 'Error' ? `${code}: ${hint}` : hint;
}
