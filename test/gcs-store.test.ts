import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GCS_FIXES, GcsBackend } from '../src/store/gcs/gcs-backend.js';
import { LockedObjectStore } from '../src/store/remote/locked-store.js';
import { StoreConflictError, StorePreflightError, StoreUnavailableError } from '../src/store/types.js';
import { silentLog } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { type GcsStandIn, type StandInBucket, startGcsStandIn } from './servers/gcs-standin.js';

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
const LOCKED_400: StandInBucket = { retentionSeconds: 400 * DAY_S, locked: true };

const running: GcsStandIn[] = [];
afterEach(async () => {
  // Some tests close their stand-in themselves; closing twice is refused, so ignore that.
  while (running.length)
    await running
      .pop()!
      .close()
      .catch(() => undefined);
});

async function standIn(buckets: Record<string, StandInBucket>): Promise<GcsStandIn> {
  const server = await startGcsStandIn({ buckets });
  running.push(server);
  return server;
}

function storeOn(
  server: GcsStandIn,
  options: { days?: number; perObject?: boolean; allowMutable?: boolean; log?: pino.Logger; bucket?: string } = {},
): LockedObjectStore {
  return new LockedObjectStore(new GcsBackend(`gs://${options.bucket ?? 'bucket'}/prefix`, { apiEndpoint: server.url }), {
    retention: { mode: 'COMPLIANCE', days: options.days ?? 400, perObject: options.perObject ?? false },
    allowMutable: options.allowMutable ?? false,
    retry: { attempts: 2, baseMs: 10, maxMs: 20 },
    log: options.log ?? silentLog,
    fixes: GCS_FIXES,
  });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function text(store: LockedObjectStore, key: string): Promise<string | null> {
  const bytes = await store.get(key);
  return bytes && Buffer.from(bytes).toString('utf8');
}

/** What someone with write access but no agent would do: a plain upload with no precondition, and a delete. */
const raw = {
  upload: (server: GcsStandIn, bucket: string, name: string, body: string) =>
    fetch(`${server.url}/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`, { method: 'POST', body }),
  delete: (server: GcsStandIn, bucket: string, name: string) =>
    fetch(`${server.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}`, { method: 'DELETE' }),
};

describe('GCS store against a JSON-API stand-in (not real Cloud Storage)', () => {
  it('passes preflight on a bucket with a locked retention policy long enough, and says so', async () => {
    const server = await standIn({ bucket: LOCKED_400 });
    const store = storeOn(server, { days: 365 });
    await store.preflight();
    expect(store.storage).toEqual({ retention: 'bucket-default', mode: 'COMPLIANCE', days: 365 });
    const described = await store.describe();
    expect(described).toMatchObject({ mechanism: 'gcs-retention', locked: true, retentionDays: 400, warnings: [] });
    // The bucket's real versioning flag is reported, although the locked policy stands in for it in preflight.
    expect(described.details).toMatchObject({
      provider: 'gcs',
      bucket: 'bucket',
      versioning: false,
      retentionPolicyLocked: true,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
    });
  });

  it('refuses a bucket whose policy is unlocked, too short or absent, naming what to change', async () => {
    const server = await standIn({
      unlocked: { retentionSeconds: 400 * DAY_S, locked: false, versioning: true },
      short: { retentionSeconds: 30 * DAY_S, locked: true },
      none: { versioning: true },
      bare: {},
    });
    const refusal = async (bucket: string) => {
      const err = await storeOn(server, { bucket })
        .preflight()
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(StorePreflightError);
      return (err as Error).message;
    };
    const unlocked = await refusal('unlocked');
    expect(unlocked).toMatch(/not in COMPLIANCE mode \(or not locked\)/);
    expect(unlocked).toContain('--lock-retention-period');
    expect(await refusal('short')).toMatch(/is 30 days, shorter than retention\.days \(400\)/);
    const none = await refusal('none');
    expect(none).toMatch(/Object Lock \/ retention is not enabled on gs:\/\/none\/prefix/);
    expect(none).toContain('--retention-period=<days>d');
    const bare = await refusal('bare');
    expect(bare).toMatch(/versioning is not enabled/);
    expect(bare).toMatch(/retention is not enabled/);
  });

  it('with allowMutable, writes to an unprotected bucket and records that it is mutable', async () => {
    const server = await standIn({ bucket: {} });
    const store = storeOn(server, { allowMutable: true });
    await store.preflight();
    expect(store.storage).toEqual({ retention: 'none', mutable: true });
    expect(await store.put('records/a.json', Buffer.from('{}'))).toBe('created');
    expect((await store.describe()).locked).toBe(false);
  });

  it('creates once, treats an identical retry as done, and refuses different bytes without touching the original', async () => {
    const server = await standIn({ bucket: LOCKED_400 });
    const store = storeOn(server);
    await store.preflight();
    expect(await store.put('records/s/000000000000.json', Buffer.from('original'))).toBe('created');
    expect(await store.put('records/s/000000000000.json', Buffer.from('original'))).toBe('exists');
    await expect(store.put('records/s/000000000000.json', Buffer.from('forged'))).rejects.toBeInstanceOf(StoreConflictError);
    expect(await text(store, 'records/s/000000000000.json')).toBe('original');
    const held = server.objects('bucket');
    expect(held.map((o) => [o.name, o.bytes.toString()])).toEqual([['prefix/records/s/000000000000.json', 'original']]);
    expect(held[0]!.contentType).toBe('application/json');
    // Every write went out create-only.
    const inserts = server.requests.filter((r) => r.startsWith('POST /upload/'));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.every((r) => r.includes('ifGenerationMatch=0'))).toBe(true);
    expect(await store.get('records/s/missing.json')).toBeNull();
    expect(await store.open('records/s/missing.json')).toBeNull();
  });

  it('loses a race on ifGenerationMatch=0 even where the bucket would allow an overwrite', async () => {
    const server = await standIn({ bucket: { versioning: true } });
    const backend = new GcsBackend('gs://bucket/prefix', { apiEndpoint: server.url });
    const req = { key: 'k', body: Buffer.from('first'), sha256Hex: '', md5Base64: '', size: 5 };
    expect(await backend.putIfAbsent(req)).toBe('created');
    expect(await backend.putIfAbsent({ ...req, body: Buffer.from('second') })).toBe('precondition-failed');
    expect(server.objects('bucket').map((o) => o.bytes.toString())).toEqual(['first']);
  });

  it('classifies errors: 412 and 404 by status, throttling, server and network errors as retryable', () => {
    const backend = new GcsBackend('gs://bucket', { apiEndpoint: 'http://127.0.0.1:9' });
    const cases: [unknown, string][] = [
      [{ code: 412 }, 'precondition-failed'],
      [{ code: 404 }, 'not-found'],
      [{ code: 408 }, 'retry'],
      [{ code: 429 }, 'retry'],
      [{ code: 503 }, 'retry'],
      [{ response: { status: 502 } }, 'retry'],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), 'retry'],
      [new Error('socket hang up'), 'retry'],
      [new TypeError('fetch failed'), 'retry'],
      [{ code: 403, message: 'Forbidden' }, 'fatal'],
      [Object.assign(new Error('The uploaded data did not match the data from the server.'), { code: 'FILE_NO_UPLOAD' }), 'fatal'],
    ];
    for (const [err, kind] of cases) expect([err, backend.classify(err)]).toEqual([err, kind]);
  });

  it('refuses deletes of retained objects (the stand-in enforces the policy as GCS does)', async () => {
    const server = await standIn({ bucket: LOCKED_400 });
    const store = storeOn(server);
    await store.put('k', Buffer.from('kept'));
    expect((await raw.delete(server, 'bucket', 'prefix/k')).status).toBe(403);
    expect((await raw.upload(server, 'bucket', 'prefix/k', 'replaced')).status).toBe(403);
    expect(await text(store, 'k')).toBe('kept');
  });

  it('streams a file body of a few MB up and back', async () => {
    const server = await standIn({ bucket: LOCKED_400 });
    const store = storeOn(server);
    await store.preflight();
    const file = join(await tempDir(), 'blob');
    const bytes = randomBytes(5 * 1024 * 1024 + 17);
    await writeFile(file, bytes);
    const key = `blobs/sha256/${createHash('sha256').update(bytes).digest('hex')}`;
    expect(await store.put(key, { path: file })).toBe('created');
    expect(await store.put(key, { path: file })).toBe('exists');
    const hash = createHash('sha256');
    for await (const chunk of (await store.open(key))!) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(key.split('/').at(-1));
    expect(server.objects('bucket')[0]!.bytes.equals(bytes)).toBe(true);
  });

  it('lists keys in byte order, recursively or one level at a time, across pages, without the URL prefix', async () => {
    const server = await standIn({ bucket: LOCKED_400, other: LOCKED_400 });
    const store = storeOn(server);
    const keys = ['r/s/2026-01-02/000000000001.json', 'r/s/2026-01-01/000000000000.json', 'r/t/2026-01-01/000000000000.json', 'r/s-x/a'];
    for (let n = 2; n < 8; n++) keys.push(`r/s/2026-01-03/${String(n).padStart(12, '0')}.json`);
    for (const k of keys) await store.put(k, Buffer.from(k));
    // Outside the URL's prefix: must never show up.
    await raw.upload(server, 'bucket', 'r/s/elsewhere', 'x');

    const recursive = await collect(store.list('r/s/'));
    expect(recursive).toEqual(keys.filter((k) => k.startsWith('r/s/')).sort());
    expect(await collect(store.list('r/', { delimiter: '/' }))).toEqual(['r/s-x/', 'r/s/', 'r/t/']);
    expect(await collect(store.list('r/s/', { delimiter: '/' }))).toEqual(['r/s/2026-01-01/', 'r/s/2026-01-02/', 'r/s/2026-01-03/']);
    expect(await collect(store.list('r/s'))).toEqual(['r/s-x/a', ...recursive]);
    expect(await collect(store.list('nothing/'))).toEqual([]);
    // The stand-in answers 3 entries a page, so the recursive listing of 8 keys took several pages.
    expect(server.requests.filter((r) => r.includes('pageToken=')).length).toBeGreaterThanOrEqual(3);
  });

  it('gives each object its generations and its lock: a locked policy is compliance until it expires', async () => {
    const server = await standIn({ bucket: LOCKED_400 });
    const store = storeOn(server);
    const before = Date.now();
    await store.put('records/x.json', Buffer.from('x'));
    const versions = await collect(store.audit.versions('records/'));
    expect(versions).toHaveLength(1);
    expect(versions[0]!.key).toBe('records/x.json');
    expect(versions[0]!.versions).toHaveLength(1);
    const [only] = versions[0]!.versions;
    expect(only!.deleteMarker).toBe(false);
    expect(only!.versionId).toBe(String(server.objects('bucket')[0]!.generation));

    const lock = await store.audit.lock('records/x.json', only!.versionId);
    expect(lock.compliance).toBe(true);
    expect(lock.mode).toBe('BucketPolicyLocked');
    expect(lock.retainUntil!.getTime()).toBeGreaterThanOrEqual(before + 400 * DAY_MS);
    expect(lock.retainUntil!.getTime()).toBeLessThan(Date.now() + 400 * DAY_MS + 1000);
    expect(Buffer.from((await store.get('records/x.json', only!.versionId))!).toString()).toBe('x');
  });

  it('shows replaced generations and a hidden key (synthetic delete marker) in a versioned bucket without retention', async () => {
    const server = await standIn({ bucket: { versioning: true } });
    const store = storeOn(server, { allowMutable: true });
    await store.put('k/a', Buffer.from('first'));
    await store.put('k/b', Buffer.from('kept'));
    expect((await raw.upload(server, 'bucket', 'prefix/k/a', 'second')).status).toBe(200);
    expect((await raw.delete(server, 'bucket', 'prefix/k/a')).status).toBe(204);

    const versions = await collect(store.audit.versions('k/'));
    expect(versions.map((v) => v.key)).toEqual(['k/a', 'k/b']);
    const a = versions[0]!.versions;
    expect(a.map((v) => v.deleteMarker)).toEqual([false, false, true]);
    expect(Number(a[0]!.versionId)).toBeLessThan(Number(a[1]!.versionId));
    expect(versions[1]!.versions.map((v) => v.deleteMarker)).toEqual([false]);
    // The hidden key's generations are still readable by id, but the key is gone from listings.
    expect(Buffer.from((await store.get('k/a', a[0]!.versionId))!).toString()).toBe('first');
    expect(await collect(store.list('k/'))).toEqual(['k/b']);
    expect(await store.audit.lock('k/b')).toEqual({ compliance: false, mode: null, retainUntil: null });
  });

  it('sets Locked retention on each object when retention.perObject is set', async () => {
    const server = await standIn({ bucket: { objectRetention: true, versioning: true } });
    const store = storeOn(server, { perObject: true, days: 30 });
    await store.preflight();
    expect(store.storage).toEqual({ retention: 'per-object', mode: 'COMPLIANCE', days: 30 });
    const before = Date.now();
    await store.put('records/p.json', Buffer.from('p'));
    const [held] = server.objects('bucket');
    expect(held!.retention?.mode).toBe('Locked');
    const until = Date.parse(held!.retention!.retainUntilTime);
    expect(until).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
    expect(until).toBeLessThan(Date.now() + 30 * DAY_MS + 1000);
    expect(await store.audit.lock('records/p.json')).toEqual({ compliance: true, mode: 'Locked', retainUntil: new Date(until) });
    expect((await raw.delete(server, 'bucket', 'prefix/records/p.json')).status).toBe(403);
  });

  it('reports an unreachable endpoint as StoreUnavailableError after its retries', async () => {
    const server = await standIn({ bucket: LOCKED_400 });
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const store = storeOn(server, { log });
    await store.preflight();
    await server.close();
    await expect(store.put('records/y.json', Buffer.from('y'))).rejects.toBeInstanceOf(StoreUnavailableError);
    // attempts: 2 means one retry, logged once.
    expect(lines.filter((l) => l.includes('failed; retrying'))).toHaveLength(1);
    await expect(storeOn(server).preflight()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(collect(store.list('records/'))).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
