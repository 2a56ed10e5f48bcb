import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CoverageReport, coverageReport } from '../src/audit/coverage.js';
import type { Collector } from '../src/collector/contract.js';
import { type CollectorInstance, runCollectors, writeNotice } from '../src/collector/runner.js';
import type { RecordCadence, RecordStatus } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import type { EvidenceStore } from '../src/store/types.js';
import { runCli } from './helpers/cli.js';
import { environment } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { createBucket, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const DAY = 86_400_000;
const DAILY: RecordCadence = { schedule: '0 3 * * *', timezone: 'UTC' };

/** A check that reports what the test tells it, run by the real runner into a real store. */
function checkCollector(statuses: Map<string, RecordStatus>): Collector {
  return {
    type: 'test-daily-check',
    version: '1.0.0',
    controls: ['CC7.2'],
    optionsSchema: { type: 'object' },
    payloadSchema: { type: 'object' },
    async *collect(ctx) {
      const day = ctx.clock.now().toISOString().slice(0, 10);
      yield { subject: { kind: 'check', id: 'daily' }, status: statuses.get(day) ?? 'pass', summary: `Check of ${day}.`, data: { day } };
    },
  };
}

/** A collector whose records chain ranges of a population, as commit-trail's commit ranges do. */
function rangeCollector(ranges: Map<string, [string | null, string]>): Collector {
  return {
    type: 'test-ranges',
    version: '1.0.0',
    controls: ['CC8.1'],
    optionsSchema: { type: 'object' },
    payloadSchema: {
      type: 'object',
      'x-evidence-range': { from: '/range/from', to: '/range/to' },
      properties: { range: { type: 'object' } },
    },
    async *collect(ctx) {
      const [from, to] = ranges.get(ctx.clock.now().toISOString().slice(0, 10))!;
      yield { subject: { kind: 'repository', id: 'app' }, status: 'pass', summary: `Commits ${from}..${to}.`, data: { range: { from, to } } };
    },
  };
}

function instanceOf(id: string, collector: Collector, cadence?: RecordCadence): CollectorInstance {
  return { id, collector, options: {}, controls: collector.controls, timeoutMs: 5000, drillsAllowed: false, ...(cadence ? { cadence } : {}) };
}

/** Runs an instance once on each of `days` at 03:00:05 UTC, with the clock fixed at that time. */
async function runOn(store: EvidenceStore, agent: string, inst: CollectorInstance, days: string[]): Promise<void> {
  for (const day of days) {
    const at = new Date(`${day}T03:00:05.000Z`);
    await runCollectors(
      [inst],
      environment(store, { clock: { now: () => at }, concurrency: 1, agent: { id: agent, version: '0.0.0-test', host: 'h', configSha256: '0'.repeat(64) } }),
    );
  }
}

function days(from: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * DAY).toISOString().slice(0, 10));
}

async function coverageJson(url: string, ...args: string[]): Promise<{ code: number | null; report: CoverageReport; stderr: string }> {
  const r = await runCli(['--log-level', 'warn', 'coverage', '--store', url, '--json', ...args]);
  return { code: r.code, report: (r.stdout ? JSON.parse(r.stdout) : null) as CoverageReport, stderr: r.stderr };
}

/**
 * The daily check of agent a over 2026-03-01..10: no run on the 1st (gap at the start), 5th (middle) and 10th
 * (end); an error on the 7th; the run of the 8th skipped with a notice; the agent down over the 3rd, with a
 * missed-runs notice when it came back.
 */
async function writeDailyStore(store: EvidenceStore): Promise<void> {
  const statuses = new Map<string, RecordStatus>([['2026-03-07', 'error']]);
  const inst = instanceOf('check', checkCollector(statuses), DAILY);
  await runOn(store, 'agent-a', inst, ['2026-02-27', '2026-02-28', '2026-03-02']);
  const env = (at: string) =>
    environment(store, { clock: { now: () => new Date(at) }, agent: { id: 'agent-a', version: '0.0.0-test', host: 'h', configSha256: '0'.repeat(64) } });
  // The drafts the daemon writes for these two notices.
  await writeNotice(
    inst,
    {
      subject: { kind: 'collector', id: 'check' },
      status: 'info',
      summary: 'missed',
      data: {
        notice: 'missed-runs',
        from: '2026-03-02T03:00:05.000Z',
        to: '2026-03-04T02:00:00.000Z',
        missedRuns: 1,
        capped: false,
        schedule: '0 3 * * *',
        timezone: 'UTC',
      },
    },
    env('2026-03-04T02:00:00.000Z'),
  );
  await runOn(store, 'agent-a', inst, ['2026-03-04', '2026-03-06', '2026-03-07']);
  await writeNotice(
    inst,
    {
      subject: { kind: 'collector', id: 'check' },
      status: 'info',
      summary: 'skipped',
      data: { notice: 'run-skipped', scheduledAt: '2026-03-08T03:00:00.000Z', schedule: '0 3 * * *' },
    },
    env('2026-03-08T03:00:00.500Z'),
  );
  await runOn(store, 'agent-a', inst, ['2026-03-09', '2026-03-11']);
}

