import { describe, expect, it } from 'vitest';
import { judgeSource, type SourceObservation } from '../judge/source.js';
import type { ConfigAnalysis } from '../judge/verdict.js';
import type { ScanResult } from '../observe/scan/types.js';

const HMAC = 'a'.repeat(64);
const config = (verdicts: ConfigAnalysis['pipelines']): ConfigAnalysis => ({ configSha256: 'b'.repeat(64), pipelines: verdicts });
const scan = (counts: ScanResult['counts'], hits: ScanResult['hits'] = []): ScanResult => ({
  locations: 1,
  linesScanned: 100,
  bytesScanned: 5000,
  sampled: false,
  counts,
  hits,
  hitsOmitted: 0,
  unreadable: [],
});
const observe = (o: Partial<SourceObservation>): SourceObservation => ({
  source: { name: 'gateway', kind: 'otel-collector' },
  config: { location: 'otel.yaml' },
  analysis: null,
  scan: null,
  sampleLines: 10_000,
  keyOrigin: 'generated',
  ...o,
});

describe('judgeSource', () => {
  it('passes when every pipeline drops or redacts and the logs hold nothing', () => {
    const d = judgeSource(observe({ analysis: config([{ pipeline: 'logs', verdict: 'drops', reason: 'x', lines: [3] }]), scan: scan({}) }));
    expect(d).toMatchObject({ subject: { kind: 'log-pipeline', id: 'gateway' }, status: 'pass', findings: [] });
    expect(d.data).toMatchObject({ config: { location: 'otel.yaml', sha256: 'b'.repeat(64), problem: null }, findingsByKind: {}, hmacKey: 'generated' });
  });

  it('fails a pipeline that passes prompts, citing the config lines', () => {
    const d = judgeSource(
      observe({ analysis: config([{ pipeline: 'logs', verdict: 'passes-prompts', reason: 'gen_ai.prompt reaches debug', lines: [4, 9] }]) }),
    );
    expect(d.status).toBe('fail');
    expect(d.findings).toEqual([{ code: 'passes-prompts', severity: 'high', message: 'logs: gen_ai.prompt reaches debug.', ref: 'otel.yaml:4,9' }]);
    expect(d.data!.logs).toBeNull();
    expect(d.data!.hmacKey).toBeNull();
  });

  it('fails each leaked kind with the first location, line and HMAC, and flags a config the logs contradict', () => {
    const hits = [
      { location: 'app.jsonl', line: 7, kind: 'prompt-field' as const, field: 'prompt', hmac: HMAC },
      { location: 'app.jsonl', line: 9, kind: 'email' as const, hmac: HMAC },
    ];
    const d = judgeSource(
      observe({ analysis: config([{ pipeline: 'logs', verdict: 'redacts', reason: 'x', lines: [5] }]), scan: scan({ 'prompt-field': 3, email: 1 }, hits) }),
    );
    expect(d.status).toBe('fail');
    expect(d.findings!.map((f) => [f.code, f.ref])).toEqual([
      ['prompt-logged', 'app.jsonl:7'],
      ['personal-data-logged', 'app.jsonl:9'],
      ['config-behaviour-mismatch', 'otel.yaml:5'],
    ]);
    expect(d.findings![0]!.message).toBe(`3 prompt-field matches in the logs; first at app.jsonl:7 (field prompt), HMAC-SHA-256 ${HMAC}.`);
    expect(d.findings![2]!.message).toBe(
      'The config drops or redacts prompts (logs: redacts), but 3 log lines hold prompt fields: some log path is not covered.',
    );
    expect(d.data!.findingsByKind).toEqual({ 'prompt-field': 3, email: 1 });
    expect(d.data!.hits).toHaveLength(2);
  });

  it('does not call it a mismatch when a pipeline already passes prompts', () => {
    const analysis = config([
      { pipeline: 'a', verdict: 'drops', reason: 'x', lines: [1] },
      { pipeline: 'b', verdict: 'passes-prompts', reason: 'y', lines: [2] },
    ]);
    const d = judgeSource(observe({ analysis, scan: scan({ 'prompt-field': 1 }) }));
    expect(d.findings!.map((f) => f.code)).toEqual(['passes-prompts', 'prompt-logged']);
  });

  it('is info, not pass, when a verdict is unknown or a log unreadable', () => {
    const unreadable = { ...scan({}), unreadable: [{ location: 'gone.log', reason: 'no such file' }] };
    const d = judgeSource(
      observe({
        analysis: {
          configSha256: null,
          pipelines: [{ pipeline: '(config)', verdict: 'unknown', reason: 'otel.yaml: no such file', lines: [] }],
          problem: 'otel.yaml: no such file',
        },
        scan: unreadable,
      }),
    );
    expect(d.status).toBe('info');
    expect(d.findings!.map((f) => f.code)).toEqual(['config-unknown', 'log-unreadable']);
    expect(d.data!.config).toEqual({ location: 'otel.yaml', sha256: null, problem: 'otel.yaml: no such file' });
  });

  it('lists at most 20 hits and counts the rest', () => {
    const hits = Array.from({ length: 25 }, (_, i) => ({ location: 'x.log', line: i + 1, kind: 'jwt' as const, hmac: HMAC }));
    const d = judgeSource(observe({ config: null, scan: { ...scan({ jwt: 30 }, hits), hitsOmitted: 5 } }));
    expect(d.data!.hits).toHaveLength(20);
    expect(d.data!.hitsOmitted).toBe(10);
  });
});
