import { createHash } from 'node:crypto';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../../src/record/canonical-json.js';
import type { EvidenceRecord } from '../../../src/record/types.js';
import type { EvidenceStore } from '../../../src/store/types.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import lineage from '../index.js';
import { SpoolWriter } from '../observe/spool.js';
import { FRAUD_MODEL, hoursBefore, LABELS, ndjson, runEvent, TRANSACTIONS, trainingRun } from './events.js';
import { startMarquezStandIn } from './marquez-standin.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const clock = { now: () => NOW };
const DAY_H = 24;

async function run(dir: string, options: Record<string, unknown>, store?: EvidenceStore) {
  const result = await runCollectorOnce(lineage, options, { configDir: dir, clock, id: 'lineage', ...(store ? { store } : {}) });
  expect(result.records).toHaveLength(1);
  return { record: result.records[0]!, store: result.store };
}

async function attachment(store: EvidenceStore, record: EvidenceRecord, name: string): Promise<string> {
  const ref = record.attachments.find((a) => a.name === name)!;
  return Buffer.from((await store.get(ref.key))!).toString('utf8');
}

const codes = (r: EvidenceRecord) => r.findings.map((f) => f.code);

describe('lineage from event files', () => {
  it('links a training job to its model, cites malformed events by file and line, and finds a model without lineage and an incomplete run', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'events/2026-11'), { recursive: true });
    const job: [string, string] = ['ml-training', 'train-ranker-nightly'];
    await writeFile(
      join(dir, 'events/good.ndjson'),
      ndjson([
        ...trainingRun(NOW, '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d'),
        runEvent({ type: 'START', time: hoursBefore(NOW, 30), runId: '40000000-0000-4000-8000-000000000001', job, inputs: [LABELS] }),
        runEvent({ type: 'FAIL', time: hoursBefore(NOW, 3), runId: '40000000-0000-4000-8000-000000000002', job, inputs: [LABELS] }),
      ]),
    );
    // A pretty-printed document, as a person saves one event.
    const running = runEvent({
      type: 'RUNNING',
      time: hoursBefore(NOW, 49.5),
      runId: '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d',
      job: ['ml-training', 'train-fraud-detector'],
    });
    await writeFile(join(dir, 'events/2026-11/pretty.json'), JSON.stringify(running, null, 2));
    const base = runEvent({ type: 'START', time: NOW, runId: '40000000-0000-4000-8000-000000000003', job });
    await writeFile(
      join(dir, 'events/bad.ndjson'),
      [
        JSON.stringify(base),
        JSON.stringify(base).slice(0, 60),
        JSON.stringify({ ...base, run: {} }),
        JSON.stringify({ ...base, run: { runId: 'nightly-2026-11-20' } }),
        JSON.stringify({ ...base, eventType: 'FINISHED' }),
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'events/truncated.json'), JSON.stringify(running, null, 2).slice(0, 200));
    await writeFile(join(dir, 'events/notes.txt'), 'not an event file\n');

    const { record, store } = await run(dir, {
      sources: [{ path: 'events' }],
      models: { deployed: ['fraud-detector', 'churn-model'] },
      incompleteAfterHours: DAY_H,
    });

    expect(record.status).toBe('fail');
    expect(record.subject).toEqual({ kind: 'lineage-graph', id: 'lineage' });
    expect(record.controls).toEqual(['PI1.1', 'PI1.2', 'C1.2', 'P4.2']);
    expect(codes(record).sort()).toEqual([
      'event-invalid',
      'event-invalid',
      'event-invalid',
      'event-invalid',
      'event-invalid',
      'model-without-lineage',
      'run-incomplete',
    ]);
    expect(record.findings.filter((f) => f.code === 'event-invalid').map((f) => f.ref)).toEqual([
      `${join(dir, 'events/bad.ndjson')}:2`,
      `${join(dir, 'events/bad.ndjson')}:3`,
      `${join(dir, 'events/bad.ndjson')}:4`,
      `${join(dir, 'events/bad.ndjson')}:5`,
      `${join(dir, 'events/truncated.json')}:1`,
    ]);
    expect(record.data.invalidExamples).toEqual([
      { at: join(dir, 'events/bad.ndjson'), line: 2, reason: expect.stringMatching(/^not valid JSON/) },
      { at: join(dir, 'events/bad.ndjson'), line: 3, reason: 'run.runId: missing' },
      { at: join(dir, 'events/bad.ndjson'), line: 4, reason: 'run.runId: not a UUID' },
      { at: join(dir, 'events/bad.ndjson'), line: 5, reason: 'eventType: not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER' },
      { at: join(dir, 'events/truncated.json'), line: 1, reason: expect.stringMatching(/^not valid JSON/) },
    ]);
    expect(record.findings.find((f) => f.code === 'model-without-lineage')).toMatchObject({ ref: 'churn-model', severity: 'high' });
    expect(record.findings.find((f) => f.code === 'run-incomplete')).toMatchObject({
      ref: 'ml-training/train-ranker-nightly run 40000000-0000-4000-8000-000000000001',
    });
    expect(record.data).toMatchObject({
      events: { folded: 6, duplicates: 0, invalid: 5 },
      runs: { total: 4, completed: 1, failed: 1, aborted: 0, running: 1, incomplete: 1, other: 0 },
      graph: { datasets: 3, models: 1, jobs: 2, edges: 4 },
      deployedModels: [
        {
          name: 'fraud-detector',
          datasets: ['dataset:s3://acme-models|models/fraud-detector'],
          inputs: ['dataset:postgres://warehouse:5432|fraud.labels', 'dataset:s3://acme-raw|transactions/2026'],
          lineage: true,
        },
        { name: 'churn-model', datasets: [], inputs: [], lineage: false },
      ],
      sources: [
        { source: join(dir, 'events'), kind: 'path', events: 6, invalid: 5, error: null },
        { source: join(dir, '.lineage-spool/lineage'), kind: 'spool', events: 0, invalid: 0, error: null },
      ],
    });

    // The graph attachment is the canonical JSON whose SHA-256 the record names.
    const graphText = await attachment(store, record, 'lineage-graph.json');
    expect(canonicalize(JSON.parse(graphText))).toBe(graphText);
    expect(createHash('sha256').update(graphText).digest('hex')).toBe((record.data.graph as { sha256: string }).sha256);
    const graph = JSON.parse(graphText) as { datasets: { id: string; producedFrom?: string[] }[] };
    expect(graph.datasets.find((d) => d.id === 'dataset:s3://acme-models|models/fraud-detector')?.producedFrom).toHaveLength(2);

    const diagram = await attachment(store, record, 'lineage.mmd');
    expect(diagram).toMatch(/^flowchart LR\n/);
    expect(diagram).toContain('{{"s3://acme-models<br/>models/fraud-detector<br/>version 12"}}:::model');
    expect(diagram).toContain('[("s3://acme-raw<br/>transactions/2026<br/>version v3")]');
    expect(diagram).toContain('{{"churn-model<br/>deployed, no lineage"}}:::missing');
    expect(diagram.match(/-->/g)).toHaveLength(3);
  });

  it('gives the same graph and counts on the next run over the same events: nothing is counted twice', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.ndjson'), ndjson(trainingRun(NOW, '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d')));
    // The same events again in a second source, as when files and Marquez overlap.
    await writeFile(join(dir, 'b.json'), JSON.stringify(trainingRun(NOW, '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d')));
    const options = { sources: [{ path: 'a.ndjson' }, { path: 'b.json' }], models: { deployed: ['fraud-detector'] } };
    const first = await run(dir, options);
    const second = await run(dir, options, first.store);
    expect(first.record.status).toBe('pass');
    expect(second.record.seq).toBe(first.record.seq + 1);
    expect(second.record.data).toEqual(first.record.data);
    expect(first.record.data.events).toEqual({ folded: 2, duplicates: 2, invalid: 0 });
  });

  it('takes deployed models from the model-signatures ledger', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'events.ndjson'), ndjson(trainingRun(NOW)));
    const approved = (name: string) =>
      `- { name: ${name}, digest: "sha256:${'a'.repeat(64)}", approvedBy: board@example.com, approvedAt: "2026-11-01T09:00:00Z" }`;
    await writeFile(join(dir, 'approved-models.yaml'), `${approved('fraud-detector')}\n${approved('ranker')}\n`);
    const { record } = await run(dir, { sources: [{ path: 'events.ndjson' }], models: { ledger: 'approved-models.yaml', deployed: ['fraud-detector'] } });
    expect((record.data.deployedModels as { name: string; lineage: boolean }[]).map((m) => [m.name, m.lineage])).toEqual([
      ['fraud-detector', true],
      ['ranker', false],
    ]);
    expect(codes(record)).toEqual(['model-without-lineage']);
  });

  it('reports a source that cannot be read and still folds the others', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'events.ndjson'), ndjson(trainingRun(NOW)));
    const { record } = await run(dir, { sources: [{ path: 'no-such-folder' }, { path: 'events.ndjson' }] });
    expect(record.status).toBe('fail');
    expect(record.findings).toEqual([
      {
        code: 'source-unreadable',
        severity: 'high',
        ref: join(dir, 'no-such-folder'),
        message: expect.stringMatching(/does not exist: check sources\[\]\.path .*the lineage may be incomplete/),
      },
    ]);
    expect(record.data.events).toMatchObject({ folded: 2 });
  });

  it('refuses names that are not well-formed Unicode instead of failing the run on them', async () => {
    const dir = await tempDir();
    const [start, complete] = trainingRun(NOW);
    // JSON may escape a lone surrogate; canonical JSON (the graph's hash) cannot hold one.
    const broken = JSON.stringify(complete).replace('"models/fraud-detector"', '"models/fraud-\\ud800detector"');
    await writeFile(join(dir, 'e.ndjson'), `${JSON.stringify(start)}\n${broken}\n`);
    const { record } = await run(dir, { sources: [{ path: 'e.ndjson' }] });
    // Its run is left with a START only: incomplete, judged like any other.
    expect(codes(record)).toEqual(['run-incomplete', 'event-invalid']);
    expect(record.data.invalidExamples).toEqual([
      { at: join(dir, 'e.ndjson'), line: 2, reason: 'outputs[0].name: not well-formed Unicode (a lone surrogate)' },
    ]);
  });

  it('keeps the free text of facets out of the record and its attachments', async () => {
    const dir = await tempDir();
    const [start, complete] = trainingRun(NOW);
    (start!.run as { facets: Record<string, unknown> }).facets.sql = {
      _producer: 'https://x',
      _schemaURL: 'https://x',
      query: 'SELECT ssn FROM customers -- alice@example.com',
    };
    await writeFile(join(dir, 'e.ndjson'), ndjson([start, complete]));
    const { record, store } = await run(dir, { sources: [{ path: 'e.ndjson' }] });
    const everything = JSON.stringify(record) + (await attachment(store, record, 'lineage-graph.json')) + (await attachment(store, record, 'lineage.mmd'));
    expect(everything).not.toContain('alice@example.com');
    expect(everything).not.toContain('SELECT');
  });
});

