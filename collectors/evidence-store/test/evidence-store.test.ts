import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { FileStore } from '../../../src/store/file-store.js';
import { LockedObjectStore } from '../../../src/store/remote/locked-store.js';
import { S3_FIXES, S3Backend } from '../../../src/store/s3/s3-backend.js';
import type { EvidenceStore } from '../../../src/store/types.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { silentLog } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { motoAvailable, type RunningServer, startMoto } from '../../../test/servers/moto.js';
import { createBucket, testClient } from '../../../test/servers/s3-buckets.js';
import { useTestCredentials } from '../../../test/servers/s3-servers.js';
import evidenceStore from '../index.js';
import { judgeStore } from '../judge.js';

async function collect(store: EvidenceStore): Promise<EvidenceRecord> {
  const { records } = await runCollectorOnce(evidenceStore, {}, { store, id: 'store' });
  return records[0]!;
}

describe('evidence-store', () => {
  it('fails a local folder: write-once by convention, but not locked', async () => {
    const r = await collect(new FileStore(await tempDir()));
    expect(r.status).toBe('fail');
    expect(r.controls).toEqual(['CC6.1', 'A1.2']);
    expect(r.findings[0]).toMatchObject({ code: 'store-mutable', severity: 'high' });
    expect(r.data).toMatchObject({ mechanism: 'local-write-once', writeOnce: true, locked: false });
  });

  describe.skipIf(!motoAvailable())('on S3 (moto; skipped without moto_server)', () => {
    let moto: RunningServer;
    beforeAll(async () => {
      useTestCredentials();
      moto = await startMoto();
    });
    afterAll(() => moto?.stop());

    async function s3Store(kind: 'locked' | 'plain'): Promise<LockedObjectStore> {
      const bucket = `store-check-${kind}`;
      await createBucket(testClient(moto.endpoint), bucket, kind);
      const store = new LockedObjectStore(new S3Backend(`s3://${bucket}`, { endpoint: moto.endpoint }), {
        retention: { mode: 'COMPLIANCE', days: 400, perObject: false },
        allowMutable: true,
        log: silentLog,
        fixes: S3_FIXES,
      });
      await store.preflight();
      return store;
    }

    it('passes a bucket under COMPLIANCE default retention, and records its settings', async () => {
      const r = await collect(await s3Store('locked'));
      expect(r.status).toBe('pass');
      expect(r.data).toMatchObject({
        mechanism: 's3-retention',
        locked: true,
        retentionDays: 400,
        details: { versioning: true, objectLock: true, defaultRetentionMode: 'COMPLIANCE' },
      });
      expect(r.storage).toEqual({ retention: 'bucket-default', mode: 'COMPLIANCE', days: 400 });
    });

    it('fails a mutable bucket written with allowMutable, naming what is missing', async () => {
      const r = await collect(await s3Store('plain'));
      expect(r.status).toBe('fail');
      expect(r.findings[0]!.message).toMatch(/versioning is not enabled/);
      expect(r.storage).toEqual({ retention: 'none', mutable: true });
    });
  });
});

describe('evidence-store judging (no I/O)', () => {
  const posture = { url: 's3://b', mechanism: 's3-retention', writeOnce: true, locked: true, retentionDays: 400, warnings: [] };

  it('passes a locked store but still reports its hardening gaps', () => {
    const draft = judgeStore({ ...posture, details: { provider: 's3', encryption: [], publicAccessBlock: false } });
    expect(draft.status).toBe('pass');
    expect(draft.findings!.map((f) => f.code)).toEqual(['no-default-encryption', 'public-access-not-blocked']);
  });

  it("fails a store that is not locked, with the store's own warnings as the message", () => {
    const draft = judgeStore({ ...posture, locked: false, warnings: ['no Object Lock.'], details: { provider: 'gcs', uniformBucketLevelAccess: false } });
    expect(draft.status).toBe('fail');
    expect(draft.findings).toEqual([
      expect.objectContaining({ code: 'store-mutable', severity: 'high', message: 'no Object Lock.' }),
      expect.objectContaining({ code: 'no-uniform-access' }),
    ]);
  });
});
