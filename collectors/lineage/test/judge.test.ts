import { describe, expect, it } from 'vitest';
import { checkEvent, parseEvents, type RunEvent } from '../judge/event.js';
import { LineageFold } from '../judge/fold.js';
import { buildGraph } from '../judge/graph.js';
import { deployedLineage, globPattern, modelFindings, modelTest, namesModel } from '../judge/models.js';
import { datasetLocation, LastNamed, RetentionCheck } from '../judge/retention.js';
import { judgeRuns, runFindings } from '../judge/runs.js';
import { FRAUD_MODEL, LABELS, runEvent, TRANSACTIONS, trainingRun } from './events.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const RUN = '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d';

function valid(value: unknown): RunEvent {
  const v = checkEvent(value);
  if (!v.ok) throw new Error(v.reason);
  return v.event;
}

function fold(events: unknown[]): LineageFold {
  const f = new LineageFold();
  for (const e of events) f.add(valid(e));
  return f;
}

describe('event validation', () => {
  const good = runEvent({
    type: 'START',
    time: '2026-11-01T10:00:00.123+02:00',
    runId: RUN.toUpperCase(),
    job: ['ns', 'job'],
    inputs: [TRANSACTIONS],
    outputs: [FRAUD_MODEL],
  });

  it('reduces a run event to what the graph needs, with dataset versions and types from their facets', () => {
    expect(valid(good)).toEqual({
      time: Date.parse('2026-11-01T08:00:00.123Z'),
      type: 'START',
      runId: RUN,
      job: { namespace: 'ns', name: 'job' },
      inputs: [{ namespace: 's3://acme-raw', name: 'transactions/2026', version: 'v3', type: null }],
      outputs: [{ namespace: 's3://acme-models', name: 'models/fraud-detector', version: '12', type: 'MODEL' }],
    });
  });

  it.each([
    ['eventTime', (e: Record<string, unknown>) => delete e.eventTime, 'eventTime: missing'],
    ['a date-time without a zone', (e: Record<string, unknown>) => (e.eventTime = '2026-11-01T10:00:00'), 'eventTime: not an RFC 3339 date-time'],
    ['producer', (e: Record<string, unknown>) => (e.producer = 'not a uri'), 'producer: not a URI'],
    ['schemaURL', (e: Record<string, unknown>) => delete e.schemaURL, 'schemaURL: missing'],
    ['eventType', (e: Record<string, unknown>) => delete e.eventType, 'eventType: missing'],
    ['an unknown event type', (e: Record<string, unknown>) => (e.eventType = 'FINISHED'), 'eventType: not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER'],
    ['runId', (e: Record<string, unknown>) => (e.run = {}), 'run.runId: missing'],
    ['a non-UUID runId', (e: Record<string, unknown>) => (e.run = { runId: 'run-42' }), 'run.runId: not a UUID'],
    ['job.name', (e: Record<string, unknown>) => (e.job = { namespace: 'ns' }), 'job.name: missing'],
    ['a dataset namespace', (e: Record<string, unknown>) => (e.inputs = [{ name: 'x' }]), 'inputs[0].namespace: missing'],
    ['outputs as an object', (e: Record<string, unknown>) => (e.outputs = {}), 'outputs: not an array'],
  ])('refuses an event with a bad %s, naming the field', (_what, change, reason) => {
    const e = structuredClone(good);
    change(e);
    expect(checkEvent(e)).toEqual({ ok: false, reason });
  });

  it('never quotes the content of a bad JSON text, and judges each element of an array', () => {
    const [truncated] = parseEvents('{"eventType": "START", "secret": "hunter2", "run": {');
    expect(truncated).toEqual({ ok: false, reason: expect.stringMatching(/^not valid JSON/) });
    expect(JSON.stringify(truncated)).not.toContain('hunter2');
    const two = parseEvents(JSON.stringify([good, { ...good, eventType: 'NOPE' }]));
    expect(two.map((v) => (v.ok ? 'ok' : v.reason))).toEqual(['ok', '[1] eventType: not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER']);
  });
});