describe('retention', () => {
  it('finds an expired dataset still on disk, passes one properly deleted, and keeps one a recent lineage event names', async () => {
    const dir = await tempDir();
    const pii = join(dir, 'raw/pii');
    await mkdir(join(pii, '2025'), { recursive: true });
    const old = new Date(NOW.getTime() - 200 * DAY_H * 3_600_000);
    for (const f of ['2025/customers.csv', 'transactions.csv', 'fresh.csv']) await writeFile(join(pii, f), 'id,amount\n');
    await utimes(join(pii, '2025/customers.csv'), old, old);
    await utimes(join(pii, 'transactions.csv'), old, old);
    // Named by a run five days ago: still in use. The deleted file is named too, long ago, and is gone from disk as it should be.
    const file = (name: string) => ({ namespace: 'file', name: join(pii, name) });
    await writeFile(
      join(dir, 'events.ndjson'),
      ndjson([
        runEvent({
          type: 'COMPLETE',
          time: hoursBefore(NOW, 5 * DAY_H),
          runId: '50000000-0000-4000-8000-000000000001',
          job: ['etl', 'score'],
          inputs: [file('transactions.csv')],
        }),
        runEvent({ type: 'COMPLETE', time: old, runId: '50000000-0000-4000-8000-000000000002', job: ['etl', 'load'], outputs: [file('deleted.csv')] }),
      ]),
    );
    const { record } = await run(dir, {
      sources: [{ path: 'events.ndjson' }],
      retention: [
        { location: 'raw/pii', days: 90 },
        { location: 'raw/gone', days: 30 },
      ],
    });
    expect(record.status).toBe('fail');
    expect(record.findings).toEqual([
      {
        code: 'retention-expired-present',
        severity: 'high',
        ref: join(pii, '2025/customers.csv'),
        message: expect.stringMatching(/is older than the 90 days raw\/pii allows and is still stored: modified 2026-05-04.*, named by no lineage event\.$/),
      },
      { code: 'retention-location-missing', severity: 'low', ref: 'raw/gone', message: expect.stringContaining('does not exist') },
    ]);
    expect(record.data.retention).toEqual([
      { location: 'raw/pii', days: 90, objectsChecked: 3, expiredPresent: 1, found: true, error: null },
      { location: 'raw/gone', days: 30, objectsChecked: 0, expiredPresent: 0, found: false, error: null },
    ]);
  });
});

