import { bucketReader, type RemoteSettings, withoutTrailingSlash } from '../../../src/store/remote/bucket.js';
import { type HashResult, hashStream, type ResourceDigest } from './hash-model.js';
import { ignoreMatcher } from './model-files.js';
import { unreadable } from './read-failures.js';

/**
 * Whether a listed name is a folder marker, not a file of the model: a zero-byte key ending in '/', as the
 * S3 and Cloud consoles' "Create folder" write. The marker of the model's own folder (`churn-good/` under
 * `s3://bucket/churn-good`) is the listed prefix itself, so its name relative to the model is empty.
 */
function isFolderMarker(name: string): boolean {
  return name === '' || name.endsWith('/');
}

/** Lists the objects under a bucket prefix and hashes each as it streams in, leaving out the ignored ones. */
export async function hashBucket(modelPath: string, ignores: string[], options: RemoteSettings & { signal?: AbortSignal | undefined }): Promise<HashResult> {
  const started = performance.now();
  const base = withoutTrailingSlash(modelPath);
  const isIgnored = ignoreMatcher(ignores);
  const reader = await bucketReader(modelPath, options);
  try {
    const names: string[] = [];
    try {
      for await (const name of reader.list('')) if (!isFolderMarker(name) && !isIgnored(name)) names.push(name);
    } catch (err) {
      throw unreadable(`cannot list the objects under ${base}/`, err, "check the bucket and prefix, and that the agent's credentials may list them");
    }
    const resources: ResourceDigest[] = [];
    for (const name of names) {
      options.signal?.throwIfAborted();
      try {
        const body = await reader.open(name);
        if (body) resources.push({ name, ...(await hashStream(body)) });
      } catch (err) {
        throw unreadable(`cannot read ${base}/${name}`, err, "check that the object still exists and that the agent's credentials may read it", name);
      }
    }
    return { resources, totalBytes: resources.reduce((n, r) => n + r.size, 0), seconds: (performance.now() - started) / 1000 };
  } finally {
    await reader.close();
  }
}
