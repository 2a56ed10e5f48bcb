import { randomBytes } from 'node:crypto';
import { createReadStream, type Dir } from 'node:fs';
import { chmod, constants, copyFile, link, mkdir, open, opendir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { isErrno } from './errno.js';
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
  StoreError,
} from './types.js';

const STAGING = '.staging';
const STALE_STAGING_MS = 24 * 3600 * 1000;

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
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
  private stagingSwept = false;

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
        if (await sameContent(createReadStream(dest), body)) return 'exists';
        throw new StoreConflictError(key, 'it already holds different bytes');
      }
      await fsyncPath(dirname(dest));
      return 'created';
    } finally {
      await unlink(staged).catch(() => undefined);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
  }

  async open(key: string): Promise<Readable | null> {
    const path = this.path(key);
    const handle = await open(path, constants.O_RDONLY).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    });
    return handle ? handle.createReadStream() : null;
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    yield* this.walk(dirKey, namePrefix, options.delimiter === '/');
  }

  private async *walk(dirKey: string, namePrefix: string, oneLevel: boolean): AsyncIterable<string> {
    let dir: Dir;
    try {
      dir = await opendir(join(this.root, dirKey));
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return;
      throw err;
    }
    const entries: { name: string; isDir: boolean }[] = [];
    for await (const entry of dir) {
      if (!entry.name.startsWith(namePrefix)) continue;
      if (dirKey === '' && entry.name === STAGING) continue;
      entries.push({ name: entry.name, isDir: entry.isDirectory() });
    }
    // Byte order of the whole key, as object stores list: a folder sorts as its name plus '/'.
    const sortKey = (e: { name: string; isDir: boolean }) => (e.isDir ? `${e.name}/` : e.name);
    entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
    for (const entry of entries) {
      const key = dirKey + entry.name;
      if (!entry.isDir) yield key;
      else if (oneLevel) yield `${key}/`;
      else yield* this.walk(`${key}/`, '', false);
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
  }
}

export function fileStoreRoot(url: string, baseDir: string): string {
  if (!url.startsWith('file:')) throw new StoreError(`not a file: store URL: ${url}`);
  let rest = url.slice('file:'.length);
  if (rest.startsWith('//')) rest = decodeURIComponent(new URL(url).pathname);
  if (rest === '') throw new StoreError('store.url `file:` needs a folder, for example file:./evidence');
  return resolve(baseDir, rest);
}
