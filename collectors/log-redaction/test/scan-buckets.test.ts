import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { motoAvailable } from '../../../test/servers/moto.js';
import { createBucket } from '../../../test/servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from '../../../test/servers/s3-servers.js';

const MOTO = S3_SERVERS.find((k) => k.name === 'moto')!;

import { scanLogs } from '../observe/scan/scan-logs.js';
import { hmac, options, PLANTED, plantedIn, where } from './scan-helpers.js';

describe.skipIf(!motoAvailable())('scanLogs on an S3 prefix (moto; skipped without moto_server)', () => {
  const s3 = useS3Server(MOTO);

  const put = (bucket: string, key: string, body: string | Buffer) => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

  it('scans every object under the prefix in key order, plain and gzip, passing over folder markers and other prefixes', async () => {
    await createBucket(s3.client, 'acme-logs', 'plain');
    await put('acme-logs', 'litellm/2026/01/01/a.jsonl', `{"model":"m"}\n{"user":"${PLANTED.email}"}\n`);
    await put('acme-logs', 'litellm/2026/01/01/b.jsonl.gz', gzipSync(`{"messages":[{"role":"user","content":"${PLANTED.prompt}"}]}\n`));
    await put('acme-logs', 'litellm/2026/01/01/', '');
    await put('acme-logs', 'other/c.jsonl', `{"user":"${PLANTED.email}"}\n`);
    const result = await scanLogs(['s3://acme-logs/litellm/'], options({ settings: { s3: { endpoint: s3.server.endpoint } } }));
    expect(result.hits.map((h) => [h.location, h.line, h.kind])).toEqual([
      ['s3://acme-logs/litellm/2026/01/01/a.jsonl', 2, 'email'],
      ['s3://acme-logs/litellm/2026/01/01/b.jsonl.gz', 1, 'prompt-field'],
    ]);
    expect(result.hits[0]!.hmac).toBe(hmac(PLANTED.email));
    expect(result).toMatchObject({ locations: 2, linesScanned: 3, unreadable: [] });
    expect(plantedIn(JSON.stringify(result))).toBe(0);
  });

  it('reports a bucket that does not exist as unreadable, not thrown', async () => {
    const result = await scanLogs(['s3://no-such-bucket/logs/'], options({ settings: { s3: { endpoint: s3.server.endpoint } } }));
    expect(result.unreadable).toEqual([{ location: 's3://no-such-bucket/logs/', reason: expect.stringMatching(/NoSuchBucket/) }]);
    expect(where(result)).toEqual([]);
  });
});
