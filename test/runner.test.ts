import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCollector, loadCollector } from '../src/collector/registry.js';
import { runCollectors } from '../src/collector/runner.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

describe('runner', () => {
  it('turns a throwing collector into an error record, keeps what it yielded, and lets the others write', async () => {
    const store = new FileStore(await tempDir());
    const records: EvidenceRecord[] = [];
    const thrower = collectorOf('thrower', async function* () {
      yield draft(1);
      throw new Error('upstream API returned 500');
    });
    const good = collectorOf('good', async function* () {
      yield draft(2);
      yield draft(3);
    });
    const outcomes = await runCollectors([instance('bad', thrower), instance('ok', good)], environment(store, { onRecord: (r) => records.push(r) }));
    const bad = records.filter((r) => r.stream === 'test-agent/bad');
    expect(bad.map((r) => r.status)).toEqual(['pass', 'error']);
    expect(bad[1]!.findings[0]).toMatchObject({ code: 'collector-error', message: 'upstream API returned 500' });
    expect(bad[1]!.data).toMatchObject({ recordsBeforeFailure: 1 });
    expect(bad[1]!.subject).toEqual({ kind: 'collector', id: 'bad' });
    expect(records.filter((r) => r.stream === 'test-agent/ok')).toHaveLength(2);
    expect(outcomes.map((o) => o.storeFailure)).toEqual([undefined, undefined]);
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('turns a collector that never finishes into a timeout error record while the others write', async () => {
    const store = new FileStore(await tempDir());
    const records: EvidenceRecord[] = [];
    const hang = collectorOf('hang', async function* () {
      yield draft(1);
      // Ignores its abort signal on purpose: the runner must not wait for it.
      await new Promise(() => undefined);
    });
    const good = collectorOf('good', async function* () {
      yield draft(2);
    });
    await runCollectors([instance('slow', hang, 200), instance('ok', good)], environment(store, { onRecord: (r) => records.push(r) }));
    const slow = records.filter((r) => r.stream === 'test-agent/slow');
    expect(slow.map((r) => r.status)).toEqual(['pass', 'error']);
    expect(slow[1]!.findings[0]!.code).toBe('collector-timeout');
    expect(slow[1]!.summary).toMatch(/timed out after 0.2 s/);
    expect(records.some((r) => r.stream === 'test-agent/ok' && r.status === 'pass')).toBe(true);
  });

  it('aborts the context signal on timeout so a cooperative collector can stop', async () => {
    const store = new FileStore(await tempDir());
    let sawAbort = false;
    const coop = collectorOf('coop', async function* (ctx) {
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      sawAbort = ctx.signal.aborted;
      yield draft(1);
    });
    await runCollectors([instance('coop', coop, 100)], environment(store));
    expect(sawAbort).toBe(true);
  });

  it('records an invalid draft as an error instead of writing it', async () => {
    const store = new FileStore(await tempDir());
    const records: EvidenceRecord[] = [];
    const sloppy = collectorOf('sloppy', async function* () {
      yield { subject: { kind: 'x', id: 'y' }, status: 'maybe', summary: 'Unsure.' } as never;
    });
    await runCollectors([instance('sloppy', sloppy)], environment(store, { onRecord: (r) => records.push(r) }));
    expect(records).toHaveLength(1);
    expect(records[0]!.status).toBe('error');
    expect(records[0]!.findings[0]!.message).toMatch(/status: must be equal to one of the allowed values/);
  });

  it('writes nothing a collector yields against its payload schema, ending the run with an error record naming the field', async () => {
    const store = new FileStore(await tempDir());
    const records: EvidenceRecord[] = [];
    const strict = {
      ...collectorOf('strict', async function* () {
        yield draft(1, { data: { n: 1 } });
        yield draft(2, { data: { n: 'two' } as never });
        yield draft(3, { data: { n: 3 } });
      }),
      payloadSchema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
    };
    await runCollectors([instance('strict', strict)], environment(store, { onRecord: (r) => records.push(r) }));
    expect(records.map((r) => r.status)).toEqual(['pass', 'error']);
    expect(records[1]!.findings[0]!.message).toMatch(/a pass record about thing thing-2 does not match the payload schema: data\.n: must be integer/);
    expect(records[1]!.data).toEqual({ error: { name: 'PayloadSchemaError', message: expect.any(String) }, recordsBeforeFailure: 1 });
    // The agent's record names the agent's notice schema, not the collector's.
    expect(records[1]!.collector.payloadSchema).not.toBe(records[0]!.collector.payloadSchema);
    expect((await verifyStore(store)).problems).toEqual([]);
  });

  it('names, in its own notices, the agent-notice schema whose hash evidence-schema/README.md publishes', async () => {
    const store = new FileStore(await tempDir());
    const records: EvidenceRecord[] = [];
    const failing = collectorOf('failing', async function* () {
      yield* [];
      throw new Error('boom');
    });
    await runCollectors([instance('failing', failing)], environment(store, { onRecord: (r) => records.push(r) }));
    const readme = await readFile(new URL('../evidence-schema/README.md', import.meta.url), 'utf8');
    const published = /`v1\/agent-notice\.schema\.json`, stored the same way\. For version 1 of that file its name is\s+`(sha256:[0-9a-f]{64})`/.exec(
      readme,
    )?.[1];
    expect(published).toBeDefined();
    expect(records[0]!.collector.payloadSchema).toBe(published);
  });

  it("refuses a draft that claims the subject kind reserved for the agent's own records", async () => {
    const store = new FileStore(await tempDir());
    const records: EvidenceRecord[] = [];
    const impostor = collectorOf('impostor', async function* () {
      yield draft(1, { subject: { kind: 'collector', id: 'impostor' }, status: 'info', data: { notice: 'missed-runs' } });
    });
    await runCollectors([instance('impostor', impostor)], environment(store, { onRecord: (r) => records.push(r) }));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'error', subject: { kind: 'collector', id: 'impostor' } });
    expect(records[0]!.findings[0]!.message).toMatch(/subject kind "collector", which is reserved for the agent's own records/);
  });

  it('tells a collector whether it may act on what it observes', async () => {
    const seen: boolean[] = [];
    const probe = collectorOf('probe', async function* (ctx) {
      seen.push(ctx.drillsAllowed);
      yield* [];
    });
    const store = new FileStore(await tempDir());
    await runCollectors([instance('quiet', probe), { ...instance('bold', probe), drillsAllowed: true }], environment(store, { concurrency: 1 }));
    expect(seen).toEqual([false, true]);
  });

  it('runs at most `concurrency` collectors at once', async () => {
    const store = new FileStore(await tempDir());
    let running = 0;
    let peak = 0;
    const busy = collectorOf('busy', async function* () {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      yield draft(0);
    });
    await runCollectors(
      Array.from({ length: 6 }, (_, i) => instance(`c${i}`, busy)),
      environment(store, { concurrency: 2 }),
    );
    expect(peak).toBe(2);
  });

  it('gives a collector its previous record and stores attachments by content', async () => {
    const store = new FileStore(await tempDir());
    const seenPrevious: (string | null)[] = [];
    const attaching = collectorOf('attaching', async function* (ctx) {
      seenPrevious.push(ctx.previous?.id ?? null);
      async function* chunks() {
        yield Buffer.from('line 1\n');
        yield Buffer.from('line 2\n');
      }
      const streamed = await ctx.attach({ name: 'detail.jsonl', mediaType: 'application/jsonl', body: chunks() });
      const inline = await ctx.attach({ name: 'note.txt', mediaType: 'text/plain', body: 'line 1\nline 2\n' });
      yield draft(1, { attachments: [streamed, inline] });
    });
    const first: EvidenceRecord[] = [];
    await runCollectors([instance('att', attaching)], environment(store, { onRecord: (r) => first.push(r) }));
    await runCollectors([instance('att', attaching)], environment(store));
    expect(seenPrevious).toEqual([null, first[0]!.id]);
    const [a, b] = first[0]!.attachments;
    expect(a!.sha256).toBe(b!.sha256);
    expect(a).toMatchObject({ size: 14, key: `blobs/sha256/${a!.sha256}` });
    const report = await verifyStore(store);
    expect(report).toMatchObject({ ok: true, attachments: 1 });
  });

  it('keeps time from running backwards along a chain, so a clock stepped back over midnight cannot fork it after a restart', async () => {
    const store = new FileStore(await tempDir());
    const c = instance(
      'c',
      collectorOf('c', async function* () {
        yield draft(1);
      }),
    );
    const at = (iso: string) => ({ now: () => new Date(iso) });
    const written: EvidenceRecord[] = [];
    // Each run opens its writer afresh from the store, as a restarted agent does.
    for (const iso of ['2026-03-02T00:00:05Z', '2026-03-01T23:59:50Z', '2026-03-02T00:00:20Z']) {
      await runCollectors([c], environment(store, { clock: at(iso), onRecord: (r) => written.push(r) }));
    }
    expect(written.map((r) => [r.seq, r.observedAt, (r.data as { notice?: string }).notice ?? null])).toEqual([
      [0, '2026-03-02T00:00:05.000Z', null],
      [1, '2026-03-02T00:00:05.000Z', null],
      // The step back is no longer silent: the stream says by how much (test/observed-time.test.ts).
      [2, '2026-03-02T00:00:05.000Z', 'clock-stepped-back'],
      [3, '2026-03-02T00:00:20.000Z', null],
    ]);
    expect((await verifyStore(store)).ok).toBe(true);
  });
});

describe('registry', () => {
  it('rejects a declaration with what is wrong, naming the source', () => {
    expect(() => checkCollector({ type: 'Bad Type', version: '', controls: 'CC1', optionsSchema: { type: 'nonsense' }, start: 'now' }, 'my.js')).toThrow(
      /my\.js: invalid collector: `type` must be a lowercase kebab-case name; `version` must be a non-empty string; `controls` must be an array of control ids; `optionsSchema` is not a valid JSON Schema.*; `payloadSchema` must be a JSON Schema \(2020-12\) object.*; `collect\(ctx\)` must be a function; `start`, when present, must be a function/,
    );
    expect(() => checkCollector({ ...collectorOf('ok', async function* () {}), payloadSchema: { type: 'nonsense' } }, 'my.js')).toThrow(
      /`payloadSchema` is not a usable JSON Schema/,
    );
  });

  it('loads an external collector from a file path, as an object or a class', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'plain.mjs'),
      `export default { type: 'third-party', version: '2.0.0', controls: ['CC3.1'], optionsSchema: { type: 'object' }, payloadSchema: { type: 'object' }, async *collect() {} };`,
    );
    await writeFile(
      join(dir, 'klass.mjs'),
      `export default class { type = 'klass'; version = '1'; controls = []; optionsSchema = {}; payloadSchema = {}; async *collect() {} }`,
    );
    expect((await loadCollector('./plain.mjs', dir, {})).type).toBe('third-party');
    expect((await loadCollector(join(dir, 'klass.mjs'), '/', {})).type).toBe('klass');
    await expect(loadCollector('./missing.mjs', dir, { 'policy-documents': async () => ({}) })).rejects.toThrow(
      /cannot load collector "\.\/missing\.mjs".*built-in type \(policy-documents\)/,
    );
    await expect(loadCollector('no-such-package-ea', dir, {})).rejects.toThrow(/cannot load collector "no-such-package-ea"/);
  });
});
