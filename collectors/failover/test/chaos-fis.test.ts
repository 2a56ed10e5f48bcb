import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCollectorOnce } from '../../../src/testing.js';
import { chaosCollector } from './chaos-collector.js';
import { type FisStandIn, type FisStandInExperiment, startFisStandIn } from './chaos-fis-standin.js';

const NOW = new Date('2026-03-10T12:00:00Z');
const at = (iso: string) => Date.parse(iso) / 1000;
const clockAt = (d: Date) => ({ now: () => d });
const ALARM = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:fraud-api-5xx';

function experiment(id: string, template: string, status: string, end: string, extra: Partial<FisStandInExperiment> = {}): FisStandInExperiment {
  const endTime = at(end);
  return {
    id,
    experimentTemplateId: template,
    state: { status, reason: status === 'completed' ? 'Experiment completed.' : 'Experiment stopped.' },
    creationTime: endTime - 600,
    startTime: endTime - 590,
    endTime,
    actions: {
      'stop-primary': { actionId: 'aws:ec2:stop-instances', state: { status: 'completed' }, startTime: endTime - 580, endTime: endTime - 300 },
    },
    stopConditions: [{ source: 'aws:cloudwatch:alarm', value: ALARM }],
    ...extra,
  };
}

// The SDK signs every request: test credentials for the stand-in, and no instance metadata look-up.
const ENV = { AWS_ACCESS_KEY_ID: 'AKIDSTANDIN', AWS_SECRET_ACCESS_KEY: 'standin-secret', AWS_EC2_METADATA_DISABLED: 'true' };
const saved: Record<string, string | undefined> = {};
beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const k of Object.keys(ENV)) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('AWS FIS experiments, from a loopback stand-in of the FIS API', () => {
  let standIn: FisStandIn | undefined;
  afterEach(async () => standIn?.close());

  const options = (url: string) => ({
    chaos: {
      awsFis: {
        templates: [
          { id: 'EXTfraud', service: 'fraud-api' },
          { id: 'EXTsearch', service: 'search-api' },
        ],
        region: 'us-east-1',
        endpoint: url,
      },
    },
  });

  it('records each finished experiment of a configured template: state, times, actions, a fired stop condition', async () => {
    standIn = await startFisStandIn(
      [
        experiment('EXP1', 'EXTfraud', 'completed', '2026-03-09T10:00:00Z'),
        experiment('EXP2', 'EXTsearch', 'stopped', '2026-03-09T11:00:00Z', {
          state: { status: 'stopped', reason: 'Experiment stopped by stop condition.' },
          actions: { 'stop-primary': { actionId: 'aws:ec2:stop-instances', state: { status: 'cancelled', reason: 'Experiment stopped.' } } },
        }),
        experiment('EXP3', 'EXTfraud', 'failed', '2026-03-09T12:00:00Z', { state: { status: 'failed', reason: 'Target resolution failed.' } }),
        experiment('EXP4', 'EXTother', 'completed', '2026-03-09T13:00:00Z'),
        experiment('EXP5', 'EXTfraud', 'running', '2026-03-10T11:00:00Z'),
        // Ended before the 168-hour look-back of a first run.
        experiment('EXP6', 'EXTfraud', 'completed', '2026-03-01T10:00:00Z'),
      ],
      { pageSize: 2 },
    );
    const { records } = await runCollectorOnce(chaosCollector(), options(standIn.url), { clock: clockAt(NOW) });

    expect(records.map((r) => [r.subject.id, r.status, (r.data.experiment as { id: string }).id])).toEqual([
      ['fraud-api', 'pass', 'EXP1'],
      ['search-api', 'fail', 'EXP2'],
      ['fraud-api', 'fail', 'EXP3'],
    ]);
    const [completed, stopped, failed] = records;
    expect(completed?.subject).toEqual({ kind: 'service', id: 'fraud-api' });
    expect(completed?.data).toEqual({
      source: 'aws-fis',
      drillOutcome: 'imported',
      startedAt: '2026-03-09T09:50:10.000Z',
      endedAt: '2026-03-09T10:00:00.000Z',
      experiment: {
        id: 'EXP1',
        template: 'EXTfraud',
        state: 'completed',
        reason: 'Experiment completed.',
        actions: [
          {
            name: 'stop-primary',
            action: 'aws:ec2:stop-instances',
            state: 'completed',
            startedAt: '2026-03-09T09:50:20.000Z',
            endedAt: '2026-03-09T09:55:00.000Z',
          },
        ],
        stopConditions: [ALARM],
        stoppedByStopCondition: false,
      },
    });
    expect(completed?.findings).toEqual([]);
    expect(stopped?.data.experiment).toMatchObject({ stoppedByStopCondition: true, state: 'stopped' });
    expect(stopped?.findings.map((f) => f.code)).toEqual(['drill-stop-condition']);
    expect(stopped?.findings[0]?.message).toContain(ALARM);
    expect(failed?.findings.map((f) => [f.code, f.severity])).toEqual([['drill-failed', 'high']]);
    expect(failed?.findings[0]?.message).toContain('Target resolution failed.');

    // The list was paged (three pages of two), and every request was signed with SigV4.
    expect(standIn.requests.filter((r) => r.path === '/experiments').map((r) => r.query.get('nextToken'))).toEqual([null, '2', '4']);
    expect(standIn.requests.every((r) => r.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=AKIDSTANDIN/'))).toBe(true);
    // Only the finished experiments of configured templates were fetched in detail.
    expect(standIn.requests.filter((r) => r.path !== '/experiments').map((r) => r.path)).toEqual([
      '/experiments/EXP1',
      '/experiments/EXP2',
      '/experiments/EXP3',
      '/experiments/EXP6',
    ]);
  });

  it('records, in the next run, only experiments that ended since the previous record', async () => {
    const experiments = [experiment('EXP1', 'EXTfraud', 'completed', '2026-03-09T10:00:00Z')];
    standIn = await startFisStandIn(experiments);
    const first = await runCollectorOnce(chaosCollector(), options(standIn.url), { clock: clockAt(NOW) });
    expect(first.records.map((r) => (r.data.experiment as { id: string }).id)).toEqual(['EXP1']);

    experiments.push(experiment('EXP7', 'EXTfraud', 'completed', '2026-03-10T18:00:00Z'));
    const second = await runCollectorOnce(chaosCollector(), options(standIn.url), { clock: clockAt(new Date('2026-03-11T12:00:00Z')), store: first.store });
    expect(second.records.map((r) => (r.data.experiment as { id: string }).id)).toEqual(['EXP7']);
  });

  it('writes an error record for each service of the templates when FIS refuses, naming the permissions to grant', async () => {
    standIn = await startFisStandIn([], { status: 403 });
    const { records } = await runCollectorOnce(chaosCollector(), options(standIn.url), { clock: clockAt(NOW) });
    expect(records.map((r) => [r.subject.id, r.status])).toEqual([
      ['fraud-api', 'error'],
      ['search-api', 'error'],
    ]);
    expect(records[0]?.findings[0]?.code).toBe('chaos-source-unreadable');
    expect(records[0]?.findings[0]?.message).toMatch(/AccessDeniedException.*allow fis:ListExperiments and fis:GetExperiment/);
    expect(JSON.stringify(records)).not.toContain('standin-secret');
  });
});
