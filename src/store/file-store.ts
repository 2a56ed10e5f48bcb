import { randomBytes } from 'node:crypto';
import type { Dir } from 'node:fs';
import { chmod, constants, copyFile, type FileHandle, link, lstat, mkdir, open, opendir, readdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { BulkReader } from './bulk-read.js';
import { isErrno } from './errno.js';
import { FOLDER, folderStatsOrNull, foldersTo, isRealFolder, notRead, READ_FLAGS, REGULAR_FILE, Refusal, readRegularFileSync, whatIs } from './file-read.js';
import { fsyncPath } from './fsync-path.js';
import { assertNotKernelFolder } from './kernel-folders.js';
import { sameContent } from './same-content.js';
import { SyncedFileWriter } from './synced-file-writer.js';
import {
  assertValidKey,
  type EvidenceStore,
  type Immutability,
  type ListOptions,
  type PutBody,
  type PutResult,
  type StagedObject,
  StoreConflictError,
  type StoreEntry,
  StoreError,
} from './types.js';

const STAGING = '.staging';
const STALE_STAGING_MS = 24 * 3600 * 1000;

/** A refusal of what was found in the store as the StoreError readers expect; other errors as they are. */
function asStoreError(err: unknown): unknown {
  return err instanceof Refusal ? new StoreError(err.message) : err;
}

/**
 * The embedded default store: a local folder written once.
 *
 * Each object is written to a staging file, fsynced, made read-only, then
 * hard-linked to its key. link(2) fails if the name exists, so nothing is ever
 * replaced, even by a racing writer; the folder is fsynced so the new name
 * survives a crash.
 */
export class FileStore implements EvidenceStore {
  readonly url: string;
  readonly root: string;
  private readonly knownDirs = new Set<string>();
  /** Folders below the root, by key, found to be real folders rather than links out of the store. */
  private readonly realFolders = new Set<string>();
  private readonly folderChecks = new Map<string, Promise<boolean>>();
  private stagingSwept = false;
  private bulkReader: BulkReader | undefined;

  constructor(root: string) {
    this.root = resolve(root);
    this.url = `file:${this.root}`;
  }

  private path(key: string): string {
    assertValidKey(key);
    return join(this.root, key);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    const created = await mkdir(dir, { recursive: true });
    if (created !== undefined) {
      // Make each newly created folder's entry durable in its parent.
      for (let d = dir; d.length >= created.length; d = dirname(d)) await fsyncPath(dirname(d));
    }
    this.knownDirs.add(dir);
  }

  async put(key: string, body: PutBody): Promise<PutResult> {
    assertValidKey(key);
    const tmp = this.stagingPath();
    return this.storing(key, tmp, async () => {
      await this.ensureStaging();
      if (body instanceof Uint8Array) {
        await writeFile(tmp, body, { flag: 'wx', mode: 0o600 });
      } else {
        await copyFile(body.path, tmp, constants.COPYFILE_EXCL);
      }
      await fsyncPath(tmp);
      return this.settle(key, tmp, body);
    });
  }

  /** Written straight into the staging folder, so commit links the file under its key instead of copying it. */
  async stage(): Promise<StagedObject> {
    const path = this.stagingPath();
    const writable = await this.storing('a staged object', path, async () => {
      await this.ensureStaging();
      return new SyncedFileWriter(await open(path, 'wx', 0o600), (err) => this.failure('a staged object', err));
    });
    return {
      writable,
      commit: (key) =>
        this.storing(key, path, async () => {
          assertValidKey(key);
          // Before its end the file is neither whole nor durable, and writes still under way would change it under its key.
          if (!writable.writableFinished) throw new StoreError(`cannot store ${key}: its staged object was not written to the end`);
          return this.settle(key, path, { path });
        }),
      discard: async () => {
        if (!writable.closed) {
          // 'close', not once(): a stream that failed emits its error first, and that is the caller's to report.
          const closed = new Promise((resolve) => writable.once('close', resolve));
          writable.destroy();
          await closed;
        }
        await unlink(path).catch(() => undefined);
      },
    };
  }

  /**
   * The staging folder, swept once per store object of files a crashed writer left: a day is far longer than
   * any write takes, so whatever is older will never be stored.
   */
  private async ensureStaging(): Promise<void> {
    const staging = join(this.root, STAGING);
    await this.ensureDir(staging);
    if (this.stagingSwept) return;
    this.stagingSwept = true;
    const before = Date.now() - STALE_STAGING_MS;
    for (const name of await readdir(staging)) {
      const file = join(staging, name);
      const seen = await stat(file).catch(() => null);
      if (seen && seen.mtimeMs < before) await unlink(file).catch(() => undefined);
    }
  }

  private stagingPath(): string {
    return join(this.root, STAGING, randomBytes(12).toString('hex'));
  }

  /** Runs one step of storing `what`; its errors become StoreErrors, and the staged file goes if the step fails. */
  private async storing<T>(what: string, staged: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (err) {
      await unlink(staged).catch(() => undefined);
      throw this.failure(what, err);
    }
  }

  /** A StoreError that names this store and what was being written; a StoreError already says what it is. */
  private failure(what: string, err: unknown): StoreError {
    return err instanceof StoreError ? err : new StoreError(`cannot write ${what} to ${this.root}: ${(err as Error).message}`, { cause: err });
  }

  /** Gives a durable staged file its key, which link(2) refuses to replace; the staged name goes either way. */
  private async settle(key: string, staged: string, body: PutBody): Promise<PutResult> {
    const dest = this.path(key);
    try {
      await chmod(staged, 0o444);
      await this.ensureDir(dirname(dest));
      try {
        await link(staged, dest);
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        const existing = await this.open(key).catch((cause: unknown) => {
          throw cause instanceof StoreError ? new StoreConflictError(key, cause.message) : cause;
        });
        if (existing && (await sameContent(existing, body))) return 'exists';
        throw new StoreConflictError(key, 'it already holds different bytes');
      }
      await fsyncPath(dirname(dest));
      return 'created';
    } finally {
      await unlink(staged).catch(() => undefined);
    }
  }

  /**
   * Synchronous on purpose: a record is a few kilobytes on a local disk, and four thread-pool round trips (open,
   * fstat, read, close) cost several times the read itself; auditors' tools read a million of them (6,100 records/s
   * through fs/promises, over 40,000 this way). The same refusals as openRegularFile apply.
   */
  async get(key: string): Promise<Uint8Array | null> {
    assertValidKey(key);
    if (!(await this.realFoldersTo(key))) return null;
    try {
      return readRegularFileSync(this.root, key, (size) => Buffer.allocUnsafe(size));
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /**
   * Many keys read in a worker thread (bulk-read.ts) with get's refusals, the same code: a scan of a million records
   * then spends its own thread parsing them rather than in the system calls of reading them.
   */
  getMany(keys: AsyncIterable<string> | Iterable<string>): AsyncIterable<{ key: string; bytes: Uint8Array | null }> {
    this.bulkReader ??= new BulkReader(this.root);
    return this.bulkReader.read(keys);
  }

  async open(key: string): Promise<Readable | null> {
    const opened = await this.openRegularFile(key);
    return opened ? opened.handle.createReadStream() : null;
  }

  /**
   * The regular file at a key, or null when there is none. Anything else found there (a symbolic link, a FIFO, a
   * socket, a device, or a symbolic link in place of a folder on the way) was not put there by the agent: it is
   * refused with a StoreError, never followed out of the store nor waited on.
   */
  private async openRegularFile(key: string): Promise<{ handle: FileHandle; size: number } | null> {
    const path = this.path(key);
    if (!(await this.realFoldersTo(key))) return null;
    let handle: FileHandle;
    try {
      handle = await open(path, READ_FLAGS);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
      if (isErrno(err, 'ELOOP')) throw this.notRead(key, 'a symbolic link');
      if (isErrno(err, 'ENXIO')) throw this.notRead(key, 'a socket');
      throw err;
    }
    const stats = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    if (stats.isFile()) return { handle, size: stats.size };
    await handle.close();
    throw this.notRead(key, whatIs(stats) ?? 'something else');
  }

  private notRead(key: string, what: string): StoreError {
    return new StoreError(notRead(this.root, key, what).message);
  }

  /** Whether each folder on the way to a key is a real folder; false when one is missing, an error when one is a link. */
  private async realFoldersTo(key: string): Promise<boolean> {
    for (const folder of foldersTo(key)) {
      if (this.realFolders.has(folder)) continue;
      // Readers ask for many keys of one new folder at once: they share one lstat rather than each making their own.
      let check = this.folderChecks.get(folder);
      if (!check) {
        check = this.isRealFolder(folder).finally(() => this.folderChecks.delete(folder));
        this.folderChecks.set(folder, check);
      }
      if (!(await check)) return false;
    }
    return true;
  }

  private async isRealFolder(folder: string): Promise<boolean> {
    const stats = await lstat(join(this.root, folder)).catch(folderStatsOrNull);
    try {
      if (!isRealFolder(this.root, folder, stats)) return false;
    } catch (err) {
      throw asStoreError(err);
    }
    this.realFolders.add(folder);
    return true;
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    for await (const entry of this.walk(prefix, options.delimiter === '/')) yield entry.key;
  }

  async *entries(prefix: string): AsyncIterable<StoreEntry> {
    yield* this.walk(prefix, false);
  }

  /**
   * Entries under a prefix in key order. Names are listed as they are, valid keys or not, for the reader to judge;
   * only real folders are walked into, so a symbolic link to a folder is one entry and never followed.
   */
  private async *walk(prefix: string, oneLevel: boolean): AsyncIterable<StoreEntry> {
    const slash = prefix.lastIndexOf('/');
    yield* this.walkFolder(prefix.slice(0, slash + 1), prefix.slice(slash + 1), oneLevel);
  }

  private async *walkFolder(dirKey: string, namePrefix: string, oneLevel: boolean): AsyncIterable<StoreEntry> {
    let dir: Dir;
    try {
      // Entries a thread-pool call, rather than 32: a day folder of records is then read in one or two calls.
      dir = await opendir(join(this.root, dirKey), { bufferSize: 512 });
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw err;
    }
    const entries: { name: string; what: string }[] = [];
    for await (const entry of dir) {
      if (!entry.name.startsWith(namePrefix)) continue;
      if (dirKey === '' && entry.name === STAGING) continue;
      const what = whatIs(entry) ?? (await lstat(join(this.root, dirKey, entry.name)).then(whatIs, () => undefined));
      if (what) entries.push({ name: entry.name, what });
    }
    // Byte order of the whole key, as object stores list: a folder sorts as its name plus '/'.
    const sortKey = (e: { name: string; what: string }) => (e.what === FOLDER ? `${e.name}/` : e.name);
    entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    for (const { name, what } of entries) {
      const key = dirKey + name;
      if (what === REGULAR_FILE) yield { key };
      else if (what !== FOLDER) yield { key, notAnObject: what };
      else if (oneLevel) yield { key: `${key}/` };
      else yield* this.walkFolder(`${key}/`, '', false);
    }
  }

  async describe(): Promise<Immutability> {
    return {
      mechanism: 'local-write-once',
      writeOnce: true,
      locked: false,
      details: { path: this.root },
      warnings: [
        'a local folder is write-once by this agent only: anyone with file-system access can still delete it; copy evidence to a locked bucket for an audit',
      ],
    };
  }

  async close(): Promise<void> {
    this.knownDirs.clear();
    this.realFolders.clear();
    await this.bulkReader?.close();
    this.bulkReader = undefined;
  }
}

/**
 * The folder a `file:` URL names: `file:relative` (against `baseDir`), `file:/abs`, `file:///abs` or
 * `file://localhost/abs`. Another host is refused rather than dropped (the store would silently be a local
 * folder), and so is a folder the kernel provides.
 */
export function fileStoreRoot(url: string, baseDir: string): string {
  if (!url.startsWith('file:')) throw new StoreError(`not a file: store URL: ${url}`);
  let rest = url.slice('file:'.length);
  if (rest.startsWith('//')) {
    const invalid = new StoreError(`${url} is not a valid URL; write file:./folder, file:/folder or file:///folder`);
    const parsed = URL.parse(url);
    if (!parsed) throw invalid;
    if (parsed.hostname !== '' && parsed.hostname !== 'localhost') {
      throw new StoreError(
        `${url} names the host ${parsed.hostname}, but a file: store is a folder on this machine; write file:/folder, file:///folder or file://localhost/folder (for another machine's disk, mount it and name the local folder)`,
      );
    }
    try {
      rest = decodeURIComponent(parsed.pathname);
    } catch {
      throw invalid;
    }
  }
  if (rest === '') throw new StoreError('store.url `file:` needs a folder, for example file:./evidence');
  const root = resolve(baseDir, rest);
  assertNotKernelFolder(url, root);
  return root;
}
