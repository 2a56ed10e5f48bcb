import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../src/store/file-store.js';
import type { LockedObjectStore } from '../src/store/remote/locked-store.js';
import { S3Backend } from '../src/store/s3/s3-backend.js';
import { SpoolingStore } from '../src/store/spool.js';
import { StoreConflictError } from '../src/store/types.js';
import { filesUnder, tempDir, waitingInSpool } from './helpers/tmp.js';
import { createBucket, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const moto = S3_SERVERS.find((k) => k.name === 'moto')!;
let counter = 0;

/** A logger whose lines the test can read. */
function capturingLog(): { log: pino.Logger; lines: () => { level: number; msg: string }[] } {
  const out: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void out.push(line) });
  return { log, lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

const recordKey = (n: number) => `records/a/b/2026-01-01/${String(n).padStart(12, '0')}.json`;

describe.skipIf(moto.unavailable !== null)('spool in front of a locked bucket (moto)', () => {
  const s3 = useS3Server(moto);

  async function lockedStore(log: pino.Logger): Promise<{ store: LockedObjectStore; bucket: string }> {
    const bucket = `spool-${process.pid}-${++counter}`;
    await createBucket(s3.client, bucket, 'locked');
    const store = testS3Store(`s3://${bucket}/ev`, s3.server.endpoint, { log });
    await store.preflight();
    return { store, bucket };
  }

  async function bucketKeys(bucket: string): Promise<string[]> {
    const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (out.Contents ?? []).map((o) => o.Key!.slice('ev/'.length)).sort();
  }

  it('sends each object once when puts overlap (a snapshot runs collectors at once): no put fails, no false outage', async () => {
    const { log, lines } = capturingLog();
    const { store, bucket } = await lockedStore(log);
    const dir = await tempDir();
    const spool = new SpoolingStore(store, dir, log);
    const keys = Array.from({ length: 16 }, (_, i) => recordKey(i));
    const results = await Promise.allSettled(keys.map((k) => spool.put(k, Buffer.from(`{"k":"${k}"}\n`))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
    // Every put waited for a pass that saw its own object: nothing is left behind.
    expect(await waitingInSpool(dir)).toEqual([]);
    expect(await bucketKeys(bucket)).toEqual(keys);
    await spool.close();
  });

  it('sends the spool one pass at a time: overlapping puts during an outage try the bucket once, not once each', async () => {
    const { log, lines } = capturingLog();
    const unreachable = testS3Store('s3://nowhere/ev', 'http://127.0.0.1:9', { attempts: 2, log });
    const dir = await tempDir();
    const spool = new SpoolingStore(unreachable, dir, log);
    const keys = Array.from({ length: 8 }, (_, i) => recordKey(i));
    await Promise.all(keys.map((k) => spool.put(k, Buffer.from(`{"k":"${k}"}\n`))));
    // The pass running when the puts arrived, and the one queued after it.
    expect(lines().filter((l) => l.msg === 'store unreachable; keeping evidence in the spool').length).toBeLessThanOrEqual(2);
    expect(await filesUnder(dir)).toHaveLength(keys.length);
    await spool.close();
  });

  it('lets two processes drain one spool folder at once (a daemon and a manual snapshot)', async () => {
    const { log, lines } = capturingLog();
    const { store, bucket } = await lockedStore(log);
    const dir = await tempDir();
    const keys = Array.from({ length: 16 }, (_, i) => recordKey(i));
    // What an outage leaves behind: objects in the spool folder, not yet sent.
    const left = new FileStore(dir);
    for (const k of keys) await left.put(k, Buffer.from(`{"k":"${k}"}\n`));
    const drains = await Promise.allSettled([new SpoolingStore(store, dir, log).drain(), new SpoolingStore(store, dir, log).drain()]);
    expect(drains.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(lines().filter((l) => l.level >= 40)).toEqual([]);
    expect(await waitingInSpool(dir)).toEqual([]);
    expect(await bucketKeys(bucket)).toEqual(keys);
    await store.close();
  });

  it('never fails a put once the object is in the spool: a refused upload is logged and kept for inspection', async () => {
    const { log, lines } = capturingLog();
    const { store } = await lockedStore(log);
    const dir = await tempDir();
    await store.put(recordKey(0), Buffer.from('{"original":true}\n'));
    const spool = new SpoolingStore(store, dir, log);
    expect(await spool.put(recordKey(0), Buffer.from('{"forged":true}\n'))).toBe('created');
    expect(lines().some((l) => l.level >= 50 && /spool/.test(l.msg))).toBe(true);
    expect(await readFile(join(dir, recordKey(0)), 'utf8')).toBe('{"forged":true}\n');
    await expect(spool.flush()).rejects.toBeInstanceOf(StoreConflictError);
    await spool.close();
  });

  it('does not take a local file error for an outage of the bucket', async () => {
    const backend = new S3Backend('s3://any/ev', { endpoint: s3.server.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const missing = await readFile(join(await tempDir(), 'gone')).catch((err: unknown) => err);
    expect(backend.classify(missing)).toBe('fatal');
    await backend.close();
  });
});
