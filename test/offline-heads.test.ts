import { ListObjectsV2Command, PutObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { StreamWriter } from '../src/chain/stream-writer.js';
import type { RecordDraft } from '../src/record/types.js';
import { openStore } from '../src/store/open.js';
import type { StoreSettings } from '../src/store/settings.js';
import { type EvidenceStore, StorePreflightError, StoreUnavailableError } from '../src/store/types.js';
import { silentLog } from './helpers/fixtures.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { createBucket } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const moto = S3_SERVERS.find((k) => k.name === 'moto')!;
const AGENT = { id: 'a1', version: '0.0.0-test', host: 'test-host', configSha256: '0'.repeat(64) };
let counter = 0;

function append(writer: StreamWriter, kind: 'thing' | 'collector', n: number) {
  const draft: RecordDraft = { subject: { kind, id: `s-${n}` }, status: 'info', summary: `Record ${n}.`, data: { n } };
  return writer.append({ draft, collector: { type: 'test', version: '1.0.0' }, controls: ['CC7.2'], agent: AGENT, observedAt: new Date() });
}

describe.skipIf(moto.unavailable !== null)('chain heads while the bucket is unreachable at start (moto, in process)', () => {
  const s3 = useS3Server(moto, { proxy: true });

  async function setup(): Promise<{ dir: string; bucket: string; open: () => Promise<EvidenceStore> }> {
    const dir = await tempDir();
    const bucket = `heads-${process.pid}-${++counter}`;
    await createBucket(s3.client, bucket, 'locked');
    const settings: StoreSettings = {
      url: `s3://${bucket}/ev`,
      s3: { endpoint: s3.proxy.endpoint, forcePathStyle: true, region: 'us-east-1' },
      retention: { days: 400 },
      retries: 2,
      spool: './spool',
    };
    return { dir, bucket, open: () => openStore(settings, dir, { log: silentLog, mode: 'write' }) };
  }

  async function offline<T>(fn: () => Promise<T>): Promise<T> {
    await s3.proxy.cut();
    try {
      return await fn();
    } finally {
      await s3.proxy.restore();
    }
  }

  it('continues a stream from the head the spool remembers, and the collector from its own newest record past the notices after it', async () => {
    const { dir, bucket, open } = await setup();
    const online = await open();
    const w = await StreamWriter.open(online, 'a1/c1');
    await append(w, 'thing', 0);
    const collected = await append(w, 'thing', 1);
    await append(w, 'collector', 2);
    const head = await append(w, 'collector', 3);
    await online.close();

    const store = await offline(async () => {
      const store = await open();
      expect(store.storage).toEqual({ retention: 'bucket-default', mode: 'COMPLIANCE', days: 400 });
      const writer = await StreamWriter.open(store, 'a1/c1');
      expect(writer.previous).toEqual(head);
      expect(writer.lastCollected).toEqual(collected);
      const next = await append(writer, 'thing', 4);
      expect([next.seq, next.prev]).toEqual([4, head.hash]);
      await expect(StreamWriter.open(store, 'a1/never-confirmed')).rejects.toThrow(/head of a1\/never-confirmed is not known/);
      await expect(StreamWriter.open(store, 'a1/never-confirmed')).rejects.toBeInstanceOf(StoreUnavailableError);
      // What the store is like now cannot be told from a remembered preflight.
      await expect(store.describe()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(await store.pending?.()).toMatchObject({ records: 1, where: `${dir}/spool` });
      return store;
    });

    await store.flush?.();
    expect(await store.pending?.()).toMatchObject({ count: 0, records: 0 });
    await store.close();
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'ev/records/' }));
    expect(listed.KeyCount).toBe(5);

    // Uploading the record the collector wrote made it the head and the newest collected at once.
    await offline(async () => {
      const again = await open();
      const writer = await StreamWriter.open(again, 'a1/c1');
      expect(writer.previous?.seq).toBe(4);
      expect(writer.lastCollected?.seq).toBe(4);
      await again.close();
    });
    // What the spool remembers is the newest record of each stream, and no more.
    expect((await filesUnder(`${dir}/spool`)).filter((k) => k.includes('/records/'))).toHaveLength(1);
  });

  it('still refuses a bucket that answers and fails the preflight, whatever the spool remembers', async () => {
    const { bucket, open } = await setup();
    await (await open()).close();
    await s3.client.send(new PutObjectLockConfigurationCommand({ Bucket: bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }));
    await expect(open()).rejects.toBeInstanceOf(StorePreflightError);
  });
});
