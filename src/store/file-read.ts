/**
 * How a file store reads an object without following or waiting on anything the agent never put there: the one
 * definition of those refusals, used by FileStore's get on the main thread and, run as a worker thread, by its
 * bulk reads (bulk-read.ts).
 *
 * It imports only node: built-ins and uses only erasable syntax: under vitest the worker runs from this TypeScript
 * source through Node's type stripping, which loads './x.js' literally and would not find a sibling that exists
 * only as './x.ts'.
 */
import { closeSync, constants, type Dirent, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export const FOLDER = 'a folder';
export const REGULAR_FILE = 'a regular file';
// O_NOFOLLOW: a link at the key fails (ELOOP) instead of being followed; O_NONBLOCK: opening a FIFO does not wait for a writer.
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** What a folder entry is; undefined when the file system did not say (then lstat does). */
export function whatIs(entry: Dirent | Stats): string | undefined {
  if (entry.isDirectory()) return FOLDER;
  if (entry.isFile()) return REGULAR_FILE;
  if (entry.isSymbolicLink()) return 'a symbolic link';
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'a device';
  return undefined;
}

/** Something at a key, or on the way to it, that is not what the agent writes there; FileStore raises it as a StoreError. */
export class Refusal extends Error {}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export function notRead(root: string, key: string, what: string): Refusal {
  return new Refusal(`${key} in ${root} is ${what}, not a regular file; it was not read`);
}

/** The folders on the way to a key, outermost first: `a/b/c` gives `a` and `a/b`. */
export function foldersTo(key: string): string[] {
  const folders: string[] = [];
  for (let end = key.indexOf('/'); end >= 0; end = key.indexOf('/', end + 1)) folders.push(key.slice(0, end));
  return folders;
}

/** lstat's answer for a folder on the way to a key; null when nothing is there. */
export function folderStatsOrNull(err: unknown): null {
  if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return null;
  throw err;
}

/**
 * Whether lstat's answer for a folder on the way to a key (null: nothing there) shows a real folder; a symbolic
 * link there is refused, never followed out of the store.
 */
export function isRealFolder(root: string, folder: string, stats: Stats | null): boolean {
  if (stats?.isSymbolicLink()) throw new Refusal(`${folder} in ${root} is a symbolic link, not a folder; it was not followed`);
  return stats?.isDirectory() === true;
}

/**
 * The bytes of the regular file at a key, or null when there is none; the folders on the way must have been found
 * real first. Anything else there (a symbolic link, a FIFO, a socket, a device, a folder) is refused. `allocate`
 * gives the buffer for the size fstat gave, as readFile reads a regular file, without a second fstat of its own.
 */
export function readRegularFileSync(root: string, key: string, allocate: (size: number) => Uint8Array): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(join(root, key), READ_FLAGS);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') throw notRead(root, key, 'a symbolic link');
    if (code === 'ENXIO') throw notRead(root, key, 'a socket');
    throw err;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw notRead(root, key, whatIs(stats) ?? 'something else');
    const bytes = allocate(stats.size);
    let read = 0;
    while (read < stats.size) {
      const n = readSync(fd, bytes, read, stats.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return read === stats.size ? bytes : bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** What the worker is started with. */
export interface BulkReadWorkerData {
  fileStoreRoot: string;
}

export interface BulkReadRequest {
  id: number;
  keys: string[];
}

/** Why the key at `at` was not read; the keys before it were. `refused`: something the agent did not put there. */
export interface BulkReadFailure {
  at: number;
  message: string;
  refused: boolean;
  code: string | undefined;
}

/**
 * The bytes of the request's keys in order, up to a failure if there was one: key i's are `sizes[i]` bytes of
 * `bytes` after those of the keys before it, or none when its size is -1 (no object). One buffer for them all, so a
 * reply is one allocation and one transfer however many records it holds.
 */
export interface BulkReadReply {
  id: number;
  bytes: ArrayBuffer;
  sizes: number[];
  failure: BulkReadFailure | null;
}

/** The worker: reads each request's keys in order, as get does, and hands their buffers over without copying them. */
function serve(root: string): void {
  const port = parentPort!;
  const realFolders = new Set<string>();
  const realFoldersTo = (key: string): boolean => {
    for (const folder of foldersTo(key)) {
      if (realFolders.has(folder)) continue;
      let stats: Stats | null;
      try {
        stats = lstatSync(join(root, folder));
      } catch (err) {
        stats = folderStatsOrNull(err);
      }
      if (!isRealFolder(root, folder, stats)) return false;
      realFolders.add(folder);
    }
    return true;
  };
  const allocate = (size: number) => Buffer.allocUnsafe(size);
  port.on('message', ({ id, keys }: BulkReadRequest) => {
    const read: Uint8Array[] = [];
    const sizes: number[] = [];
    let failure: BulkReadFailure | null = null;
    for (const key of keys) {
      try {
        const bytes = realFoldersTo(key) ? readRegularFileSync(root, key, allocate) : null;
        if (bytes) read.push(bytes);
        sizes.push(bytes ? bytes.length : -1);
      } catch (err) {
        failure = { at: sizes.length, message: (err as Error).message, refused: err instanceof Refusal, code: errnoOf(err) };
        break;
      }
    }
    // A buffer of its own, never a slice of the shared pool, so that it can be transferred.
    const all = Buffer.allocUnsafeSlow(read.reduce((sum, b) => sum + b.length, 0));
    let at = 0;
    for (const bytes of read) {
      all.set(bytes, at);
      at += bytes.length;
    }
    const reply: BulkReadReply = { id, bytes: all.buffer as ArrayBuffer, sizes, failure };
    port.postMessage(reply, [reply.bytes]);
  });
}

const started = workerData as Partial<BulkReadWorkerData> | null;
if (!isMainThread && parentPort && typeof started?.fileStoreRoot === 'string') serve(started.fileStoreRoot);