describe('folding events into a graph', () => {
  it('links the datasets a training run read to the model it wrote, whatever order the events come in', () => {
    const events = [...trainingRun(NOW, RUN), runEvent({ type: 'RUNNING', time: NOW, runId: RUN, job: ['ml-training', 'train-fraud-detector'] })];
    const forward = buildGraph(fold(events), modelTest([]));
    const backward = buildGraph(fold([...events].reverse()), modelTest([]));
    expect(backward).toEqual(forward);
    expect(forward.datasets.map((d) => [d.id, d.model, d.versions])).toEqual([
      ['dataset:postgres://warehouse:5432|fraud.labels', false, []],
      ['dataset:s3://acme-models|models/fraud-detector', true, ['12']],
      ['dataset:s3://acme-raw|transactions/2026', false, ['v3']],
    ]);
    expect(forward.datasets[1]!.producedFrom).toEqual(['dataset:postgres://warehouse:5432|fraud.labels', 'dataset:s3://acme-raw|transactions/2026']);
    expect(forward.edges).toEqual([
      { from: 'dataset:postgres://warehouse:5432|fraud.labels', to: 'job:ml-training|train-fraud-detector', runs: 1, versions: [] },
      { from: 'dataset:s3://acme-raw|transactions/2026', to: 'job:ml-training|train-fraud-detector', runs: 1, versions: ['v3'] },
      { from: 'job:ml-training|train-fraud-detector', to: 'dataset:s3://acme-models|models/fraud-detector', runs: 1, versions: ['12'] },
    ]);
    expect(forward.jobs[0]!.runs).toEqual({ total: 1, completed: 1, failed: 0, aborted: 0, open: 0 });
  });

  it('counts an event read twice once', () => {
    const f = fold([...trainingRun(NOW, RUN), ...trainingRun(NOW, RUN)]);
    expect([f.folded, f.duplicates, f.runs.size]).toEqual([2, 2, 1]);
  });

  it('takes the latest terminal event as the state of a run, and the worse one on a tie', () => {
    const job: [string, string] = ['ns', 'j'];
    const at = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
    const f = fold([
      runEvent({ type: 'FAIL', time: at(3), runId: RUN, job }),
      runEvent({ type: 'COMPLETE', time: at(2), runId: RUN, job }),
      runEvent({ type: 'COMPLETE', time: at(2), runId: 'a0000000-0000-4000-8000-000000000000', job }),
      runEvent({ type: 'ABORT', time: at(2), runId: 'a0000000-0000-4000-8000-000000000000', job }),
    ]);
    expect(judgeRuns(f, NOW.getTime(), 24, 10).counts).toMatchObject({ completed: 1, aborted: 1 });
  });
});

describe('runs', () => {
  const job: [string, string] = ['ml-training', 'nightly'];
  const started = (h: number, runId: string) => runEvent({ type: 'START', time: new Date(NOW.getTime() - h * 3_600_000), runId, job });

  it('calls a run started longer ago than the grace period, with no terminal event, incomplete', () => {
    const f = fold([
      started(30, '10000000-0000-4000-8000-000000000001'),
      started(2, '10000000-0000-4000-8000-000000000002'),
      runEvent({ type: 'OTHER', time: NOW, runId: '10000000-0000-4000-8000-000000000003', job }),
      runEvent({ type: 'FAIL', time: NOW, runId: '10000000-0000-4000-8000-000000000004', job }),
    ]);
    const verdicts = judgeRuns(f, NOW.getTime(), 24, 10);
    expect(verdicts.counts).toEqual({ total: 4, completed: 0, failed: 1, aborted: 0, running: 1, incomplete: 1, other: 1 });
    expect(runFindings(verdicts, 24)).toEqual([
      {
        code: 'run-incomplete',
        severity: 'medium',
        ref: 'ml-training/nightly run 10000000-0000-4000-8000-000000000001',
        message: expect.stringContaining('started at 2026-11-19T06:00:00.000Z and has no COMPLETE, FAIL or ABORT event after 24 h'),
      },
    ]);
  });

  it('lists the oldest incomplete runs up to the limit and counts the rest', () => {
    const f = fold(Array.from({ length: 7 }, (_, i) => started(100 + i, `20000000-0000-4000-8000-00000000000${i}`)));
    const verdicts = judgeRuns(f, NOW.getTime(), 24, 2);
    expect(verdicts.incomplete.map((r) => r.runId.slice(-1))).toEqual(['6', '5']);
    expect(runFindings(verdicts, 24).at(-1)).toEqual({ code: 'run-incomplete', severity: 'medium', message: expect.stringMatching(/^5 more incomplete runs/) });
  });
});