describe('coverage', () => {
  it('lists gaps at the start, middle and end, error days as attempted and notices as explained', async () => {
    const dir = await tempDir();
    await writeDailyStore(new FileStore(dir));
    const { code, report } = await coverageJson(`file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10');
    expect(code).toBe(0);
    const stream = report.streams.find((s) => s.stream === 'agent-a/check')!;
    expect(stream.segments.map((s) => s.cadence)).toEqual([DAILY]);
    expect([stream.periods, stream.evidenced, stream.attempted, stream.explained, stream.gaps, stream.percent]).toEqual([10, 4, 1, 2, 3, 40]);
    expect(stream.missing).toEqual([
      { state: 'gap', from: '2026-03-01T03:00:00.000Z', to: '2026-03-02T02:59:59.999Z', periods: 1 },
      { state: 'explained', from: '2026-03-03T03:00:00.000Z', to: '2026-03-04T02:59:59.999Z', periods: 1 },
      { state: 'gap', from: '2026-03-05T03:00:00.000Z', to: '2026-03-06T02:59:59.999Z', periods: 1 },
      { state: 'attempted', from: '2026-03-07T03:00:00.000Z', to: '2026-03-08T02:59:59.999Z', periods: 1 },
      { state: 'explained', from: '2026-03-08T03:00:00.000Z', to: '2026-03-09T02:59:59.999Z', periods: 1 },
      { state: 'gap', from: '2026-03-10T03:00:00.000Z', to: '2026-03-10T23:59:59.999Z', periods: 1 },
    ]);
    // Notices are counted in the status mix, but are not evidence.
    expect(stream.statuses).toEqual({ pass: 4, fail: 0, error: 1, info: 2 });
    expect(report.controls).toEqual([expect.objectContaining({ control: 'CC7.2', percent: 40, periods: 10 })]);

    const below = await coverageJson(`file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10', '--min', '50');
    expect(below.code).toBe(3);
    const table = await runCli(['--log-level', 'warn', 'coverage', '--store', `file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10', '--min', '40']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CC7\.2\s+0 3 \* \* \* UTC\s+10\s+4\s+1\s+2\s+3\s+40\.0%/);
    expect(table.stdout).toContain('gap        2026-03-05T03:00:00.000Z .. 2026-03-06T02:59:59.999Z  (1 period)');
  });

  it('combines the streams of several agents on one control, and infers a cadence the records do not state', async () => {
    const dir = await tempDir();
    const store = new FileStore(dir);
    const statuses = new Map<string, RecordStatus>();
    // Agent a until the 5th, then its replacement b; neither states a cadence.
    await runOn(store, 'agent-a', instanceOf('check', checkCollector(statuses)), days('2026-03-01', 5));
    await runOn(store, 'agent-b', instanceOf('check', checkCollector(statuses)), days('2026-03-06', 5));
    const { report } = await coverageJson(`file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10', '--control', 'CC7.2');
    expect(report.streams.map((s) => [s.stream, s.percent, s.segments[0]!.cadence])).toEqual([
      ['agent-a/check', 50, { every: 'daily', inferred: true }],
      ['agent-b/check', 50, { every: 'daily', inferred: true }],
    ]);
    expect(report.controls).toEqual([expect.objectContaining({ control: 'CC7.2', streams: ['agent-a/check', 'agent-b/check'], percent: 100, periods: 10 })]);
    const table = await runCli(['--log-level', 'warn', 'coverage', '--store', `file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10']);
    expect(table.stdout).toContain('every daily (inferred)');
    // A criterion of the catalog that no stream carries is 0%; an id neither the catalog nor a record names is a usage error.
    const missing = await coverageJson(`file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10', '--control', 'CC9.1', '--min', '1');
    expect([missing.code, missing.report.controls[0]?.percent]).toEqual([3, 0]);
    const unknown = await runCli([
      '--log-level',
      'warn',
      'coverage',
      '--store',
      `file:${dir}`,
      '--from',
      '2026-03-01',
      '--to',
      '2026-03-10',
      '--control',
      'CC9.9',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown soc2 control "CC9\.9": choose one of CC1\.1, .* \(listed in .*soc2\.json\)/);
  });

  it('says whether chained ranges cover the window, and lists the holes', async () => {
    const dir = await tempDir();
    const store = new FileStore(dir);
    const whole = new Map<string, [string | null, string]>([
      ['2026-02-28', [null, 'c1']],
      ['2026-03-02', ['c1', 'c2']],
      ['2026-03-04', ['c2', 'c3']],
      ['2026-03-11', ['c3', 'c4']],
    ]);
    await runOn(store, 'agent-a', instanceOf('commits', rangeCollector(whole), { every: 'daily' }), [...whole.keys()]);
    const holed = new Map<string, [string | null, string]>([
      ['2026-02-27', [null, 'd1']],
      ['2026-03-02', ['d1', 'd2']],
      ['2026-03-04', ['d5', 'd6']],
    ]);
    await runOn(store, 'agent-b', instanceOf('commits', rangeCollector(holed), { every: 'daily' }), [...holed.keys()]);
    const { report } = await coverageJson(`file:${dir}`, '--from', '2026-03-01', '--to', '2026-03-10');
    const a = report.streams.find((s) => s.stream === 'agent-a/commits')!;
    const b = report.streams.find((s) => s.stream === 'agent-b/commits')!;
    expect(a.ranges).toEqual([{ subject: 'app', fromStart: true, toEnd: true, holes: [], covered: true }]);
    expect(b.ranges).toEqual([
      {
        subject: 'app',
        fromStart: true,
        toEnd: false,
        holes: [
          {
            after: { key: 'records/agent-b/commits/2026-03-02/000000000001.json', value: 'd2' },
            before: { key: 'records/agent-b/commits/2026-03-04/000000000002.json', value: 'd5' },
          },
        ],
        covered: false,
      },
    ]);
    expect(report.controls.find((c) => c.control === 'CC8.1')!.rangesCovered).toBe(false);
  });

  it('reads a store written by the independent Python writer', async () => {
    const dir = await tempDir();
    const plan = {
      agents: [
        {
          id: 'indie-1',
          streams: [
            {
              collector: 'nightly',
              kind: 'plain',
              controls: ['CC7.2'],
              cadence: { schedule: '0 3 * * *', timezone: 'UTC' },
              start: '2026-03-01T03:00:05Z',
              interval: 86400,
              count: 10,
              gaps: ['2026-03-05'],
              collectorErrors: ['2026-03-07'],
            },
          ],
        },
      ],
    };
    const planFile = join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const script = fileURLToPath(new URL('./interop/write_store.py', import.meta.url));
    execFileSync('python3', [script, join(dir, 'store'), planFile], { stdio: 'pipe' });
    const { code, report } = await coverageJson(`file:${join(dir, 'store')}`, '--from', '2026-03-01', '--to', '2026-03-10');
    expect(code).toBe(0);
    expect(report.streams.map((s) => [s.stream, s.periods, s.evidenced, s.attempted, s.gaps])).toEqual([['indie-1/nightly', 10, 8, 1, 1]]);
  });

  it('refuses a window without both ends', async () => {
    const r = await runCli(['coverage', '--store', 'file:/nonexistent', '--from', '2026-03-01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--from and --to are required');
  });
});

for (const kind of S3_SERVERS) {
  describe.skipIf(kind.unavailable !== null)(`coverage on ${kind.name}`, () => {
    const s3 = useS3Server(kind);

    it('gives the same coverage from a bucket', async () => {
      const bucket = `coverage-${process.pid}`;
      await createBucket(s3.client, bucket, 'locked');
      const store = testS3Store(`s3://${bucket}/evidence`, s3.server.endpoint);
      try {
        await writeDailyStore(store);
        const report = await coverageReport(store, { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-10T23:59:59.999Z') });
        const stream = report.streams.find((s) => s.stream === 'agent-a/check')!;
        expect([stream.periods, stream.evidenced, stream.attempted, stream.explained, stream.gaps]).toEqual([10, 4, 1, 2, 3]);
      } finally {
        await store.close();
      }
    }, 120_000);
  });
}