describe('lineage from Marquez (a loopback stand-in of its API)', () => {
  const events = [
    ...trainingRun(NOW, '0190b7a4-58c1-7b3c-9c1e-2f4d5a6b7c8d'),
    runEvent({ type: 'START', time: hoursBefore(NOW, 1), runId: '60000000-0000-4000-8000-000000000001', job: ['other-team', 'etl'], inputs: [TRANSACTIONS] }),
    runEvent({
      type: 'COMPLETE',
      time: hoursBefore(NOW, 1),
      runId: '60000000-0000-4000-8000-000000000002',
      job: ['ml-training', 'eval'],
      inputs: [FRAUD_MODEL],
    }),
    { ...runEvent({ type: 'START', time: NOW, runId: 'x', job: ['ml-training', 'broken'] }) },
  ];

  it('pages through /api/v1/events/lineage oldest first, keeps one namespace, and sends the API key', async () => {
    const marquez = await startMarquezStandIn(events, { requireToken: 'marquez-test-key' });
    try {
      const dir = await tempDir();
      const { record } = await run(dir, {
        sources: [{ marquez: { url: `${marquez.url}/`, namespace: 'ml-training', apiKey: 'marquez-test-key', pageSize: 2 } }],
        models: { deployed: ['fraud-detector'] },
      });
      expect(marquez.requests.map((r) => [r.path, r.query.get('sortDirection'), r.query.get('offset'), r.query.get('limit')])).toEqual([
        ['/api/v1/events/lineage', 'asc', '0', '2'],
        ['/api/v1/events/lineage', 'asc', '2', '2'],
        ['/api/v1/events/lineage', 'asc', '4', '2'],
      ]);
      expect(record.data).toMatchObject({
        events: { folded: 3, invalid: 1 },
        invalidExamples: [{ at: `${marquez.url}/api/v1/events/lineage`, line: 5, reason: 'run.runId: not a UUID' }],
        runs: { total: 2, completed: 2 },
        sources: [
          { source: marquez.url, kind: 'marquez', events: 3, invalid: 1, error: null },
          { source: join(dir, '.lineage-spool/lineage'), kind: 'spool', events: 0, invalid: 0, error: null },
        ],
      });
      expect(JSON.stringify(record)).not.toContain('marquez-test-key');
    } finally {
      await marquez.close();
    }
  });

  it('reports a Marquez that fails part way, keeping what it gave before', async () => {
    const marquez = await startMarquezStandIn(events, { failAtOffset: 2 });
    try {
      const dir = await tempDir();
      const { record } = await run(dir, { sources: [{ marquez: { url: `http://user:secret@${marquez.url.slice(7)}`, pageSize: 2 } }] });
      expect(record.findings).toEqual([
        {
          code: 'source-unreadable',
          severity: 'high',
          ref: marquez.url,
          message: expect.stringMatching(/^Marquez at .* answered 500 at offset 2; check the server \(events read from it before that: 2\)/),
        },
      ]);
      expect(JSON.stringify(record)).not.toContain('secret');
    } finally {
      await marquez.close();
    }
  });
});

