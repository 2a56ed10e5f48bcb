import type { Readable } from 'node:stream';
import type { JsonObject } from '../../json.js';
import type { ObjectLock, ObjectVersion, PutBody } from '../types.js';

/** What a bucket says about itself, in terms common to S3 and GCS. */
export interface BucketPosture {
  /** `s3://bucket/prefix` or `gs://bucket/prefix`. */
  url: string;
  versioning: boolean;
  /** S3: Object Lock enabled on the bucket; GCS: a retention policy or object retention is enabled. */
  objectLock: boolean;
  /** Retention every new object gets without asking: S3 default retention, GCS bucket retention policy. */
  defaultRetention: { compliance: boolean; days: number } | null;
  /** Whether retention can be set on each object at write time. */
  perObjectRetention: boolean;
  /** Provider-specific settings worth recording as evidence (encryption, public access…). */
  details: JsonObject;
}

/** How to treat an error from the provider. */
export type ErrorClass = 'retry' | 'precondition-failed' | 'not-found' | 'fatal';

export interface PutObjectRequest {
  key: string;
  body: PutBody;
  sha256Hex: string;
  md5Base64: string;
  size: number;
  /** Set only when retention is applied per object. */
  retainUntil?: Date;
}

/**
 * The few calls the locked object store needs from a bucket. Each backend
 * translates them to its SDK and nothing more; conflict handling, retries and
 * preflight rules live once, in LockedObjectStore.
 */
export interface ObjectBackend {
  readonly url: string;
  readonly provider: string;
  /** Create-only write. Resolves `precondition-failed` when the server reports the key exists. */
  putIfAbsent(req: PutObjectRequest): Promise<'created' | 'precondition-failed'>;
  exists(key: string): Promise<boolean>;
  get(key: string, versionId?: string): Promise<Uint8Array | null>;
  open(key: string, versionId?: string): Promise<Readable | null>;
  list(prefix: string, delimiter?: '/'): AsyncIterable<string>;
  versions(prefix: string): AsyncIterable<{ key: string; versions: ObjectVersion[] }>;
  lock(key: string, versionId?: string): Promise<ObjectLock>;
  posture(): Promise<BucketPosture>;
  classify(err: unknown): ErrorClass;
  close(): Promise<void>;
}

/** Splits `s3://bucket/some/prefix` into bucket and a prefix that ends in `/` (or is empty). */
export function parseBucketUrl(url: string, scheme: 's3' | 'gs'): { bucket: string; prefix: string } {
  const m = new RegExp(`^${scheme}://([^/]+)/?(.*)$`).exec(url);
  if (!m?.[1]) throw new Error(`${url} is not a ${scheme}://bucket/prefix URL`);
  const prefix = m[2]!.replace(/^\/+|\/+$/g, '');
  return { bucket: m[1], prefix: prefix ? `${prefix}/` : '' };
}

/** Runs a provider call, turning "no such object" into null so callers need no try/catch of their own. */
export async function nullIfMissing<T>(backend: Pick<ObjectBackend, 'classify'>, call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    if (backend.classify(err) === 'not-found') return null;
    throw err;
  }
}
