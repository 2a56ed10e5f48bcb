import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { FileStore, fileStoreRoot } from '../store/file-store.js';
import { backendFor, openStore } from '../store/open.js';
import type { ObjectBackend } from '../store/remote/backend.js';
import { DEFAULT_RETRY, withRetry } from '../store/remote/retry.js';
import { StoreError, StoreUnavailableError } from '../store/types.js';
import type { WitnessSettings } from './witness-settings.js';

/**
 * Where checkpoints are witnessed, as the agent sees it: a place it may write
 * to and nothing more. It never reads back (the auditor's bucket policy may
 * forbid it), so a key that already exists is taken as witnessed; a different
 * object there is for `verify --witness` to find.
 */
export interface WitnessTarget {
  readonly url: string;
  put(key: string, bytes: Uint8Array): Promise<'created' | 'exists'>;
  close(): Promise<void>;
}

/** The witness did not take a checkpoint; the message says which and why. */
export class WitnessError extends StoreError {
  override name = 'WitnessError';
}

function isHttp(url: string): boolean {
  return url.startsWith('https://') || url.startsWith('http://');
}

/** `<url>/<key>`, with exactly one `/` between them. */
export function httpWitnessUrl(url: string, key: string): string {
  return `${url.replace(/\/+$/, '')}/${key}`;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function retryableHttp(err: unknown): boolean {
  if (err instanceof HttpStatusError) return err.status === 429 || err.status >= 500;
  // fetch rejects with a TypeError on connection failures (refused, reset, DNS).
  return err instanceof TypeError || (err as Error).name === 'TimeoutError';
}

class HttpWitness implements WitnessTarget {
  constructor(
    readonly url: string,
    private readonly attempts: number,
    private readonly log: Logger,
  ) {}

  async put(key: string, bytes: Uint8Array): Promise<'created' | 'exists'> {
    const target = httpWitnessUrl(this.url, key);
    const once = async (): Promise<'created' | 'exists'> => {
      const res = await fetch(target, {
        method: 'PUT',
        body: new Uint8Array(bytes),
        headers: { 'content-type': 'application/json', 'if-none-match': '*' },
        signal: AbortSignal.timeout(30_000),
      });
      await res.body?.cancel();
      if (res.ok) return 'created';
      if (res.status === 412) return 'exists';
      throw new HttpStatusError(res.status, `PUT ${target} answered ${res.status} ${res.statusText}`);
    };
    return this.retrying(`witnessing ${key}`, once, retryableHttp);
  }

  retrying<T>(what: string, fn: () => Promise<T>, retryable: (err: unknown) => boolean): Promise<T> {
    return withRetry(fn, retryable, { ...DEFAULT_RETRY, attempts: this.attempts }, (err, attempt) =>
      this.log.warn({ err, attempt, witness: this.url }, `${what} failed; retrying`),
    ).catch((err: unknown) => {
      const message = `${what} at ${this.url} failed: ${(err as Error).message}`;
      throw retryable(err) ? new StoreUnavailableError(message, { cause: err }) : new WitnessError(message, { cause: err });
    });
  }

  async close(): Promise<void> {}
}

class BucketWitness implements WitnessTarget {
  readonly url: string;
  constructor(
    private readonly backend: ObjectBackend,
    private readonly attempts: number,
    private readonly log: Logger,
  ) {
    this.url = backend.url;
  }

  async put(key: string, bytes: Uint8Array): Promise<'created' | 'exists'> {
    const facts = {
      sha256Hex: createHash('sha256').update(bytes).digest('hex'),
      md5Base64: createHash('md5').update(bytes).digest('base64'),
      size: bytes.byteLength,
    };
    // putIfAbsent only: no HEAD or GET first, which a write-only role may not do.
    const outcome = await withRetry(
      () => this.backend.putIfAbsent({ key, body: bytes, ...facts }),
      (err) => this.backend.classify(err) === 'retry',
      { ...DEFAULT_RETRY, attempts: this.attempts },
      (err, attempt) => this.log.warn({ err, attempt, witness: this.url }, `witnessing ${key} failed; retrying`),
    ).catch((err: unknown) => {
      const message = `witnessing ${key} at ${this.url} failed: ${(err as Error).message || (err as Error).name}`;
      throw this.backend.classify(err) === 'retry' ? new StoreUnavailableError(message, { cause: err }) : new WitnessError(message, { cause: err });
    });
    return outcome === 'created' ? 'created' : 'exists';
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}

class FolderWitness implements WitnessTarget {
  readonly url: string;
  constructor(private readonly store: FileStore) {
    this.url = store.url;
  }
  put(key: string, bytes: Uint8Array): Promise<'created' | 'exists'> {
    return this.store.put(key, bytes);
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

/** Opens the witness for writing; relative `file:` folders resolve against `baseDir` (the config's folder). */
export async function openWitnessTarget(settings: WitnessSettings, baseDir: string, log: Logger): Promise<WitnessTarget> {
  const attempts = settings.retries ?? DEFAULT_RETRY.attempts;
  if (isHttp(settings.url)) return new HttpWitness(settings.url, attempts, log);
  if (settings.url.startsWith('file:')) return new FolderWitness(new FileStore(fileStoreRoot(settings.url, baseDir)));
  return new BucketWitness((await backendFor(settings)).backend, attempts, log);
}

/** One witnessed checkpoint as the auditor reads it back. */
export interface WitnessedObject {
  key: string;
  bytes: Uint8Array;
  /** How many versions the witness holds of the key (buckets that keep versions); more than one means it was written again. */
  versions: number;
}

/** The witness as the auditor reads it: every witnessed checkpoint of an agent, oldest first. */
export interface WitnessReader {
  readonly url: string;
  /** The agents the witness holds checkpoints of; null where it cannot be listed (https). */
  agents(): Promise<string[] | null>;
  checkpoints(agent: string): AsyncIterable<WitnessedObject>;
  close(): Promise<void>;
}

const CHECKPOINT_KEY = /^checkpoints\/([^/]+)\/(\d{12})\.json$/;

function seqKey(agent: string, seq: number): string {
  return `checkpoints/${agent}/${String(seq).padStart(12, '0')}.json`;
}

/**
 * Opens a witness for reading: folders and buckets through the store adapters
 * (a bucket's oldest version of each key is the one read), an https witness by
 * GET of `checkpoints/<agent>/<seq>.json` from 0 up to the first 404.
 */
export async function openWitnessReader(settings: WitnessSettings, baseDir: string, log: Logger): Promise<WitnessReader> {
  if (isHttp(settings.url)) {
    const http = new HttpWitness(settings.url, settings.retries ?? DEFAULT_RETRY.attempts, log);
    return {
      url: settings.url,
      agents: async () => null,
      async *checkpoints(agent) {
        for (let seq = 0; ; seq++) {
          const key = seqKey(agent, seq);
          const target = httpWitnessUrl(settings.url, key);
          const bytes = await http.retrying(
            `reading ${key}`,
            async () => {
              const res = await fetch(target, { signal: AbortSignal.timeout(30_000) });
              if (res.status === 404) return null;
              if (!res.ok) throw new HttpStatusError(res.status, `GET ${target} answered ${res.status} ${res.statusText}`);
              return new Uint8Array(await res.arrayBuffer());
            },
            retryableHttp,
          );
          if (!bytes) return;
          yield { key, bytes, versions: 1 };
        }
      },
      close: async () => undefined,
    };
  }
  const store = await openStore(settings, baseDir, { log, mode: 'read' });
  return {
    url: store.url,
    async agents() {
      const found = new Set<string>();
      for await (const key of store.list('checkpoints/')) {
        const m = CHECKPOINT_KEY.exec(key);
        if (m) found.add(m[1]!);
      }
      return [...found];
    },
    async *checkpoints(agent) {
      const prefix = `checkpoints/${agent}/`;
      if (store.audit) {
        for await (const { key, versions } of store.audit.versions(prefix)) {
          const kept = versions.filter((v) => !v.deleteMarker);
          if (!CHECKPOINT_KEY.test(key) || kept.length === 0) continue;
          const bytes = await store.get(key, kept[0]!.versionId);
          if (bytes) yield { key, bytes, versions: kept.length };
        }
        return;
      }
      for await (const key of store.list(prefix)) {
        if (!CHECKPOINT_KEY.test(key)) continue;
        const bytes = await store.get(key);
        if (bytes) yield { key, bytes, versions: 1 };
      }
    },
    close: () => store.close(),
  };
}
