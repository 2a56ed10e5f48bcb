import { type HashResult, hashStream, type ResourceDigest } from './hash-model.js';
import { ignoreMatcher } from './model-files.js';
import { bucketReader, type RemoteSettings, withoutTrailingSlash } from './model-location.js';
import { unreadable } from './read-failures.js';

/** Lists the objects under a bucket prefix and hashes each as it streams in, leaving out the ignored ones. */
export async function hashBucket(modelPath: string, ignores: string[], options: RemoteSettings & { signal?: AbortSignal | undefined }): Promise<HashResult> {
  const started = performance.now();
  const base = withoutTrailingSlash(modelPath);
  const isIgnored = ignoreMatcher(ignores);
  const reader = await bucketReader(modelPath, options);
  try {
    const names: string[] = [];
    try {
      // A key ending in '/' is a zero-byte folder marker (the S3 console makes them), not a file of the model.
      for await (const name of reader.list('')) if (!name.endsWith('/') && !isIgnored(name)) names.push(name);
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
