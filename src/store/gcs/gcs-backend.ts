import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { type Bucket, type File, type FileMetadata, Storage, type StorageOptions } from '@google-cloud/storage';
import type { JsonObject } from '../../json.js';
import { type BucketPosture, type ErrorClass, nullIfMissing, type ObjectBackend, type PutObjectRequest, parseBucketUrl } from '../remote/backend.js';
import type { GcsSettings } from '../settings.js';
import type { ObjectLock, ObjectVersion } from '../types.js';

interface ClientError {
  code?: number | string;
  status?: number;
  response?: { status?: number; statusCode?: number };
  message?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const SECONDS_PER_DAY = 86_400;

function httpStatus(err: unknown): number | undefined {
  const e = err as ClientError | undefined;
  if (typeof e?.code === 'number') return e.code;
  return e?.status ?? e?.response?.status ?? e?.response?.statusCode;
}

function date(value: string | undefined): Date | null {
  return value ? new Date(value) : null;
}

/** The later of two optional dates. */
function later(a: Date | null, b: Date | null): Date | null {
  if (!a || !b) return a ?? b;
  return a.getTime() >= b.getTime() ? a : b;
}

/** Google Cloud Storage through @google-cloud/storage; credentials from Application Default Credentials, never from the config. */
export class GcsBackend implements ObjectBackend {
  readonly provider = 'gcs';
  readonly url: string;
  private readonly prefix: string;
  private readonly bucket: Bucket;
  /** Set once the bucket's retention policy is seen locked: a locked policy can never be unlocked, so this never goes stale. */
  private policyLocked = false;

  constructor(url: string, settings: GcsSettings = {}) {
    this.url = url;
    const parsed = parseBucketUrl(url, 'gs');
    this.prefix = parsed.prefix;
    const options: StorageOptions = {
      // Retries are ours (LockedObjectStore), so that S3 and GCS back off alike. (maxRetries: 0 alone is
      // ignored by the client as falsy; autoRetry: false is what turns its retries off.)
      retryOptions: { autoRetry: false, maxRetries: 0 },
    };
    if (settings.projectId) options.projectId = settings.projectId;
    if (settings.apiEndpoint) {
      options.apiEndpoint = settings.apiEndpoint;
      // The client already skips authentication for a custom endpoint unless told otherwise; say so
      // explicitly so a plain-http loopback server works on a machine without Google credentials.
      options.useAuthWithCustomEndpoint = false;
    }
    this.bucket = new Storage(options).bucket(parsed.bucket);
  }

  private file(key: string, versionId?: string): File {
    if (versionId === undefined) return this.bucket.file(this.prefix + key);
    // Only real generations can be read; the synthetic delete markers of versions() cannot.
    if (!/^\d+$/.test(versionId)) throw new Error(`${versionId} is not a GCS generation of ${key}`);
    return this.bucket.file(this.prefix + key, { generation: Number(versionId) });
  }

  classify(err: unknown): ErrorClass {
    const code = httpStatus(err);
    if (code === 412) return 'precondition-failed';
    if (code === 404) return 'not-found';
    if (code === 408 || code === 429 || (code !== undefined && code >= 500)) return 'retry';
    const e = err as ClientError | undefined;
    if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return 'retry';
    if (code === undefined && /socket hang up|fetch failed|ECONN|ETIMEDOUT|network|timeout/i.test(String(e?.message))) return 'retry';
    return 'fatal';
  }

