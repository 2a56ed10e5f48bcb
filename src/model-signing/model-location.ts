import { readFile, stat } from 'node:fs/promises';
import type { ObjectBackend } from '../store/remote/backend.js';

export interface RemoteSettings {
  s3?: { region?: string; endpoint?: string; forcePathStyle?: boolean };
  gcs?: { projectId?: string; apiEndpoint?: string };
}

export function isRemote(location: string): boolean {
  return location.startsWith('s3://') || location.startsWith('gs://');
}

/** A read-only view of a bucket prefix, through the same backends the evidence stores use. */
export async function bucketReader(url: string, settings: RemoteSettings): Promise<ObjectBackend> {
  if (url.startsWith('s3://')) {
    const { S3Backend } = await import('../store/s3/s3-backend.js');
    return new S3Backend(url, settings.s3);
  }
  const { GcsBackend } = await import('../store/gcs/gcs-backend.js');
  return new GcsBackend(url, settings.gcs);
}

/** Splits `s3://bucket/a/b.sig` into the bucket URL and the object key. */
function splitObjectUrl(url: string): { bucketUrl: string; key: string } {
  const m = /^(s3|gs):\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`${url} does not name an object`);
  return { bucketUrl: `${m[1]}://${m[2]}`, key: m[3]! };
}

/** The text of a signature file, local or in a bucket; null when it does not exist. */
export async function readSignatureText(location: string, settings: RemoteSettings): Promise<string | null> {
  if (!isRemote(location)) {
    const info = await stat(location).catch(() => null);
    if (!info?.isFile()) return null;
    return readFile(location, 'utf8');
  }
  const { bucketUrl, key } = splitObjectUrl(location);
  const reader = await bucketReader(bucketUrl, settings);
  try {
    const bytes = await reader.get(key);
    return bytes ? Buffer.from(bytes).toString('utf8') : null;
  } finally {
    await reader.close();
  }
}

