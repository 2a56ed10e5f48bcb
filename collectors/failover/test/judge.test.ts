import { describe, expect, it } from 'vitest';
import { judgeDrill } from '../judge/drill.js';
import { judgeProbes } from '../judge/probe.js';
import { latencyStats, percentile } from '../judge/stats.js';
import type { DrillObservation } from '../observe/drill.js';
import type { ProbeSample } from '../observe/probe.js';
import type { ServiceOptions } from '../schema.js';

const service: ServiceOptions = {
  name: 'fraud-api',
  url: 'https://fraud.internal/health',
  expect: { status: 200, servedByHeader: 'x-served-by' },
  targets: { primary: 'https://a.internal/health', standby: 'https://b.internal/health' },
  slo: { p95Ms: 300, rtoSeconds: 60, maxErrorRate: 0.05 },
  drill: { enabled: true, trigger: { command: ['fail'] }, restore: { command: ['restore'] }, probeIntervalMs: 200, maxSeconds: 300 },
};

const sample = (over: Partial<ProbeSample>): ProbeSample => ({ target: 'front-door', phase: 'probe', t: 0, healthy: true, latencyMs: 10, ...over });

describe('stats', () => {
  it('takes nearest-rank percentiles, and none of nothing', () => {
    expect(percentile([], 95)).toBeNull();
    expect(percentile([5], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([10, 1, 9, 2], 100)).toBe(10);
  });

  it('counts errors and measures latency of healthy probes only', () => {
    const stats = latencyStats([sample({ latencyMs: 20 }), sample({ latencyMs: 40 }), sample({ healthy: false, latencyMs: 5000 }), sample({ latencyMs: 30 })]);
    expect(stats).toEqual({ probes: 4, errors: 1, errorRate: 0.25, p50Ms: 30, p95Ms: 40, maxMs: 40 });
  });
});

describe('judgeProbes', () => {
  it('fails on a missed latency SLO and error budget, and names who served', () => {
    const v = judgeProbes(service, [
      sample({ latencyMs: 500, servedBy: 'a' }),
      sample({ latencyMs: 100, servedBy: 'a' }),
      sample({ healthy: false }),
      sample({ target: 'primary' }),
      sample({ target: 'standby' }),
    ]);
    expect(v.findings.map((f) => f.code)).toEqual(['error-rate-exceeded', 'latency-slo-missed']);
    expect(v.data.servedBy).toEqual({ a: 2 });
  });
});

describe('judgeDrill', () => {
  const drill = (over: Partial<DrillObservation>): DrillObservation => {
    const during = [sample({ phase: 'during', t: 1000, healthy: false }), sample({ phase: 'during', t: 3000, latencyMs: 500, servedBy: 'b' })];
    return {
      outcome: 'ran',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      faultAt: 500,
      trigger: { ok: true, detail: 'fail exited 0' },
      restore: { ok: true, detail: 'restore exited 0' },
      primaryBack: true,
      recovered: during[1]!,
      standbyServedBy: 'b',
      samples: [...Array.from({ length: 20 }, () => sample({ phase: 'before' })), ...during, ...Array.from({ length: 20 }, () => sample({ phase: 'after' }))],
      ...over,
    };
  };

  it('measures time to first error and to recovery from the fault, and passes within the RTO and budget', () => {
    const v = judgeDrill(service, drill({}));
    expect(v.findings).toEqual([]);
    expect(v.data).toMatchObject({ drillOutcome: 'recovered', secondsToFirstError: 0.5, recoverySeconds: 3, errorsDuring: 1 });
  });

  it('fails past the RTO, without recovery, and when restore or the primary failed', () => {
    expect(judgeDrill({ ...service, slo: { ...service.slo, rtoSeconds: 2 } }, drill({})).findings.map((f) => f.code)).toEqual(['rto-exceeded']);
    expect(judgeDrill(service, drill({ recovered: null })).findings.map((f) => f.code)).toEqual(['drill-not-recovered']);
    expect(judgeDrill(service, drill({ restore: { ok: false, detail: 'x' }, primaryBack: null })).findings.map((f) => f.code)).toEqual(['restore-failed']);
    expect(judgeDrill(service, drill({ primaryBack: false })).findings.map((f) => f.code)).toEqual(['primary-not-back']);
  });
});