  async putIfAbsent(req: PutObjectRequest): Promise<'created' | 'precondition-failed'> {
    const metadata: FileMetadata = { contentType: req.key.endsWith('.json') ? 'application/json' : 'application/octet-stream' };
    if (req.retainUntil) metadata.retention = { mode: 'Locked', retainUntilTime: req.retainUntil.toISOString() };
    try {
      // save() pipes a stream (never reading a whole file into memory) or sends the bytes as they are.
      await this.file(req.key).save(req.body instanceof Uint8Array ? req.body : createReadStream(req.body.path), {
        // Create-only: generation 0 matches only when no live object has the name.
        preconditionOpts: { ifGenerationMatch: 0 },
        // One multipart request: no resumable session to leave behind, and our retry restarts the upload anyway.
        resumable: false,
        // The client computes CRC32C while streaming and compares it with what the server stored.
        validation: 'crc32c',
        metadata,
      });
      return 'created';
    } catch (err) {
      if (this.classify(err) === 'precondition-failed') return 'precondition-failed';
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    const [found] = await this.file(key).exists();
    return found;
  }

  /** The object's metadata, or null when there is no such object (or generation). */
  private async metadata(key: string, versionId?: string): Promise<FileMetadata | null> {
    const found = await nullIfMissing(this, () => this.file(key, versionId).getMetadata());
    return found ? found[0] : null;
  }

  async open(key: string, versionId?: string): Promise<Readable | null> {
    // A read stream only reports 404 once read, so ask first; reading the generation the metadata named
    // pins the stream to the object that was found.
    const metadata = await this.metadata(key, versionId);
    if (!metadata) return null;
    return this.file(key, String(metadata.generation)).createReadStream({ validation: 'crc32c' });
  }

  async get(key: string, versionId?: string): Promise<Uint8Array | null> {
    const found = await nullIfMissing(this, () => this.file(key, versionId).download({ validation: 'crc32c' }));
    return found ? found[0] : null;
  }

  async *list(prefix: string, delimiter?: '/'): AsyncIterable<string> {
    let pageToken: string | undefined;
    do {
      const [files, next, response] = await this.bucket.getFiles({
        prefix: this.prefix + prefix,
        autoPaginate: false,
        ...(delimiter ? { delimiter } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      // Each page covers a name range, so sorting within a page keeps the whole listing in order.
      const names = [...files.map((f) => f.name), ...((response as { prefixes?: string[] } | undefined)?.prefixes ?? [])].sort();
      for (const name of names) yield name.slice(this.prefix.length);
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
  }

  async *versions(prefix: string): AsyncIterable<{ key: string; versions: ObjectVersion[] }> {
    let pageToken: string | undefined;
    let current: { key: string; entries: FileMetadata[] } | undefined;
    do {
      const [files, next] = await this.bucket.getFiles({
        prefix: this.prefix + prefix,
        versions: true,
        autoPaginate: false,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const { metadata } of files) {
        const key = metadata.name!.slice(this.prefix.length);
        // A key's generations can span pages: keep collecting until the name changes.
        if (current && current.key !== key) {
          yield versionsOf(current.key, current.entries);
          current = undefined;
        }
        current ??= { key, entries: [] };
        current.entries.push(metadata);
      }
      pageToken = (next as { pageToken?: string } | null)?.pageToken;
    } while (pageToken);
    if (current) yield versionsOf(current.key, current.entries);
  }

  async lock(key: string, versionId?: string): Promise<ObjectLock> {
    const [metadata] = await this.file(key, versionId).getMetadata();
    const policyUntil = date(metadata.retentionExpirationTime);
    const objectUntil = date(metadata.retention?.retainUntilTime);
    const objectLocked = metadata.retention?.mode === 'Locked';
    // retentionExpirationTime comes from the bucket policy, which protects the object only once locked.
    const policyActive = policyUntil !== null && policyUntil.getTime() > Date.now() && (await this.isPolicyLocked());
    return {
      compliance: objectLocked || policyActive,
      mode: metadata.retention?.mode ?? (policyUntil ? (policyActive ? 'BucketPolicyLocked' : 'BucketPolicy') : null),
      retainUntil: later(policyUntil, objectUntil),
    };
  }

  private async isPolicyLocked(): Promise<boolean> {
    if (!this.policyLocked) {
      const [metadata] = await this.bucket.getMetadata();
      this.policyLocked = metadata.retentionPolicy?.isLocked === true;
    }
    return this.policyLocked;
  }

  async posture(): Promise<BucketPosture> {
    const [metadata] = await this.bucket.getMetadata();
    const policy = metadata.retentionPolicy;
    const policyLocked = policy?.isLocked === true;
    if (policyLocked) this.policyLocked = true;
    const perObjectRetention = metadata.objectRetention?.mode === 'Enabled';
    const versioning = metadata.versioning?.enabled === true;
    const details: JsonObject = {
      provider: 'gcs',
      bucket: this.bucket.name,
      versioning,
      retentionPolicyLocked: policyLocked,
      uniformBucketLevelAccess: metadata.iamConfiguration?.uniformBucketLevelAccess?.enabled === true,
      publicAccessPrevention: metadata.iamConfiguration?.publicAccessPrevention ?? null,
      defaultKmsKeyName: metadata.encryption?.defaultKmsKeyName ?? null,
    };
    return {
      url: this.url,
      // The shared preflight asks for versioning because S3 Object Lock needs it. On GCS a locked retention
      // policy alone forbids overwriting and deleting every object until it expires, so versioning adds no
      // immutability there; the bucket's real setting is kept in details.versioning.
      versioning: versioning || policyLocked,
      objectLock: policy !== undefined || perObjectRetention,
      defaultRetention: policy ? { compliance: policyLocked, days: Math.floor(Number(policy.retentionPeriod ?? 0) / SECONDS_PER_DAY) } : null,
      perObjectRetention,
      details,
    };
  }

  async close(): Promise<void> {
    // The client holds no connections or timers that need closing.
  }
}

/**
 * One key's generations, oldest first. GCS has no delete markers: deleting the live object of a
 * versioned bucket makes it noncurrent (timeDeleted set). When even the newest generation is
 * noncurrent the key is hidden, so a synthetic delete marker (versionId `<generation>-deleted`,
 * at timeDeleted) records that for the verifier, as an S3 delete marker would.
 */
function versionsOf(key: string, entries: FileMetadata[]): { key: string; versions: ObjectVersion[] } {
  entries.sort((a, b) => Number(a.generation) - Number(b.generation));
  const versions: ObjectVersion[] = entries.map((m) => ({ versionId: String(m.generation), lastModified: new Date(m.timeCreated!), deleteMarker: false }));
  const newest = entries.at(-1);
  if (newest?.timeDeleted) versions.push({ versionId: `${newest.generation}-deleted`, lastModified: new Date(newest.timeDeleted), deleteMarker: true });
  return { key, versions };
}

export const GCS_FIXES = {
  versioning:
    'On GCS a locked retention policy makes objects immutable without versioning: lock one (see the retention advice), or turn versioning on with gcloud storage buckets update gs://<bucket> --versioning.',
  objectLock:
    'Set a retention policy at least retention.days long and lock it: gcloud storage buckets update gs://<bucket> --retention-period=<days>d, then gcloud storage buckets update gs://<bucket> --lock-retention-period (irreversible); or, for retention.perObject, create the bucket with gcloud storage buckets create gs://<bucket> --enable-per-object-retention.',
  defaultRetention:
    'Give the bucket a locked retention policy at least retention.days long: gcloud storage buckets update gs://<bucket> --retention-period=<days>d, then gcloud storage buckets update gs://<bucket> --lock-retention-period (irreversible), or set retention.perObject: true on a bucket with per-object retention enabled.',
};
