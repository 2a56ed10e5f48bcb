import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Population, type PopulationHeader, type PopulationQuery, type PopulationRow } from '../src/audit/population.js';
import { writePopulationFile } from '../src/audit/population-file.js';
import { FileStore } from '../src/store/file-store.js';
import { AUDIT_CONTROL, writeAuditStore } from './helpers/audit-store.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const WINDOW = { from: new Date('2026-03-01T00:00:00.000Z'), to: new Date('2026-03-04T23:59:59.999Z') };

function query(store: FileStore, unit: 'record' | 'item'): PopulationQuery {
  const window = { from: WINDOW.from.toISOString(), to: WINDOW.to.toISOString() };
  return { store: store.url, ...window, framework: 'soc2', control: AUDIT_CONTROL, soc2Controls: [AUDIT_CONTROL], unit };
}

async function jsonl(path: string): Promise<{ header: PopulationHeader; rows: PopulationRow[] }> {
  const [first, ...rest] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  return { header: (JSON.parse(first!) as { population: PopulationHeader }).population, rows: rest.map((l) => JSON.parse(l) as PopulationRow) };
}

describe('population', () => {
  it("lists every record of the control in the window, headed by the query, the row count and each stream's heads", async () => {
    const dir = await tempDir();
    const store = new FileStore(join(dir, 'store'));
    await writeAuditStore(store, 12);
    const out = join(dir, 'population.jsonl');
    await writePopulationFile(new Population(store, WINDOW, query(store, 'record')), out, 'jsonl');
    const { header, rows } = await jsonl(out);
    // Runs at 08:00, 16:00 and 24:00 for four days, less the last one (2026-03-05T00:00), in two streams of the control.
    expect(header.rows).toBe(22);
    expect(rows).toHaveLength(22);
    expect(new Set(rows.map((r) => r.stream))).toEqual(new Set(['test-agent/commits', 'test-agent/check']));
    expect(Object.keys(header.heads)).toEqual(['test-agent/check', 'test-agent/commits']);
    const commits = header.heads['test-agent/commits']!;
    expect(commits.first.seq).toBe(0);
    expect(commits.last.seq).toBe(10);
    expect(commits.last.key).toBe('records/test-agent/commits/2026-03-04/000000000010.json');
    expect(rows.find((r) => r.key === commits.last.key)?.hash).toBe(commits.last.hash);
    // The newest checkpoint (after the 12th run) covers the last record of the window.
    expect(commits.checkpoint).toMatchObject({ key: 'checkpoints/test-agent/000000000011.json', seq: 11 });
    expect(commits.checkpoint!.payloadSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(header.query).toEqual(query(store, 'record'));
  });

  it('lists the items of each record, inline and from a commits.jsonl attachment, as <record hash>#<id>', async () => {
    const dir = await tempDir();
    const store = new FileStore(join(dir, 'store'));
    await writeAuditStore(store, 4);
    const out = join(dir, 'items.jsonl');
    await writePopulationFile(new Population(store, WINDOW, query(store, 'item')), out, 'jsonl');
    const { header, rows } = await jsonl(out);
    expect(header.rows).toBe(12);
    expect(rows.map((r) => r.itemId!.split('#')[1])).toEqual(['c0-0', 'c0-1', 'c0-2', 'c1-0', 'c1-1', 'c1-2', 'c2-0', 'c2-1', 'c2-2', 'c3-0', 'c3-1', 'c3-2']);
    for (const r of rows) expect(r.itemId!.startsWith(`${r.hash}#`)).toBe(true);
    expect(rows.filter((r) => r.attachment === 'commits.jsonl')).toHaveLength(6);
  });

  it('refuses items from an attachment whose bytes are not the ones the record names', async () => {
    const dir = await tempDir();
    const root = join(dir, 'store');
    const store = new FileStore(root);
    await writeAuditStore(store, 2);
    const rows: string[] = [];
    for await (const { row } of new Population(store, WINDOW, query(store, 'item')).entries()) if (row.attachment) rows.push(row.itemId!);
    const record = JSON.parse(await readFile(join(root, 'records/test-agent/commits/2026-03-01/000000000001.json'), 'utf8')) as {
      attachments: { key: string }[];
    };
    const blob = join(root, record.attachments[0]!.key);
    const { chmod } = await import('node:fs/promises');
    await chmod(blob, 0o644);
    await writeFile(blob, '{"id":"forged"}\n');
    const entries = async () => {
      for await (const _ of new Population(store, WINDOW, query(store, 'item')).entries());
    };
    await expect(entries()).rejects.toThrow(/does not hash to/);
    expect(rows).toHaveLength(3);
  });

  it('reads attachments ahead yet gives items in order, and reports a removed one at its own record, after the items before it', async () => {
    const dir = await tempDir();
    const root = join(dir, 'store');
    const store = new FileStore(root);
    await writeAuditStore(store, 12);
    const all: string[] = [];
    for await (const { row } of new Population(store, WINDOW, query(store, 'item')).entries()) all.push(row.itemId!);
    const key = 'records/test-agent/commits/2026-03-03/000000000007.json';
    const record = JSON.parse(await readFile(join(root, key), 'utf8')) as { hash: string; attachments: { key: string }[] };
    await rm(join(root, record.attachments[0]!.key));
    const before: string[] = [];
    const entries = async () => {
      for await (const { row } of new Population(store, WINDOW, query(store, 'item')).entries()) before.push(row.itemId!);
    };
    await expect(entries()).rejects.toThrow(new RegExp(`attachment commits\\.jsonl of ${key}\\) is missing from the store`));
    expect(before).toEqual(
      all.slice(
        0,
        all.findIndex((id) => id.startsWith(`${record.hash}#`)),
      ),
    );
    expect(before.length).toBeGreaterThan(0);
  });

  it('writes CSV with the header as a "# " line, as a real process', async () => {
    const dir = await tempDir();
    await writeAuditStore(new FileStore(join(dir, 'store')), 4);
    const out = join(dir, 'population.csv');
    const args = ['population', '--store', `file:${join(dir, 'store')}`, '--from', '2026-03-01', '--to', '2026-03-04', '--control', AUDIT_CONTROL];
    const result = await runCli([...args, '--out', out], { env: { LOG_LEVEL: 'warn' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/8 records of control CC8\.1 in 2 streams/);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines[0]!.startsWith('# {"population":')).toBe(true);
    const header = (JSON.parse(lines[0]!.slice(2)) as { population: PopulationHeader }).population;
    expect(header.rows).toBe(8);
    expect(lines[1]).toBe('key,hash,stream,seq,observedAt,status,subjectKind,subjectId,controls,frameworkControls');
    expect(lines.slice(2)).toHaveLength(8);
    expect(lines[2]).toMatch(
      /^records\/test-agent\/check\/2026-03-01\/000000000000\.json,sha256:[0-9a-f]{64},test-agent\/check,0,2026-03-01T08:00:00\.000Z,pass,check,test-check,CC8\.1,CC8\.1$/,
    );
    // An existing output is never replaced.
    const again = await runCli([...args, '--out', out], { env: { LOG_LEVEL: 'warn' } });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    const items = await runCli([...args, '--unit', 'item', '--out', join(dir, 'items.csv')], { env: { LOG_LEVEL: 'warn' } });
    expect(items.code).toBe(0);
    expect((await readFile(join(dir, 'items.csv'), 'utf8')).split('\n')[1]).toBe(
      'itemId,key,hash,stream,seq,observedAt,status,subjectKind,subjectId,controls,frameworkControls,attachment',
    );
  });
});

const WRITER = fileURLToPath(new URL('./interop/write_store.py', import.meta.url));

describe.skipIf(!existsSync(WRITER))('population of a store written by the independent Python writer', () => {
  it('holds every item of every record of the control, as the writer lists them', async () => {
    const root = await tempDir();
    const { stdout } = await promisify(execFile)('python3', [WRITER, root, '--demo']);
    const written = JSON.parse(stdout) as { streams: Record<string, { key: string; items: string[] }[]> };
    const expected: string[] = [];
    for (const records of Object.values(written.streams)) {
      for (const r of records) {
        const { controls } = JSON.parse(await readFile(join(root, r.key), 'utf8')) as { controls: string[] };
        if (controls.includes(AUDIT_CONTROL)) expected.push(...r.items);
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    const store = new FileStore(root);
    const window = { from: new Date('2000-01-01T00:00:00.000Z'), to: new Date('2100-12-31T23:59:59.999Z') };
    const q: PopulationQuery = {
      store: store.url,
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      framework: 'soc2',
      control: AUDIT_CONTROL,
      soc2Controls: [AUDIT_CONTROL],
      unit: 'item',
    };
    const ids: string[] = [];
    for await (const { row } of new Population(store, window, q).entries()) ids.push(row.itemId!);
    expect(ids.sort()).toEqual(expected.sort());
  });
});
