import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCollectors } from '../src/collector/runner.js';
import { canonicalize } from '../src/record/canonical-json.js';
import { recordHash } from '../src/record/hash.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance, steppingClock } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const KEY = (seq: number, day = '2026-03-01') => `records/test-agent/c/${day}/${String(seq).padStart(12, '0')}.json`;

/** Five records in one stream, written by three separate runs (three store instances), as across restarts. */
async function storeWithChain(): Promise<FileStore> {
  const root = await tempDir();
  const clock = steppingClock();
  let n = 0;
  const counter = collectorOf('counter', async function* () {
    yield draft(n++);
    yield draft(n++);
  });
  for (let run = 0; run < 3; run++) {
    const store = new FileStore(root);
    await runCollectors([instance('c', counter)], environment(store, { clock }));
    await store.close();
  }
  return new FileStore(root);
}

async function rewrite(store: FileStore, key: string, edit: (text: string) => string): Promise<void> {
  const path = join(store.root, key);
  const text = await readFile(path, 'utf8');
  await chmod(path, 0o644);
  await writeFile(path, edit(text));
}

describe('chains across restarts', () => {
  it('continues each stream where the store left it', async () => {
    const store = await storeWithChain();
    const report = await verifyStore(store);
    expect(report.ok).toBe(true);
    expect(report.streams).toEqual([expect.objectContaining({ stream: 'test-agent/c', records: 6, firstSeq: 0, lastSeq: 5 })]);
    const r3 = JSON.parse(await readFile(join(store.root, KEY(3)), 'utf8')) as { prev: string };
    const r2 = JSON.parse(await readFile(join(store.root, KEY(2)), 'utf8')) as { hash: string };
    expect(r3.prev).toBe(r2.hash);
  });
});

describe('verify', () => {
  let store: FileStore;
  beforeEach(async () => {
    store = await storeWithChain();
  });

  it('names the record whose data was changed by one character', async () => {
    await rewrite(store, KEY(2), (t) => t.replace('"n":2', '"n":7'));
    const report = await verifyStore(store);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'hash-mismatch', key: KEY(2), seq: 2 })]);
  });

  it('reports the gap left by a record removed from the middle', async () => {
    await rm(join(store.root, KEY(3)));
    const report = await verifyStore(store);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'seq-gap', key: KEY(4), message: expect.stringMatching(/records 3 of test-agent\/c are missing/) }),
    ]);
  });

  it('reports a missing start of a chain', async () => {
    await rm(join(store.root, KEY(0)));
    await rm(join(store.root, KEY(1)));
    expect((await verifyStore(store)).problems).toEqual([expect.objectContaining({ kind: 'seq-gap', message: expect.stringMatching(/records 0 to 1/) })]);
  });

  it('catches a record rewritten with a recomputed hash through the next link', async () => {
    await rewrite(store, KEY(2), (t) => {
      const r = JSON.parse(t) as Record<string, unknown> & { data: { n: number } };
      r.data.n = 99;
      r.hash = recordHash(r as never);
      return `${canonicalize(r)}\n`;
    });
    const report = await verifyStore(store);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'prev-mismatch', key: KEY(3) })]);
  });

  it('reports a fork: two records at one position', async () => {
    await mkdir(join(store.root, 'records/test-agent/c/2026-03-02'));
    await cp(join(store.root, KEY(4)), join(store.root, KEY(4, '2026-03-02')));
    const kinds = (await verifyStore(store)).problems.map((p) => p.kind);
    expect(kinds).toContain('fork');
    expect(kinds).toContain('key-mismatch');
  });

  it('reports truncated JSON and schema violations with the key', async () => {
    await rewrite(store, KEY(1), (t) => t.slice(0, 40));
    await rewrite(store, KEY(4), (t) => {
      const r = JSON.parse(t) as Record<string, unknown>;
      r.status = 'great';
      r.hash = recordHash(r as never);
      return JSON.stringify(r);
    });
    const problems = (await verifyStore(store)).problems;
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'unreadable', key: KEY(1), message: expect.stringMatching(/not valid JSON/) }));
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'schema', key: KEY(4), message: expect.stringMatching(/status/) }));
  });

  it('reports stray objects under records/', async () => {
    await writeFile(join(store.root, 'records/test-agent/c/notes.txt'), 'hello');
    expect((await verifyStore(store)).problems).toEqual([expect.objectContaining({ kind: 'stray-object', key: 'records/test-agent/c/notes.txt' })]);
  });

  it('reports missing and altered attachments', async () => {
    const root = await tempDir();
    const s = new FileStore(root);
    const withBlobs = collectorOf('blobs', async function* (ctx) {
      const a = await ctx.attach({ name: 'a.txt', mediaType: 'text/plain', body: 'alpha' });
      const b = await ctx.attach({ name: 'b.txt', mediaType: 'text/plain', body: 'beta' });
      yield draft(1, { attachments: [a, b] });
    });
    const out: string[] = [];
    await runCollectors([instance('b', withBlobs)], environment(s, { onRecord: (r) => out.push(...r.attachments.map((a) => a.key)) }));
    await rm(join(root, out[0]!));
    await chmod(join(root, out[1]!), 0o644);
    await writeFile(join(root, out[1]!), 'BETA');
    const problems = (await verifyStore(s)).problems;
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'attachment-missing', key: out[0] }));
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'attachment-mismatch', key: out[1] }));
  });

  it('limits the report to a time window but still checks the link into it', async () => {
    // The stepping clock gives records 0..5 the times 12:00:01..12:00:06 on 2026-03-01.
    const window = { from: new Date('2026-03-01T12:00:03.000Z'), to: new Date('2026-03-01T12:00:05.000Z') };
    const clean = await verifyStore(store, window);
    expect(clean.ok).toBe(true);
    expect(clean.streams[0]).toMatchObject({ records: 3, firstSeq: 2, lastSeq: 4 });
    await rewrite(store, KEY(1), (t) => t.replace('"n":1', '"n":8'));
    expect((await verifyStore(store, window)).problems).toEqual([expect.objectContaining({ kind: 'hash-mismatch', key: KEY(1) })]);
  });
});