describe('models', () => {
  it('matches globs within and across path segments', () => {
    expect(globPattern('models/*').test('models/fraud-detector')).toBe(true);
    expect(globPattern('models/*').test('models/fraud-detector/v12')).toBe(false);
    expect(globPattern('models/**').test('models/fraud-detector/v12')).toBe(true);
    expect(globPattern('model.?').test('modelXa')).toBe(false);
  });

  it('knows a deployed model by its name, the last segment of a dataset name, or namespace/name', () => {
    expect(namesModel({ namespace: 's3://m', name: 'models/fraud-detector/' }, 'fraud-detector')).toBe(true);
    expect(namesModel({ namespace: 'mlflow', name: 'fraud-detector' }, 'mlflow/fraud-detector')).toBe(true);
    expect(namesModel({ namespace: 's3://m', name: 'models/fraud-detector-v2' }, 'fraud-detector')).toBe(false);
  });

  it('finds lineage for a deployed model through a run that read inputs, and none for one no event names', () => {
    const verdicts = deployedLineage(fold(trainingRun(NOW, RUN)), ['fraud-detector', 'churn-model']);
    expect(verdicts).toEqual([
      {
        name: 'fraud-detector',
        datasets: ['dataset:s3://acme-models|models/fraud-detector'],
        inputs: ['dataset:postgres://warehouse:5432|fraud.labels', 'dataset:s3://acme-raw|transactions/2026'],
        lineage: true,
      },
      { name: 'churn-model', datasets: [], inputs: [], lineage: false },
    ]);
    expect(modelFindings(verdicts)).toEqual([expect.objectContaining({ code: 'model-without-lineage', severity: 'high', ref: 'churn-model' })]);
  });

  it('gives no lineage to a model written only by runs that failed or read nothing', () => {
    const job: [string, string] = ['ml', 'train'];
    const f = fold([
      runEvent({ type: 'FAIL', time: NOW, runId: RUN, job, inputs: [LABELS], outputs: [FRAUD_MODEL] }),
      runEvent({ type: 'COMPLETE', time: NOW, runId: '30000000-0000-4000-8000-000000000000', job, outputs: [FRAUD_MODEL] }),
    ]);
    const [verdict] = deployedLineage(f, ['fraud-detector']);
    expect(verdict).toMatchObject({ lineage: false, datasets: ['dataset:s3://acme-models|models/fraud-detector'] });
    expect(modelFindings([verdict!])[0]!.message).toMatch(/no run that wrote it \(and did not fail or abort\) read any input dataset/);
  });

  it('takes output datasets whose names match a pattern as models', () => {
    const f = fold([
      runEvent({ type: 'COMPLETE', time: NOW, runId: RUN, job: ['ml', 't'], inputs: [LABELS], outputs: [{ namespace: 'mlflow', name: 'models/ranker' }] }),
    ]);
    expect(
      buildGraph(f, modelTest(['models/*']))
        .datasets.filter((d) => d.model)
        .map((d) => d.name),
    ).toEqual(['models/ranker']);
    expect(buildGraph(f, modelTest([])).datasets.filter((d) => d.model)).toEqual([]);
  });
});

describe('retention', () => {
  const DAY = 86_400_000;

  it('places datasets by the OpenLineage naming conventions', () => {
    expect(datasetLocation('s3://acme-raw', 'pii/users.csv')).toBe('s3://acme-raw/pii/users.csv');
    expect(datasetLocation('s3a://acme-raw/', '/pii/users/')).toBe('s3://acme-raw/pii/users');
    expect(datasetLocation('gs://lake/raw', 'users.parquet')).toBe('gs://lake/raw/users.parquet');
    expect(datasetLocation('file', '/data/pii/users.csv')).toBe('/data/pii/users.csv');
    expect(datasetLocation('file://host-1', '/data/pii/')).toBe('/data/pii');
    expect(datasetLocation('postgres://db:5432', 'public.users')).toBeNull();
  });

  it('keeps an object alive while lineage events name it or a folder above it, and finds an expired one still stored', () => {
    const folder = { namespace: 's3://acme-raw', name: 'pii/recent' };
    const f = fold([runEvent({ type: 'COMPLETE', time: new Date(NOW.getTime() - 5 * DAY), runId: RUN, job: ['etl', 'load'], outputs: [folder] })]);
    const check = new RetentionCheck({ location: 's3://acme-raw/pii/', days: 90 }, new LastNamed(f), NOW.getTime(), 10);
    const old = NOW.getTime() - 200 * DAY;
    check.check({ ref: 's3://acme-raw/pii/recent/part-0.csv', versions: [{ modified: old, current: true }] });
    check.check({ ref: 's3://acme-raw/pii/2025/users.csv', versions: [{ modified: old, current: false }] });
    check.check({ ref: 's3://acme-raw/pii/fresh.csv', versions: [{ modified: NOW.getTime() - DAY, current: true }] });
    expect(check.tally).toMatchObject({ objectsChecked: 3, expiredPresent: 1 });
    expect(check.findings()).toEqual([
      {
        code: 'retention-expired-present',
        severity: 'high',
        ref: 's3://acme-raw/pii/2025/users.csv',
        message: expect.stringMatching(/older than the 90 days .* named by no lineage event; 1 of its 1 expired versions are noncurrent/),
      },
    ]);
  });
});
