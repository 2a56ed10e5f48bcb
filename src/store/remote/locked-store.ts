import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { sameContent } from '../same-content.js';
import type { StorageNote } from '../types.js';
import {
  assertValidKey,
  type EvidenceStore,
  type Immutability,
  type ListOptions,
  type ObjectLock,
  type PutBody,
  type PutResult,
  type StoreAudit,
  StoreConflictError,
  StoreError,
  StorePreflightError,
  StoreUnavailableError,
} from '../types.js';
import type { BucketPosture, ObjectBackend } from './backend.js';
import { preflightProblems, type RetentionSettings } from './preflight.js';
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from './retry.js';

export interface LockedStoreOptions {
  retention: RetentionSettings;
  allowMutable: boolean;
  retry?: RetryPolicy;
  log: Logger;
  /** Provider-specific advice for each preflight failure. */
  fixes: { versioning: string; objectLock: string; defaultRetention: string };
  clock?: () => Date;
}

const DAY_MS = 86_400_000;

/** SHA-256 for the server to check, and MD5 because some S3 servers still demand Content-MD5 under Object Lock. */
async function bodyFacts(body: PutBody): Promise<{ sha256Hex: string; md5Base64: string; size: number }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  if (body instanceof Uint8Array) {
    sha.update(body);
    md5.update(body);
  } else {
    for await (const chunk of createReadStream(body.path)) {
      sha.update(chunk as Buffer);
      md5.update(chunk as Buffer);
    }
  }
  const size = body instanceof Uint8Array ? body.byteLength : (await stat(body.path)).size;
  return { sha256Hex: sha.digest('hex'), md5Base64: md5.digest('base64'), size };
}

/**
 * A bucket used as a write-once evidence store, whatever the provider: checks
 * the bucket before the first write, writes create-only, treats an existing
 * key as an idempotent retry only when its bytes are identical, and retries
 * transient failures with backoff.
 */
export class LockedObjectStore implements EvidenceStore {
  readonly url: string;
  storage: StorageNote | undefined;
  readonly audit: StoreAudit;
  private posture: BucketPosture | undefined;

  constructor(
    private readonly backend: ObjectBackend,
    private readonly options: LockedStoreOptions,
  ) {
    this.url = backend.url;
    this.audit = {
      retentionDays: options.retention.days,
      versions: (prefix: string) => this.backend.versions(prefix),
      lock: (key: string, versionId?: string): Promise<ObjectLock> => this.retry(`reading the lock of ${key}`, () => this.backend.lock(key, versionId)),
    };
  }

  private retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(
      fn,
      (err) => this.backend.classify(err) === 'retry',
      this.options.retry ?? DEFAULT_RETRY,
      (err, attempt, delay) => this.options.log.warn({ err, attempt, delayMs: Math.round(delay), store: this.url }, `${what} failed; retrying`),
    ).catch((err: unknown) => {
      if (err instanceof StoreError) throw err;
      const kind = this.backend.classify(err);
      const message = `${what} on ${this.url} failed: ${(err as Error).message || (err as Error).name}`;
      throw kind === 'retry' ? new StoreUnavailableError(message, { cause: err }) : new StoreError(message, { cause: err });
    });
  }

  /**
   * Checks the bucket can keep evidence immutable; refuses with what to fix,
   * unless `allowMutable`, in which case every record will say it is not protected.
   * Gives what the bucket said, for the spool to remember.
   */
  async preflight(): Promise<BucketPosture> {
    const posture = await this.retry('reading the bucket configuration', () => this.backend.posture());
    this.posture = posture;
    this.judge(posture);
    return posture;
  }

  /**
   * Judges what an earlier preflight found, while the bucket cannot be asked,
   * so records written meanwhile state the protection they will have. It is not
   * taken for what the bucket is like now: describe() still asks the bucket.
   */
  adopt(posture: BucketPosture): void {
    this.judge(posture);
  }

  private judge(posture: BucketPosture): void {
    const problems = preflightProblems(posture, this.options.retention, this.options.fixes);
    const { days, perObject } = this.options.retention;
    if (problems.length === 0) {
      this.storage = { retention: perObject ? 'per-object' : 'bucket-default', mode: 'COMPLIANCE', days };
      return;
    }
    if (!this.options.allowMutable) {
      throw new StorePreflightError(
        `store ${this.url} cannot keep evidence immutable:\n- ${problems.join('\n- ')}\nTo write anyway (every record will say the store is mutable), set store.allowMutable: true.`,
      );
    }
    this.options.log.warn({ store: this.url, problems }, 'store is mutable; writing anyway because store.allowMutable is set');
    this.storage = { retention: 'none', mutable: true };
  }

  async put(key: string, body: PutBody): Promise<PutResult> {
    assertValidKey(key);
    const facts = await bodyFacts(body);
    const perObject = this.storage?.retention === 'per-object';
    return this.retry(`writing ${key}`, async () => {
      // Some servers (Ceph RGW on versioned buckets) ignore If-None-Match and add a version instead: look first.
      if (!(await this.backend.exists(key))) {
        const now = this.options.clock?.() ?? new Date();
        const retainUntil = perObject ? new Date(now.getTime() + this.options.retention.days * DAY_MS) : undefined;
        const outcome = await this.backend.putIfAbsent({ key, body, ...facts, ...(retainUntil ? { retainUntil } : {}) });
        if (outcome === 'created') return 'created';
      }
      const existing = await this.backend.open(key);
      if (existing && (await sameContent(existing, body))) return 'exists';
      this.options.log.error({ key, store: this.url }, 'FORK: a different object already exists at this key; it was not overwritten');
      throw new StoreConflictError(key, `${this.url} already holds different bytes there (a fork, or tampering)`);
    });
  }

  get(key: string, versionId?: string): Promise<Uint8Array | null> {
    return this.retry(`reading ${key}`, () => this.backend.get(key, versionId));
  }

  open(key: string, versionId?: string): Promise<Readable | null> {
    return this.retry(`opening ${key}`, () => this.backend.open(key, versionId));
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<string> {
    // Listing pages are fetched inside the backend; a failure mid-way surfaces as a StoreError.
    try {
      yield* this.backend.list(prefix, options.delimiter);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const message = `listing ${prefix} on ${this.url} failed: ${(err as Error).message}`;
      throw this.backend.classify(err) === 'retry' ? new StoreUnavailableError(message, { cause: err }) : new StoreError(message, { cause: err });
    }
  }

  async describe(): Promise<Immutability> {
    const posture = this.posture ?? (await this.retry('reading the bucket configuration', () => this.backend.posture()));
    const problems = preflightProblems(posture, this.options.retention, this.options.fixes);
    return {
      mechanism: `${this.backend.provider}-retention`,
      writeOnce: true,
      locked: problems.length === 0,
      retentionDays: posture.defaultRetention?.days ?? this.options.retention.days,
      details: {
        versioning: posture.versioning,
        objectLock: posture.objectLock,
        defaultRetention: posture.defaultRetention,
        perObjectRetention: posture.perObjectRetention,
        retentionApplied: this.storage?.retention ?? null,
        ...posture.details,
      },
      warnings: problems,
    };
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
