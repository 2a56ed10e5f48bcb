import type { BucketSettings } from '../settings.js';
import type { ObjectBackend } from './backend.js';

/** Bucket settings as a caller holds them: each provider's block possibly left unset. */
export type RemoteSettings = { [K in keyof BucketSettings]?: BucketSettings[K] | undefined };

/** Whether a location names a bucket prefix (`s3://…`, `gs://…`) rather than a local path. */
export function isRemote(location: string): boolean {
  return location.startsWith('s3://') || location.startsWith('gs://');
}

export function withoutTrailingSlash(location: string): string {
  return location.replace(/\/+$/, '');
}

/**
 * A read-only view of a bucket prefix, through the same backends the evidence
 * stores use, for collectors that read models, events or datasets in buckets.
 * The provider's SDK is loaded only when a URL needs it.
 */
export async function bucketReader(url: string, settings: RemoteSettings): Promise<ObjectBackend> {
  if (url.startsWith('s3://')) {
    const { S3Backend } = await import('../s3/s3-backend.js');
    return new S3Backend(url, settings.s3);
  }
  if (url.startsWith('gs://')) {
    const { GcsBackend } = await import('../gcs/gcs-backend.js');
    return new GcsBackend(url, settings.gcs);
  }
  throw new Error(`${url} is not a bucket URL: use s3://bucket/prefix or gs://bucket/prefix`);
}
