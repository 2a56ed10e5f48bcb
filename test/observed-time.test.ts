import { describe, expect, it } from 'vitest';
import { runCollectors } from '../src/collector/runner.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance, steppingClock } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { createBucket, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const DAY_MS = 86_400_000;

/** A collector yielding `n` records a run. */
function records(n: number) {
  return collectorOf('c', async function* () {
    for (let i = 0; i < n; i++) yield draft(i);
  });
}

/** A clock that reads the given times in turn, then the last one. */
function clockReading(times: number[]) {
  let i = 0;
  return { now: () => new Date(times[Math.min(i++, times.length - 1)]!) };
}

describe('a clock that steps back', () => {
  it('still keeps times in order along the chain, and writes a notice saying by how much and from which record', async () => {
    const store = new FileStore(await tempDir());
    const t = Date.parse('2026-03-01T12:00:00.000Z');
    // Readings: two records, a step back of 90 s (record 2, then its notice, then record 3 still behind), the clock
    // catching up (record 4), and a second step back of 5 s (record 5, then its notice).
    const clock = clockReading([t + 1000, t + 2000, t - 88_000, t - 87_000, t - 86_000, t + 10_000, t + 5000, t + 6000]);
    const written: EvidenceRecord[] = [];
    await runCollectors([instance('c', records(6))], environment(store, { clock, onRecord: (r) => written.push(r) }));

    expect(written.map((r) => [r.seq, r.observedAt, r.subject.kind])).toEqual([
      [0, '2026-03-01T12:00:01.000Z', 'thing'],
      [1, '2026-03-01T12:00:02.000Z', 'thing'],
      [2, '2026-03-01T12:00:02.000Z', 'thing'],
      [3, '2026-03-01T12:00:02.000Z', 'collector'],
      [4, '2026-03-01T12:00:02.000Z', 'thing'],
      [5, '2026-03-01T12:00:10.000Z', 'thing'],
      [6, '2026-03-01T12:00:10.000Z', 'thing'],
      [7, '2026-03-01T12:00:10.000Z', 'collector'],
    ]);
    expect(written[3]).toMatchObject({
      status: 'info',
      data: {
        notice: 'clock-stepped-back',
        clockReading: '2026-03-01T11:58:32.000Z',
        previousObservedAt: '2026-03-01T12:00:02.000Z',
        behindMs: 90_000,
        seq: 2,
      },
      findings: [expect.objectContaining({ code: 'clock-stepped-back', message: expect.stringMatching(/90\.000 s before the previous record/) })],
    });
    expect(written[7]!.data).toEqual({
      notice: 'clock-stepped-back',
      clockReading: '2026-03-01T12:00:05.000Z',
      previousObservedAt: '2026-03-01T12:00:10.000Z',
      behindMs: 5000,
      seq: 6,
    });
    // The notices are valid under the published agent-notice schema, as verify checks.
    const report = await verifyStore(store);
    expect(report.problems).toEqual([]);
  });
});

describe("records' observedAt against the store's own time", () => {
  it("on a file store, compares with each file's mtime and says it is weak evidence, without warning", async () => {
    const store = new FileStore(await tempDir());
    await runCollectors([instance('c', records(2))], environment(store, { clock: { now: () => new Date() } }));
    await runCollectors([instance('old', records(2))], environment(store, { clock: steppingClock(Date.now() - 2 * DAY_MS) }));
    const report = await verifyStore(store);
    expect(report.observedAt).toMatchObject({ source: 'file-mtime', weak: true, toleranceSeconds: 300, checked: 4, skewed: 2 });
    expect(report.observedAt!.records.map((r) => [r.stream, r.seq])).toEqual([
      ['test-agent/old', 0],
      ['test-agent/old', 1],
    ]);
    expect(report.observedAt!.records[0]!.skewSeconds).toBeGreaterThan(2 * 86_400 - 60);
    expect(report.warnings.filter((w) => /observed more than/.test(w))).toEqual([]);
  });

  const moto = S3_SERVERS.find((s) => s.name === 'moto')!;
  describe.skipIf(moto.unavailable !== null)(`on S3 (moto${moto.unavailable ? `, skipped: ${moto.unavailable}` : ''})`, () => {
    const s3 = useS3Server(moto);

    it('reports records whose observedAt is far from the LastModified of their object: a chain written later with earlier times', async () => {
      const bucket = `ev-observed-${process.pid}`;
      await createBucket(s3.client, bucket, 'locked');
      const store = testS3Store(`s3://${bucket}/evidence`, s3.server.endpoint);
      await store.preflight();
      await runCollectors([instance('c', records(2))], environment(store, { clock: { now: () => new Date() } }));
      // Someone with write access writes a whole consistent stream (hashes, links) now, dated three hours ago.
      await runCollectors([instance('rewritten', records(3))], environment(store, { clock: steppingClock(Date.now() - 3 * 3_600_000) }));
      const report = await verifyStore(store);
      await store.close();

      expect(report.observedAt).toMatchObject({ source: 'object-version', weak: false, checked: 5, skewed: 3 });
      expect(report.observedAt!.records.every((r) => r.stream === 'test-agent/rewritten' && r.skewSeconds > 3 * 3600 - 120)).toBe(true);
      expect(report.warnings).toContainEqual(
        expect.stringMatching(
          /^test-agent\/rewritten: 3 records were observed more than 300 s away from the time the store wrote them; the largest gap is \d+ s at records\/test-agent\/rewritten\//,
        ),
      );
      expect(report.warnings.some((w) => w.startsWith('test-agent/c:'))).toBe(false);
    });
  });
});