describe('verify: payload schemas named by records', () => {
  async function schemaBlob(store: FileStore): Promise<string> {
    const record = JSON.parse(await readFile(join(store.root, KEY(0)), 'utf8')) as { collector: { payloadSchema: string } };
    return join(store.root, 'blobs/sha256', record.collector.payloadSchema.slice('sha256:'.length));
  }

  it('reports a schema missing from the store, once per record that names it', async () => {
    const store = await storeWithChain();
    await rm(await schemaBlob(store));
    const report = await verifyStore(store);
    expect(report.problems).toHaveLength(6);
    expect(report.problems.every((p) => p.kind === 'payload-schema' && /payload schema sha256:[0-9a-f]{64} is missing from the store/.test(p.message))).toBe(
      true,
    );
  });

  it('reports a schema blob that does not hash to its name (loosened to accept anything)', async () => {
    const store = await storeWithChain();
    const blob = await schemaBlob(store);
    await chmod(blob, 0o644);
    await writeFile(blob, '{}');
    const report = await verifyStore(store);
    expect(report.problems[0]).toMatchObject({ kind: 'payload-schema', message: expect.stringMatching(/does not hash to its name/) });
  });

  it('reports a record that stops naming its schema after earlier ones did, even with its hash recomputed', async () => {
    const store = await storeWithChain();
    const file = join(store.root, KEY(5));
    const record = JSON.parse(await readFile(file, 'utf8')) as { collector: { payloadSchema?: string }; hash: string };
    delete record.collector.payloadSchema;
    record.hash = recordHash(record as never);
    await chmod(file, 0o644);
    await writeFile(file, `${canonicalize(record)}\n`);
    const report = await verifyStore(store);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'payload-schema', seq: 5, message: expect.stringMatching(/names no payload schema, although record 0 .* did/) }),
    ]);
  });
});
