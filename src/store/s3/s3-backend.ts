import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  GetBucketEncryptionCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { JsonObject } from '../../json.js';
import { type BucketPosture, type ErrorClass, nullIfMissing, type ObjectBackend, type PutObjectRequest, parseBucketUrl } from '../remote/backend.js';
import type { S3Settings } from '../settings.js';
import type { ObjectLock, ObjectVersion } from '../types.js';

interface SdkError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);
const DAYS_PER_YEAR = 365;

/** Unversioned objects report the version id "null", which some servers refuse when sent back. */
function versionParam(versionId: string | undefined): string | undefined {
  return versionId && versionId !== 'null' ? versionId : undefined;
}

function status(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

async function optional<T>(call: () => Promise<T>, absent: string[]): Promise<T | null> {
  try {
    return await call();
  } catch (err) {
    const e = err as SdkError;
    if (absent.includes(e.name ?? '') || absent.includes(e.code ?? '') || status(err) === 404) return null;
    throw err;
  }
}

/** S3 through @aws-sdk/client-s3; credentials from the SDK's default provider chain, never from the config. */
export class S3Backend implements ObjectBackend {
  readonly provider = 's3';
  readonly url: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;

  constructor(url: string, settings: S3Settings = {}) {
    this.url = url;
    ({ bucket: this.bucket, prefix: this.prefix } = parseBucketUrl(url, 's3'));
    // S3-compatible servers (MinIO, Ceph RGW, moto) are reached by endpoint, and want path-style addressing.
    const endpoint = settings.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const config: S3ClientConfig = {
      region: settings.region ?? process.env.AWS_REGION ?? 'us-east-1',
      forcePathStyle: settings.forcePathStyle ?? endpoint !== undefined,
      // Retries are ours (LockedObjectStore), so that S3 and GCS back off alike.
      maxAttempts: 1,
      // We send our own SHA-256 checksum; this also keeps streamed uploads working on Ceph RGW.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
    };
    if (endpoint) config.endpoint = endpoint;
    this.client = new S3Client(config);
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  classify(err: unknown): ErrorClass {
    const e = err as SdkError;
    const code = status(err);
    if (code === 412 || e.name === 'PreconditionFailed') return 'precondition-failed';
    if (code === 404 || e.name === 'NoSuchKey' || e.name === 'NotFound') return 'not-found';
    if (code === 409 || code === 429 || (code !== undefined && code >= 500)) return 'retry';
    // A file the upload reads (a spooled object) is gone or unreadable: retrying will not help, and it is no outage.
    if (typeof (err as NodeJS.ErrnoException).path === 'string') return 'fatal';
    if (e.$retryable || e.name === 'TimeoutError' || e.name === 'RequestTimeout' || NETWORK_CODES.has(e.code ?? '')) return 'retry';
    if (code === undefined && (e.name === 'Error' || e.name === 'AbortError' || /socket|ECONN|network|timeout/i.test(String((err as Error).message))))
      return 'retry';
    return 'fatal';
  }

  async putIfAbsent(req: PutObjectRequest): Promise<'created' | 'precondition-failed'> {
    // Opened here, so a missing file fails this call: a stream that fails to open while the SDK
    // holds it emits an 'error' nobody listens to, which ends the process.
    const body = req.body instanceof Uint8Array ? req.body : (await open(req.body.path)).createReadStream();
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.k(req.key),
          Body: body,
          ContentLength: req.size,
          ContentType: req.key.endsWith('.json') ? 'application/json' : 'application/octet-stream',
          IfNoneMatch: '*',
          ChecksumSHA256: Buffer.from(req.sha256Hex, 'hex').toString('base64'),
          ContentMD5: req.md5Base64,
          ...(req.retainUntil ? { ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: req.retainUntil } : {}),
        }),
      );
      return 'created';
    } catch (err) {
      if (this.classify(err) === 'precondition-failed') return 'precondition-failed';
      throw err;
    } finally {
      // Closes the file when the SDK gave up before reading it all.
      if (!(body instanceof Uint8Array)) body.destroy();
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await nullIfMissing(this, () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.k(key) })))) !== null;
  }

  async open(key: string, versionId?: string): Promise<Readable | null> {
    const res = await nullIfMissing(this, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.k(key), VersionId: versionParam(versionId) })),
    );
    return res ? (res.Body as Readable) : null;
  }

  async get(key: string, versionId?: string): Promise<Uint8Array | null> {
    const body = await this.open(key, versionId);
    if (!body) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async *list(prefix: string, delimiter?: '/'): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.k(prefix), Delimiter: delimiter, ContinuationToken: token }),
      );
      const names = [...(page.Contents ?? []).map((o) => o.Key!), ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!)];
      names.sort();
      for (const name of names) yield name.slice(this.prefix.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *versions(prefix: string): AsyncIterable<{ key: string; versions: ObjectVersion[] }> {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    // S3 lists each key's versions newest first, and timestamps can tie: trust that order, not the clock.
    let current: { key: string; real: ObjectVersion[]; markers: ObjectVersion[] } | undefined;
    const flush = () => (current ? { key: current.key, versions: [...current.real, ...current.markers] } : undefined);
    do {
      const page = await this.client.send(
        new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: this.k(prefix), KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
      );
      const entries = [
        ...(page.Versions ?? []).map((v) => ({ key: v.Key!, versionId: v.VersionId ?? 'null', lastModified: v.LastModified!, deleteMarker: false })),
        ...(page.DeleteMarkers ?? []).map((d) => ({ key: d.Key!, versionId: d.VersionId ?? 'null', lastModified: d.LastModified!, deleteMarker: true })),
      ].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const { key: fullKey, ...version } of entries) {
        const key = fullKey.slice(this.prefix.length);
        if (current && current.key !== key) {
          yield flush()!;
          current = undefined;
        }
        current ??= { key, real: [], markers: [] };
        if (version.deleteMarker) current.markers.push(version);
        else current.real.unshift(version);
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    if (current) yield flush()!;
  }

  async lock(key: string, versionId?: string): Promise<ObjectLock> {
    const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.k(key), VersionId: versionParam(versionId) }));
    return {
      compliance: head.ObjectLockMode === 'COMPLIANCE',
      mode: head.ObjectLockMode ?? null,
      retainUntil: head.ObjectLockRetainUntilDate ?? null,
    };
  }

  async posture(): Promise<BucketPosture> {
    const Bucket = this.bucket;
    const versioning = await this.client.send(new GetBucketVersioningCommand({ Bucket }));
    const lock = await optional(() => this.client.send(new GetObjectLockConfigurationCommand({ Bucket })), ['ObjectLockConfigurationNotFoundError']);
    const encryption = await optional(
      () => this.client.send(new GetBucketEncryptionCommand({ Bucket })),
      ['ServerSideEncryptionConfigurationNotFoundError', 'NotImplemented'],
    ).catch(() => undefined);
    const publicAccess = await optional(
      () => this.client.send(new GetPublicAccessBlockCommand({ Bucket })),
      ['NoSuchPublicAccessBlockConfiguration', 'NotImplemented'],
    ).catch(() => undefined);
    const lockEnabled = lock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    const rule = lock?.ObjectLockConfiguration?.Rule?.DefaultRetention;
    const days = rule ? (rule.Days ?? 0) + (rule.Years ?? 0) * DAYS_PER_YEAR : 0;
    const pab = publicAccess?.PublicAccessBlockConfiguration;
    const details: JsonObject = {
      provider: 's3',
      bucket: Bucket,
      versioningStatus: versioning.Status ?? 'Off',
      defaultRetentionMode: rule?.Mode ?? null,
      encryption:
        encryption === undefined
          ? 'unknown'
          : (encryption?.ServerSideEncryptionConfiguration?.Rules ?? []).map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? 'unknown'),
      publicAccessBlock:
        pab === undefined
          ? 'unknown'
          : pab
            ? Boolean(pab.BlockPublicAcls && pab.BlockPublicPolicy && pab.IgnorePublicAcls && pab.RestrictPublicBuckets)
            : false,
    };
    return {
      url: this.url,
      versioning: versioning.Status === 'Enabled',
      objectLock: lockEnabled,
      defaultRetention: lockEnabled && rule ? { compliance: rule.Mode === 'COMPLIANCE', days } : null,
      perObjectRetention: lockEnabled,
      details,
    };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export const S3_FIXES = {
  versioning: 'Object Lock needs versioning: aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled.',
  objectLock:
    'Object Lock can only be enabled when a bucket is created (aws s3api create-bucket … --object-lock-enabled-for-bucket); create a new bucket for evidence, or see deploy/terraform.',
  defaultRetention:
    'Set a COMPLIANCE default retention at least retention.days long: aws s3api put-object-lock-configuration --bucket <bucket> --object-lock-configuration \'{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"COMPLIANCE","Days":<days>}}}\', or set retention.perObject: true (the agent then needs s3:PutObjectRetention).',
};
