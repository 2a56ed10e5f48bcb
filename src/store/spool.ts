import { access, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { isErrno } from './errno.js';
import { FileStore } from './file-store.js';
import { RECORDS_PREFIX } from './layout.js';
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

async function* mergeSorted(a: string[], b: AsyncIterable<string>): AsyncIterable<string> {
  let i = 0;
  for await (const item of b) {
    while (i < a.length && a[i]! < item) yield a[i++]!;
    if (a[i] === item) i++;
    yield item;
  }
  while (i < a.length) yield a[i++]!;
}

/**
 * Puts a durable local spool in front of a remote store. Every object is
 * fsynced to the spool first and removed from it only after the remote store
 * confirms it, so neither an outage nor a kill -9 loses evidence; keys are
 * deterministic and writes create-only, so re-sending never duplicates.
 */
export class SpoolingStore implements EvidenceStore {
  readonly url: string;
  private readonly spool: FileStore;
  private down: Error | null = null;
  /** The pass sending the spool now, and the one queued to run after it. */
  private sending: Promise<number> | null = null;
  private queued: Promise<number> | null = null;

  constructor(
    private readonly remote: EvidenceStore,
    readonly spoolDir: string,
    private readonly log: Logger,
  ) {
    this.url = remote.url;
    this.spool = new FileStore(spoolDir);
  }

  get storage(): StorageNote | undefined {
    return this.remote.storage;
  }

  get audit() {
    return this.remote.audit;
  }

  private async spooledKeys(): Promise<string[]> {
    const all = await collect(this.spool.list(''));
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

  private async sendSpooled(): Promise<number> {
    const keys = await this.spooledKeys();
    for (const [i, key] of keys.entries()) {
      const path = join(this.spool.root, key);
      try {
        await this.remote.put(key, { path });
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

  /** One more attempt to send everything, even after an outage earlier in the run. */
  async flush(): Promise<void> {
    this.down = null;
    await this.drain();
  }

  async pending(): Promise<{ count: number; where: string; reason?: string }> {
    const count = (await collect(this.spool.list(''))).length;
    return { count, where: this.spoolDir, ...(this.down ? { reason: this.down.message } : {}) };
  }

  async get(key: string, versionId?: string): Promise<Uint8Array | null> {
    if (versionId) return this.remote.get(key, versionId);
    return (await this.spool.get(key)) ?? this.remote.get(key);
  }

  async open(key: string, versionId?: string): Promise<Readable | null> {
    if (versionId) return this.remote.open(key, versionId);
    return (await this.spool.open(key)) ?? this.remote.open(key);
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    yield* mergeSorted(await collect(this.spool.list(prefix, options)), this.remote.list(prefix, options));
  }

  describe(): Promise<Immutability> {
    return this.remote.describe();
  }

  async close(): Promise<void> {
    await this.remote.close();
  }
}
