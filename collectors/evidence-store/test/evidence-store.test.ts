import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollectors } from '../../../src/collector/runner.js';
import type { EvidenceRecord } from '../../../src/record/types.js';
import { FileStore } from '../../../src/store/file-store.js';
import { LockedObjectStore } from '../../../src/store/remote/locked-store.js';
import { S3Backend, S3_FIXES } from '../../../src/store/s3/s3-backend.js';
import type { EvidenceStore } from '../../../src/store/types.js';
import { environment, silentLog } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { motoAvailable, startMoto, type RunningServer } from '../../../test/servers/moto.js';
import { createBucket, testClient } from '../../../test/servers/s3-buckets.js';
import { useTestCredentials } from '../../../test/servers/s3-servers.js';
import evidenceStore from '../index.js';

async function collect(store: EvidenceStore): Promise<EvidenceRecord> {
  const records: EvidenceRecord[] = [];
  await runCollectors(
    [{ id: 'store', collector: evidenceStore as never, options: {}, controls: evidenceStore.controls, timeoutMs: 10_000 }],
    environment(store, { onRecord: (r) => records.push(r) }),
  );
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
      expect(r.data).toMatchObject({ mechanism: 's3-retention', locked: true, retentionDays: 400, details: { versioning: true, objectLock: true, defaultRetentionMode: 'COMPLIANCE' } });
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
