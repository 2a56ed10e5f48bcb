import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollectorOnce } from '../../../src/testing.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { type GcsStandIn, startGcsStandIn } from '../../../test/servers/gcs-standin.js';
import { motoAvailable } from '../../../test/servers/moto.js';
import { createBucket } from '../../../test/servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from '../../../test/servers/s3-servers.js';

const MOTO = S3_SERVERS.find((k) => k.name === 'moto')!;

import lineage from '../index.js';
import { hoursBefore, ndjson, runEvent, trainingRun } from './events.js';

const DAY = 86_400_000;

describe.skipIf(!motoAvailable())('lineage on S3 (moto; skipped without moto_server)', () => {
  const s3 = useS3Server(MOTO);

  const put = (bucket: string, key: string, body: string) => s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));

  it('folds events streamed from objects under a prefix, passing over other objects and folder markers', async () => {
    await createBucket(s3.client, 'lineage-events', 'plain');
    const now = new Date();
    const [start, complete] = trainingRun(now);
    await put('lineage-events', 'openlineage/2026/11/20/run-1.ndjson', ndjson([start, complete]));
    await put('lineage-events', 'openlineage/2026/11/20/bad.ndjson', `${JSON.stringify(start).slice(0, 80)}\n`);
    await put('lineage-events', 'openlineage/2026/11/20/', '');
    await put('lineage-events', 'openlineage/README.txt', 'not events');
    await put('lineage-events', 'elsewhere/run-2.ndjson', ndjson(trainingRun(now)));

    const dir = await tempDir();
    const { records } = await runCollectorOnce(
      lineage,
      { sources: [{ path: 's3://lineage-events/openlineage/' }], models: { deployed: ['fraud-detector'] }, s3: { endpoint: s3.server.endpoint } },
      { configDir: dir, id: 'lineage' },
    );
    const record = records[0]!;
    expect(record.status).toBe('pass');
    expect(record.data).toMatchObject({
      events: { folded: 2, invalid: 1 },
      invalidExamples: [{ at: 's3://lineage-events/openlineage/2026/11/20/bad.ndjson', line: 1 }],
      sources: [{ source: 's3://lineage-events/openlineage/', kind: 'bucket', events: 2, invalid: 1, error: null }, expect.anything()],
      deployedModels: [{ name: 'fraud-detector', lineage: true }],
    });
  });

  it('finds expired objects still stored under a prefix, noncurrent versions behind a delete marker included, and passes one deleted for good', async () => {
    await createBucket(s3.client, 'acme-raw', 'versioned-only');
    for (const key of ['pii/2025/customers.csv', 'pii/hidden.csv', 'pii/purged.csv', 'pii/in-use/part-0.csv', 'public/stats.csv'])
      await put('acme-raw', key, 'id\n');
    // A plain DELETE on a versioned bucket only hides the object behind a delete marker: its data stays.
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'acme-raw', Key: 'pii/hidden.csv' }));
    // Deleting the version itself removes the data.
    const versions = await s3.client.send(new ListObjectVersionsCommand({ Bucket: 'acme-raw', Prefix: 'pii/purged.csv' }));
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'acme-raw', Key: 'pii/purged.csv', VersionId: versions.Versions![0]!.VersionId }));

    // The run is 200 days from now: everything just written is 200 days old, past a 90-day rule.
    const later = new Date(Date.now() + 200 * DAY);
    const dir = await tempDir();
    const events = join(dir, 'events.ndjson');
    await writeFile(
      events,
      ndjson([
        runEvent({
          type: 'COMPLETE',
          time: hoursBefore(later, 24),
          runId: randomUUID(),
          job: ['etl', 'score'],
          inputs: [{ namespace: 's3://acme-raw', name: 'pii/in-use' }],
        }),
      ]),
    );
    const { records } = await runCollectorOnce(
      lineage,
      { sources: [{ path: events }], retention: [{ location: 's3://acme-raw/pii/', days: 90 }], s3: { endpoint: s3.server.endpoint } },
      { configDir: dir, id: 'lineage', clock: { now: () => later } },
    );
    const record = records[0]!;
    expect(record.status).toBe('fail');
    expect(record.findings.map((f) => [f.code, f.ref])).toEqual([
      ['retention-expired-present', 's3://acme-raw/pii/2025/customers.csv'],
      ['retention-expired-present', 's3://acme-raw/pii/hidden.csv'],
    ]);
    expect(record.findings[1]!.message).toMatch(/1 of its 1 expired versions are noncurrent \(hidden by a newer version or a delete marker, not deleted\)/);
    expect(record.data.retention).toEqual([{ location: 's3://acme-raw/pii/', days: 90, objectsChecked: 3, expiredPresent: 2, found: true, error: null }]);
  });

  it('reports a retention prefix in a bucket that does not exist as unchecked', async () => {
    const dir = await tempDir();
    const { records } = await runCollectorOnce(
      lineage,
      { retention: [{ location: 's3://no-such-bucket/pii/', days: 90 }], s3: { endpoint: s3.server.endpoint } },
      { configDir: dir, id: 'lineage' },
    );
    expect(records[0]!.findings).toEqual([
      {
        code: 'retention-unchecked',
        severity: 'high',
        ref: 's3://no-such-bucket/pii/',
        message: expect.stringMatching(/NoSuchBucket.*0 objects were checked before that/),
      },
    ]);
    expect(records[0]!.data.retention).toEqual([
      { location: 's3://no-such-bucket/pii/', days: 90, objectsChecked: 0, expiredPresent: 0, found: true, error: expect.stringMatching(/NoSuchBucket/) },
    ]);
  });
});

describe('lineage on GCS (JSON-API stand-in, not real Cloud Storage)', () => {
  let gcs: GcsStandIn;
  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: { 'lineage-lake': {} } });
  });
  afterAll(() => gcs?.close());

  it('folds events from objects under a gs:// prefix', async () => {
    const body = ndjson(trainingRun(new Date()));
    await fetch(`${gcs.url}/upload/storage/v1/b/lineage-lake/o?uploadType=media&name=${encodeURIComponent('events/run-1.jsonl')}`, { method: 'POST', body });
    const dir = await tempDir();
    const { records } = await runCollectorOnce(
      lineage,
      { sources: [{ path: 'gs://lineage-lake/events' }], models: { deployed: ['fraud-detector'] }, gcs: { apiEndpoint: gcs.url } },
      { configDir: dir, id: 'lineage' },
    );
    expect(records[0]!.status).toBe('pass');
    expect(records[0]!.data).toMatchObject({
      events: { folded: 2 },
      sources: [{ source: 'gs://lineage-lake/events', kind: 'bucket', events: 2, error: null }, expect.anything()],
    });
  });
});
