import { access, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { isErrno } from './errno.js';
import { FileStore } from './file-store.js';
import { RECORDS_PREFIX, streamPrefix } from './layout.js';
import { SPOOL_MEMORY_DIR, SpoolMemory } from './spool-memory.js';
import { type EvidenceStore, type Immutability, type ListOptions, type PutBody, type PutResult, type StorageNote, StoreUnavailableError } from './types.js';

/** Blobs go up before the records that name them; records in key order, which is chain order within a stream. */
const UPLOAD_ORDER = ['blobs/', RECORDS_PREFIX];

async function collect(items: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function gone(path: string): Promise<boolean> {
  return access(path).then(
    () => false,
    (err: unknown) => isErrno(err, 'ENOENT'),
  );
}

/** The stream a listing stays inside (`records/<agent>/<collector>/…`), or null for a wider one. */
const WITHIN_STREAM = new RegExp(`^${RECORDS_PREFIX}([^/]+/[^/]+)/`);

async function* mergeSorted(a: string[], b: AsyncIterable<string> | Iterable<string>): AsyncIterable<string> {
  let i = 0;
  for await (const item of b) {
    while (i < a.length && a[i]! < item) yield a[i++]!;
    if (a[i] === item) i++;
    yield item;
  }
  while (i < a.length) yield a[i++]!;
}

/** A spool opened while its bucket could not be reached, on the strength of a preflight it remembers. */
export interface OfflineStart {
  /** Why the bucket could not be reached. */
  cause: StoreUnavailableError;
  /** Checks the bucket again (the preflight, remembered when it passes); nothing is sent before it passes. */
  reconnect: () => Promise<void>;
}

export interface SpoolOptions {
  memory?: SpoolMemory;
  offline?: OfflineStart;
}

/**
 * Puts a durable local spool in front of a remote store. Every object is
 * fsynced to the spool first and removed from it only after the remote store
 * confirms it, so neither an outage nor a kill -9 loses evidence; keys are
 * deterministic and writes create-only, so re-sending never duplicates.
 *
 * Opened offline (the bucket unreachable when the run started), it reads
 * nothing from the bucket: a stream's head comes from the records waiting in
 * the spool and the newest ones the bucket confirmed, which the spool
 * remembers (SpoolMemory). A stream of which it knows neither is refused
 * rather than started again at 0, which would fork its chain; so is every
 * read that needs the bucket itself, such as the previous checkpoint.
 */
export class SpoolingStore implements EvidenceStore {
  readonly url: string;
  private readonly spool: FileStore;
  private readonly memory: SpoolMemory;
  private offline: OfflineStart | null;
  private down: Error | null;
  /** The pass sending the spool now, and the one queued to run after it. */
  private sending: Promise<number> | null = null;
  private queued: Promise<number> | null = null;

  constructor(
    private readonly remote: EvidenceStore,
    readonly spoolDir: string,
    private readonly log: Logger,
    options: SpoolOptions = {},
  ) {
    this.url = remote.url;
    this.spool = new FileStore(spoolDir);
    this.memory = options.memory ?? new SpoolMemory(spoolDir, remote.url);
    this.offline = options.offline ?? null;
    this.down = options.offline?.cause ?? null;
  }

  get unreachable(): string | undefined {
    return this.down?.message;
  }

  get storage(): StorageNote | undefined {
    return this.remote.storage;
  }

  get audit() {
    return this.remote.audit;
  }

  /** What the spool holds to send, leaving out what it remembers of the bucket. */
  private async *waiting(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    for await (const key of this.spool.list(prefix, options)) if (!key.startsWith(`${SPOOL_MEMORY_DIR}/`)) yield key;
  }

  private async spooledKeys(): Promise<string[]> {
    const all = await collect(this.waiting(''));
    const rank = (k: string) => {
      const i = UPLOAD_ORDER.findIndex((p) => k.startsWith(p));
      return i < 0 ? UPLOAD_ORDER.length : i;
    };
    return all.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Sends whatever the spool holds, oldest chain positions first. Stops at the
   * first outage and leaves the rest for later; a conflict (different bytes
   * already in the bucket) is raised and the spooled copy kept for inspection.
   *
   * One pass at a time, or two passes would send and remove the same files
   * under each other. A caller arriving during a pass waits for the pass
   * queued after it, which lists the spool again and so sees its object too.
   */
  drain(): Promise<number> {
    if (this.queued) return this.queued;
    if (!this.sending) return this.startPass();
    this.queued = this.sending
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.startPass();
      });
    return this.queued;
  }

  private startPass(): Promise<number> {
    const pass = this.sendSpooled().finally(() => {
      this.sending = null;
    });
    this.sending = pass;
    return pass;
  }

  /** Leaves offline mode once the bucket answers and passes its preflight again; false while it does not answer. */
  private async reconnected(): Promise<boolean> {
    if (!this.offline) return true;
    try {
      await this.offline.reconnect();
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      this.down = err;
      return false;
    }
    this.offline = null;
    this.log.info({ store: this.url }, 'store reachable again and its preflight passed; sending the spool');
    return true;
  }

  private async sendSpooled(): Promise<number> {
    if (!(await this.reconnected())) {
      const waiting = (await this.spooledKeys()).length;
      this.log.warn({ err: this.down, spool: this.spoolDir, waiting }, 'store still unreachable; keeping evidence in the spool');
      return waiting;
    }
    const keys = await this.spooledKeys();
    for (const [i, key] of keys.entries()) {
      const path = join(this.spool.root, key);
      try {
        await this.remote.put(key, { path });
        // Before the spooled copy goes: a head forgotten here could be taken for none in a later outage.
        await this.memory.rememberConfirmed(key, path);
      } catch (err) {
        // Another process sharing this spool (a snapshot run next to the daemon) sent it first.
        if (await gone(path)) continue;
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.down = err;
        this.log.warn({ err, spool: this.spoolDir, waiting: keys.length - i }, 'store unreachable; keeping evidence in the spool');
        return keys.length - i;
      }
      await unlink(path).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    }
    this.down = null;
    return 0;
  }

  async put(key: string, body: PutBody): Promise<PutResult> {
    const result = await this.spool.put(key, body);
    // From here the object is durable and will be sent later: failing the put would make the
    // caller write this chain position again, with different bytes.
    if (!this.down) {
      await this.drain().catch((err: unknown) =>
        this.log.error({ err, key, spool: this.spoolDir }, 'sending the spool failed; the evidence stays in the spool'),
      );
    }
    return result;
  }

  /**
   * One more attempt to send everything, even after an outage earlier in the
   * run. The store stays marked unreachable until the attempt succeeds, so a
   * readiness probe does not pass while it is only being tried.
   */
  async flush(): Promise<void> {
    await this.drain();
  }

  async pending(): Promise<{ count: number; records: number; where: string; reason?: string }> {
    const keys = await this.spooledKeys();
    const records = keys.filter((k) => k.startsWith(RECORDS_PREFIX)).length;
    return { count: keys.length, records, where: this.spoolDir, ...(this.down ? { reason: this.down.message } : {}) };
  }

  /** Why a read offline cannot be answered from the spool. */
  private needsStore(what: string): StoreUnavailableError {
    const why = `${this.url} is unreachable (${this.unreachable})`;
    // The one such read a run makes is for the previous checkpoint: say what becomes of the one it would sign.
    if (what.startsWith('checkpoints/')) {
      return new StoreUnavailableError(
        `no checkpoint is signed while ${why}: the next one links to the previous checkpoint, which is in the store; a later run that reaches the store sends the spool and signs one covering these records`,
      );
    }
    return new StoreUnavailableError(`${why}, and ${what} can only be read from it`);
  }

  async get(key: string, versionId?: string): Promise<Uint8Array | null> {
    if (versionId) return this.remote.get(key, versionId);
    const spooled = await this.spool.get(key);
    if (spooled || !this.offline) return spooled ?? this.remote.get(key);
    const remembered = await this.memory.heads.get(key);
    if (remembered) return remembered;
    throw this.needsStore(key);
  }

  async open(key: string, versionId?: string): Promise<Readable | null> {
    if (versionId) return this.remote.open(key, versionId);
    const spooled = await this.spool.open(key);
    if (spooled || !this.offline) return spooled ?? this.remote.open(key);
    const remembered = await this.memory.heads.open(key);
    if (remembered) return remembered;
    throw this.needsStore(key);
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    const spooled = await collect(this.waiting(prefix, options));
    if (!this.offline) {
      yield* mergeSorted(spooled, this.remote.list(prefix, options));
      return;
    }
    const stream = WITHIN_STREAM.exec(prefix)?.[1];
    if (!stream) throw this.needsStore(prefix);
    const remembered = await collect(this.memory.heads.list(prefix, options));
    if (spooled.length === 0 && remembered.length === 0 && !(await this.knows(stream))) {
      throw new StoreUnavailableError(
        `the head of ${stream} is not known while ${this.url} is unreachable: no record of it waits in the spool at ${this.spoolDir}, ` +
          'and the store has confirmed none of its records through that spool. Nothing is written to it, so its chain cannot fork; ' +
          'it is collected again once the store answers.',
      );
    }
    yield* mergeSorted(spooled, remembered);
  }

  private async knows(stream: string): Promise<boolean> {
    for await (const _ of this.waiting(streamPrefix(stream))) return true;
    return this.memory.knows(stream);
  }

  describe(): Promise<Immutability> {
    return this.remote.describe();
  }

  async close(): Promise<void> {
    await this.remote.close();
  }
}