describe('the spool, in a snapshot', () => {
  it('folds what the receiver spooled, leaves out an append still in progress, and cites a line a crash cut short', async () => {
    const dir = await tempDir();
    const spoolDir = join(dir, '.lineage-spool/lineage');
    const [start, complete] = trainingRun(NOW);
    const spool = await SpoolWriter.open(spoolDir, clock);
    await spool.append(JSON.stringify(start));
    await spool.close();
    const file = join(spoolDir, 'events-2026-11-20.ndjson');
    // A crash in the middle of an append: no newline yet.
    await writeFile(file, JSON.stringify(complete).slice(0, 50), { flag: 'a' });
    const before = await run(dir, {});
    expect(before.record.data).toMatchObject({ events: { folded: 1, invalid: 0 } });

    // The next append ends the cut line first, so it stays one invalid line and the new event is whole.
    const again = await SpoolWriter.open(spoolDir, clock);
    await again.append(JSON.stringify(complete));
    await again.close();
    const after = await run(dir, {});
    expect(after.record.data).toMatchObject({
      events: { folded: 2, invalid: 1 },
      invalidExamples: [{ at: file, line: 2, reason: expect.stringMatching(/^not valid JSON/) }],
      sources: [{ source: spoolDir, kind: 'spool', events: 2, invalid: 1, error: null }],
    });
  });
});
