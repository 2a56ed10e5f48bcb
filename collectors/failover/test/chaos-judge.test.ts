import { describe, expect, it } from 'vitest';
import { chaosSourceFailed, judgeFisExperiment, judgeLitmusResult } from '../judge/chaos.js';

describe('judging imported chaos experiments (plain values)', () => {
  it('fails a FIS experiment stopped by hand without blaming a stop condition', () => {
    const d = judgeFisExperiment('fraud-api', {
      id: 'EXP9',
      experimentTemplateId: 'EXTfraud',
      state: { status: 'stopped', reason: 'Experiment stopped by user.' },
      stopConditions: [{ source: 'none' }],
    });
    expect(d.status).toBe('fail');
    expect(d.findings?.map((f) => f.code)).toEqual(['drill-stopped']);
    expect(d.data?.experiment).toMatchObject({ stopConditions: ['none'], stoppedByStopCondition: false, actions: [] });
    expect(d.data).not.toHaveProperty('startedAt');
  });

  it('reports a FIS state it does not judge as info', () => {
    expect(judgeFisExperiment('fraud-api', { id: 'EXP8', state: { status: 'stopping' } }).status).toBe('info');
  });

  it('fails a Litmus result with verdict Error and keeps its error reason', () => {
    const d = judgeLitmusResult('fraud-api', {
      namespace: 'litmus',
      name: 'fraud-failover-pod-delete',
      engine: 'fraud-failover',
      experiment: 'pod-delete',
      phase: 'Completed',
      verdict: 'Error',
      probeSuccessPercentage: 0,
      errorReason: 'no target pods found',
      probes: [],
    });
    expect(d.status).toBe('fail');
    expect(d.findings?.[0]?.message).toContain('no target pods found');
    expect(d.data?.experiment).toMatchObject({ reason: 'no target pods found', verdict: 'Error' });
  });

  it('makes an unreadable source an error record of the service', () => {
    const d = chaosSourceFailed('fraud-api', 'litmus', 'boom');
    expect([d.subject, d.status, d.data]).toEqual([{ kind: 'service', id: 'fraud-api' }, 'error', { source: 'litmus', drillOutcome: 'imported' }]);
  });
});
