import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { motoAvailable, type RunningServer, startMoto } from '../../../test/servers/moto.js';
import { createBucket, testClient } from '../../../test/servers/s3-buckets.js';
import { useTestCredentials } from '../../../test/servers/s3-servers.js';
import { scanLogs } from '../observe/scan/scan-logs.js';
import { hmac, options, PLANTED, plantedIn, where } from './scan-helpers.js';

describe.skipIf(!motoAvailable())('scanLogs on an S3 prefix (moto; skipped without moto_server)', () => {
  let moto: RunningServer;
  let client: S3Client;
  beforeAll(async () => {
    useTestCredentials();
    moto = await startMoto();
    client = testClient(moto.endpoint);
  });
  afterAll(() => moto?.stop());

  const put = (bucket: string, key: string, body: string | Buffer) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  it('scans every object under the prefix in key order, plain and gzip, passing over folder markers and other prefixes', async () => {
    await createBucket(client, 'acme-logs', 'plain');
    await put('acme-logs', 'litellm/2026/01/01/a.jsonl', `{"model":"m"}\n{"user":"${PLANTED.email}"}\n`);
    await put('acme-logs', 'litellm/2026/01/01/b.jsonl.gz', gzipSync(`{"messages":[{"role":"user","content":"${PLANTED.prompt}"}]}\n`));
    await put('acme-logs', 'litellm/2026/01/01/', '');
    await put('acme-logs', 'other/c.jsonl', `{"user":"${PLANTED.email}"}\n`);
    const s3 = { s3: { endpoint: moto.endpoint } };
    const result = await scanLogs(['s3://acme-logs/litellm/'], options({ settings: s3 }));
    expect(result.hits.map((h) => [h.location, h.line, h.kind])).toEqual([
      ['s3://acme-logs/litellm/2026/01/01/a.jsonl', 2, 'email'],
      ['s3://acme-logs/litellm/2026/01/01/b.jsonl.gz', 1, 'prompt-field'],
    ]);
    expect(result.hits[0]!.hmac).toBe(hmac(PLANTED.email));
    expect(result).toMatchObject({ locations: 2, linesScanned: 3, unreadable: [] });
    expect(plantedIn(JSON.stringify(result))).toBe(0);
  });

  it('reports a bucket that does not exist as unreadable, not thrown', async () => {
    const result = await scanLogs(['s3://no-such-bucket/logs/'], options({ settings: { s3: { endpoint: moto.endpoint } } }));
    expect(result.unreadable).toEqual([{ location: 's3://no-such-bucket/logs/', reason: expect.stringMatching(/NoSuchBucket/) }]);
    expect(where(result)).toEqual([]);
  });
});
