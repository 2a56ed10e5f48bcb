import { createHash } from 'node:crypto';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runCollectors } from '../src/collector/runner.js';
import { StoreConflictError, StorePreflightError, StoreUnavailableError } from '../src/store/types.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { type BucketKind, createBucket, type TestStoreOptions, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

let counter = 0;

for (const kind of S3_SERVERS) {
  describe.skipIf(kind.unavailable !== null)(`S3 store on ${kind.name}${kind.unavailable ? ` (skipped: ${kind.unavailable})` : ''}`, () => {
    const s3 = useS3Server(kind);

    async function bucket(kind: BucketKind, days = 400): Promise<string> {
      const name = `ev-${process.pid}-${++counter}`;
      await createBucket(s3.client, name, kind, days);
      return name;
    }

    function store(name: string, opts: TestStoreOptions & { endpoint?: string } = {}) {
      return testS3Store(`s3://${name}/evidence`, opts.endpoint ?? s3.server.endpoint, opts);
    }

    it('passes preflight on a bucket with a COMPLIANCE default retention, and every write lands locked', async () => {
      const name = await bucket('locked');
      const s = store(name);
      await s.preflight();
      expect(s.storage).toEqual({ retention: 'bucket-default', mode: 'COMPLIANCE', days: 400 });
      expect(await s.put('records/a/b/2026-01-01/000000000000.json', Buffer.from('{"x":1}\n'))).toBe('created');
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: name, Key: 'evidence/records/a/b/2026-01-01/000000000000.json' }));
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 399 * 86_400_000);
      const described = await s.describe();
      expect(described).toMatchObject({ locked: true, details: { versioning: true, objectLock: true, retentionApplied: 'bucket-default' } });
      await s.close();
    });

    it.each([
      ['plain', /versioning is not enabled.*Object Lock \/ retention is not enabled/s],
      ['versioned-only', /Object Lock \/ retention is not enabled/],
      ['lock-no-default', /has no default retention, and retention\.perObject is not set/],
      ['governance', /not in COMPLIANCE mode/],
    ] as const)('refuses a %s bucket in preflight, naming what is missing', async (k, message) => {
      const s = store(await bucket(k));
      const err = (await s.preflight().catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(StorePreflightError);
      expect(err.message).toMatch(message);
      expect(err.message).toMatch(/store\.allowMutable: true/);
      await s.close();
    });

    it('refuses a default retention shorter than retention.days', async () => {
      const s = store(await bucket('locked', 30), { days: 400 });
      await expect(s.preflight()).rejects.toThrow(/default retention of s3:\/\/.* is 30 days, shorter than retention\.days \(400\)/);
      await s.close();
    });

    it('writes anyway with allowMutable, and says so', async () => {
      const s = store(await bucket('plain'), { allowMutable: true });
      await s.preflight();
      expect(s.storage).toEqual({ retention: 'none', mutable: true });
      await s.close();
    });

    it('sets COMPLIANCE retention on each object with retention.perObject', async () => {
      const name = await bucket('lock-no-default');
      const s = store(name, { perObject: true, days: 2 });
      await s.preflight();
      expect(s.storage).toEqual({ retention: 'per-object', mode: 'COMPLIANCE', days: 2 });
      await s.put('blobs/sha256/x', Buffer.from('blob'));
      const head = await s3.client.send(new HeadObjectCommand({ Bucket: name, Key: 'evidence/blobs/sha256/x' }));
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      await s.close();
    });

    it('treats an identical rewrite as a retry and refuses different bytes, keeping the original', async () => {
      const name = await bucket('locked');
      const s = store(name);
      await s.preflight();
      await s.put('k/one', Buffer.from('original'));
      expect(await s.put('k/one', Buffer.from('original'))).toBe('exists');
      await expect(s.put('k/one', Buffer.from('forged'))).rejects.toBeInstanceOf(StoreConflictError);
      expect(Buffer.from((await s.get('k/one'))!).toString()).toBe('original');
      await s.close();
    });

    it('lets verify find a record rewritten behind the agent’s back, or hidden by a delete marker, and verify the original', async () => {
      const name = await bucket('locked', 1);
      const s = store(name, { days: 1 });
      await s.preflight();
      const records: string[] = [];
      const c = collectorOf('c', async function* () {
        yield draft(1);
        yield draft(2);
        yield draft(3);
      });
      await runCollectors(
        [instance('c', c)],
        environment(s, { onRecord: (r) => records.push(`evidence/records/${r.stream}/2026-03-01/${String(r.seq).padStart(12, '0')}.json`) }),
      );
      expect((await verifyStore(s)).ok).toBe(true);
      // A second PUT without a precondition: moto and RGW both keep the locked original as an older version.
      const forged = '{"forged":true}';
      await s3.client.send(
        new PutObjectCommand({ Bucket: name, Key: records[1]!, Body: forged, ContentMD5: createHash('md5').update(forged).digest('base64') }),
      );
      await s3.client.send(new DeleteObjectCommand({ Bucket: name, Key: records[2]! }));
      const report = await verifyStore(s);
      const kinds = report.problems.map((p) => `${p.kind} ${p.key}`);
      expect(kinds).toContain(`overwrite-attempt ${records[1]!.slice('evidence/'.length)}`);
      expect(kinds).toContain(`delete-marker ${records[2]!.slice('evidence/'.length)}`);
      // The originals still verify: no hash, gap or link problem.
      expect(report.problems.filter((p) => !['overwrite-attempt', 'delete-marker'].includes(p.kind))).toEqual([]);
      expect(report.records).toBe(3);
      await s.close();
    });

    it('reports objects whose lock is shorter than the retention the auditor requires', async () => {
      const name = await bucket('locked', 1);
      const writer = store(name, { days: 1 });
      await writer.preflight();
      await runCollectors(
        [
          instance(
            'c',
            collectorOf('c', async function* () {
              yield draft(1);
            }),
          ),
        ],
        environment(writer),
      );
      const auditor = store(name, { days: 400 });
      const report = await verifyStore(auditor);
      // The record, and the payload schema it names, which is evidence too.
      const short = expect.objectContaining({ kind: 'lock-too-short', message: expect.stringMatching(/less than 400 days/) });
      expect(report.problems).toEqual([short, short]);
      expect(report.problems.map((p) => p.key.split('/')[0])).toEqual(['records', 'blobs']);
      await writer.close();
      await auditor.close();
    });

    it('reports objects that are not locked at all', async () => {
      const name = await bucket('plain');
      const s = store(name, { allowMutable: true });
      await s.preflight();
      await runCollectors(
        [
          instance(
            'c',
            collectorOf('c', async function* () {
              yield draft(1);
            }),
          ),
        ],
        environment(s),
      );
      const { problems } = await verifyStore(s);
      expect(problems.map((p) => `${p.kind} ${p.key.split('/')[0]}`)).toEqual(['lock-missing records', 'lock-missing blobs']);
      await s.close();
    });

    it('gives up on an unreachable server with StoreUnavailableError after retrying', async () => {
      const s = store('nowhere', { endpoint: 'http://127.0.0.1:9', attempts: 2 });
      await expect(s.put('k', Buffer.from('x'))).rejects.toBeInstanceOf(StoreUnavailableError);
      await s.close();
    });
  });
}
