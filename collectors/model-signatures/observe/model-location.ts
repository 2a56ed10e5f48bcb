import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bucketReader, isRemote, type RemoteSettings, withoutTrailingSlash } from '../../../src/store/remote/bucket.js';

/** Where the OpenSSF tool writes the signature by default. */
export function defaultSignaturePath(modelPath: string): string {
  return isRemote(modelPath) ? `${withoutTrailingSlash(modelPath)}/model.sig` : resolve(modelPath, 'model.sig');
}

/** A configured model's path and signature, local ones resolved against the config file's folder. */
export function locateModel(model: { path: string; signature?: string }, resolvePath: (p: string) => string): { path: string; signature: string } {
  const path = isRemote(model.path) ? model.path : resolvePath(model.path);
  const signature = model.signature ? (isRemote(model.signature) ? model.signature : resolvePath(model.signature)) : defaultSignaturePath(path);
  return { path, signature };
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
