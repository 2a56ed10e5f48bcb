import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import evidenceStore from '../collectors/evidence-store/index.js';
import policyDocuments from '../collectors/policy-documents/index.js';
import { DEFAULT_REQUIRED } from '../collectors/policy-documents/schema.js';
import { recordBytes } from '../src/chain/stream-writer.js';
import type { Collector } from '../src/collector/contract.js';
import type { CollectorInstance } from '../src/collector/runner.js';
import { runCollectors } from '../src/collector/runner.js';
import { canonicalize } from '../src/record/canonical-json.js';
import { recordHash, sha256Hex } from '../src/record/hash.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';
import { collectorOf, draft, environment, instance, policyConfig, steppingClock } from './helpers/fixtures.js';
import { filesUnder, tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const VERIFIER = new URL('./interop/verify_store.py', import.meta.url).pathname;
const python = await run('python3', ['--version']).then(
  () => true,
  () => false,
);

const jsonschema =
  python &&
  (await run('python3', ['-c', 'import jsonschema']).then(
    () => true,
    () => false,
  ));

async function pyVerify(root: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('python3', [VERIFIER, root], { env: { ...process.env, ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

/** `PROBLEM <kind> <key> <message>` lines of the Python verifier's output. */
function pyProblems(out: string): { kind: string; key: string; message: string }[] {
  return [...out.matchAll(/^PROBLEM (\S+) (\S+) (.*)$/gm)].map(([, kind, key, message]) => ({ kind: kind!, key: key!, message: message! }));
}

/** The `data.<path>` each payload problem names, `key data.path`, from either verifier. */
function dataPaths(problems: { kind: string; key: string; message: string }[]): string[] {
  return problems
    .filter((p) => p.kind === 'payload-schema' && /^data[.[:]/.test(p.message))
    .map((p) => `${p.key} ${p.message.slice(0, p.message.indexOf(':'))}`)
    .sort();
}

async function readRecord(root: string, key: string): Promise<EvidenceRecord> {
  return JSON.parse(await readFile(join(root, key), 'utf8')) as EvidenceRecord;
}

/** Record keys of one stream in chain order (every test store is written within one day). */
async function streamKeys(root: string, stream: string): Promise<string[]> {
  return (await filesUnder(join(root, 'records', stream))).map((f) => `records/${stream}/${f}`).sort((a, b) => (a.slice(-17) < b.slice(-17) ? -1 : 1));
}

/**
 * What a forger with the agent's own code can do: change a record, recompute
 * its hash and re-link every later record of its stream, so hashes and links
 * all check out and only the payload schema can tell.
 */
async function forge(root: string, key: string, edit: (record: EvidenceRecord) => void): Promise<void> {
  const stream = key.split('/').slice(1, 3).join('/');
  const keys = await streamKeys(root, stream);
  let prev: string | undefined;
  for (const k of keys.slice(keys.indexOf(key))) {
    const record = await readRecord(root, k);
    if (k === key) edit(record);
    else record.prev = prev!;
    record.hash = recordHash(record);
    prev = record.hash;
    await chmod(join(root, k), 0o644);
    await writeFile(join(root, k), recordBytes(record));
  }
}

/** Stores a schema as the agent does (RFC 8785 bytes under their SHA-256); returns its `sha256:<hex>` name. */
async function putSchema(root: string, schema: object): Promise<string> {
  const bytes = canonicalize(schema);
  const hex = sha256Hex(bytes);
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(root, 'blobs', 'sha256', hex), bytes);
  return `sha256:${hex}`;
}

function blobPath(root: string, ref: string): string {
  return join(root, 'blobs', 'sha256', ref.slice('sha256:'.length));
}

/** A payload schema that leaves nothing open: closed objects, bounds, an enum, a format, a pattern. */
const STRICT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['n', 'level', 'checkedAt', 'files'],
  properties: {
    n: { type: 'integer', minimum: 0, maximum: 10 },
    level: { enum: ['low', 'high'] },
    checkedAt: { type: 'string', format: 'date-time' },
    files: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sha256'],
        properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }, '10': { type: 'string' } },
      },
    },
  },
};

const strict: Collector = {
  ...collectorOf('strict', async function* () {
    for (let i = 0; i < 3; i++) {
      const data = { n: i, level: i ? 'high' : 'low', checkedAt: `2026-03-01T12:00:0${i}.000Z`, files: [{ sha256: 'a'.repeat(64), '10': 'ten' }] };
      yield draft(i, { data });
    }
  }),
  payloadSchema: STRICT_SCHEMA,
};

/** Yields one record, then fails: the agent writes its own `error` record under the agent-notice schema. */
const broken = collectorOf('broken', async function* () {
  yield draft(0);
  throw new Error('upstream said no');
});

/**
 * A store written by the real runner: a collector with a strict payload
 * schema, one that fails after a record, and two built-in collectors
 * (TypeBox schemas, one with `Type.Record`).
 */
async function schemaStore(): Promise<{ root: string; store: FileStore }> {
  const dir = await tempDir();
  await policyConfig(dir);
  const root = join(dir, 'evidence');
  const store = new FileStore(root);
  const policies: CollectorInstance = {
    id: 'policies',
    collector: policyDocuments as Collector,
    options: { paths: ['policies/*.md'], required: DEFAULT_REQUIRED },
    controls: policyDocuments.controls,
    timeoutMs: 5000,
    drillsAllowed: false,
  };
  const own: CollectorInstance = {
    id: 'store',
    collector: evidenceStore as Collector,
    options: {},
    controls: evidenceStore.controls,
    timeoutMs: 5000,
    drillsAllowed: false,
  };
  await runCollectors([instance('strict', strict), instance('broken', broken), policies, own], environment(store, { configDir: dir }));
  return { root, store };
}

const STRICT_KEY = (seq: number) => `records/test-agent/strict/2026-03-01/${String(seq).padStart(12, '0')}.json`;

describe.skipIf(!python)('independent Python verifier written from evidence-schema/README.md (skipped without python3)', () => {
  it('re-computes every hash and link of a store this agent wrote, and catches tampering', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    const tricky = collectorOf('tricky', async function* (ctx) {
      const log = await ctx.attach({ name: 'log.txt', mediaType: 'text/plain', body: 'Ünïcödé 😀\n' });
      for (let i = 0; i < 3; i++) {
        yield draft(i, { data: { '10': 'ten', '9': 'nine', text: 'é\n\t\u0001"\\ 😀', n: 1.5, big: 1e21, neg: -0 }, attachments: [log] });
      }
    });
    await runCollectors([instance('a', tricky), instance('b', tricky)], environment(store));
    // The second run's clock goes on from the first's (a fresh one would read earlier, a step back with its notice).
    await runCollectors([instance('a', tricky)], environment(store, { clock: steppingClock(Date.parse('2026-03-01T12:01:00.000Z')) }));

    const clean = await pyVerify(root);
    expect(clean.out).toMatch(/interop-verify: 9 records, 2 streams, 0 problems/);
    expect(clean.code).toBe(0);

    const key = 'records/test-agent/a/2026-03-01/000000000004.json';
    await chmod(join(root, key), 0o644);
    await writeFile(join(root, key), (await readFile(join(root, key), 'utf8')).replace('"ten"', '"tan"'));
    const tampered = await pyVerify(root);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(new RegExp(`PROBLEM hash ${key}`));
  });
});

describe.skipIf(!jsonschema)('payload schemas, re-checked by the Python verifier (skipped without python3 and its jsonschema package)', () => {
  it('finds nothing wrong in a store whose records name strict payload schemas, and agrees with evidence-agent verify', async () => {
    const { root, store } = await schemaStore();
    const refs = new Set<string>();
    for (const key of await filesUnder(join(root, 'records'))) {
      const record = await readRecord(root, `records/${key}`);
      expect(record.collector.payloadSchema).toMatch(/^sha256:[0-9a-f]{64}$/);
      refs.add(record.collector.payloadSchema!);
    }
    // strict, collectorOf's { type: 'object' }, the agent-notice schema, policy-documents, evidence-store.
    expect(refs.size).toBe(5);
    const notice = await readRecord(root, 'records/test-agent/broken/2026-03-01/000000000001.json');
    expect(notice.status).toBe('error');
    expect(notice.collector.payloadSchema).toBe(
      `sha256:${sha256Hex(canonicalize(JSON.parse(await readFile(new URL('../evidence-schema/v1/agent-notice.schema.json', import.meta.url), 'utf8')) as object))}`,
    );

    const py = await pyVerify(root);
    expect(py.out).toMatch(/interop-verify: 7 records, 4 streams, 0 problems/);
    expect(py.out).not.toMatch(/NOT CHECKED/);
    expect(py.code).toBe(0);
    expect((await verifyStore(store)).problems).toEqual([]);
  });

  it('catches data changed against its schema even with hashes recomputed and the chain re-linked, at the same data paths as evidence-agent verify', async () => {
    const { root, store } = await schemaStore();
    await forge(root, STRICT_KEY(1), (r) => {
      r.data = { ...r.data, n: 42, files: [{ sha256: 'A'.repeat(64), '10': 'ten', extra: true }] };
    });
    const noticeKey = 'records/test-agent/broken/2026-03-01/000000000001.json';
    await forge(root, noticeKey, (r) => {
      (r.data as { recordsBeforeFailure: number }).recordsBeforeFailure = -1;
    });

    const py = await pyVerify(root);
    expect(py.code).toBe(1);
    const problems = pyProblems(py.out);
    // The forgery is invisible to hashes and links: the payload schema is the only witness.
    expect(problems.filter((p) => p.kind !== 'payload-schema')).toEqual([]);
    expect(dataPaths(problems)).toEqual([
      `${noticeKey} data`,
      `${STRICT_KEY(1)} data.files[0].extra`,
      `${STRICT_KEY(1)} data.files[0].sha256`,
      `${STRICT_KEY(1)} data.n`,
    ]);
    expect(py.out).toContain(`PROBLEM payload-schema ${STRICT_KEY(1)} data.files[0].extra: unknown key`);
    expect(py.out).toMatch(new RegExp(`PROBLEM payload-schema ${STRICT_KEY(1)} data\\.n: 42 is greater than the maximum of 10`));
    expect(py.out).toContain(
      `PROBLEM payload-schema ${noticeKey} data: matches none of the 4 alternatives of its oneOf; nearest, #1: data.recordsBeforeFailure: -1 is less than the minimum of 0`,
    );

    const ts = (await verifyStore(store)).problems;
    expect(ts.filter((p) => p.kind !== 'payload-schema')).toEqual([]);
    // ajv says more about a failed oneOf (each branch); both name the record and the place in data.
    expect(dataPaths(ts).filter((p) => p.startsWith(STRICT_KEY(1)))).toEqual(dataPaths(problems).filter((p) => p.startsWith(STRICT_KEY(1))));
    expect(ts.some((p) => p.key === noticeKey && p.kind === 'payload-schema')).toBe(true);
  });

  it('reports a schema blob that is missing, altered, or not a usable schema, at every record that names it', async () => {
    const { root, store } = await schemaStore();
    const strictRef = (await readRecord(root, STRICT_KEY(0))).collector.payloadSchema!;
    await unlink(blobPath(root, strictRef));
    const noticeKey = 'records/test-agent/broken/2026-03-01/000000000001.json';
    const noticeRef = (await readRecord(root, noticeKey)).collector.payloadSchema!;
    // A laxer schema written over the real one: the data would pass it, its name no longer fits.
    await chmod(blobPath(root, noticeRef), 0o644);
    await writeFile(blobPath(root, noticeRef), canonicalize({ $schema: 'https://json-schema.org/draft/2020-12/schema' }));
    // A record re-pointed (and re-hashed) at a blob that is well named but no schema.
    const nonsense = await putSchema(root, { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'nonsense' });
    const policiesKey = 'records/test-agent/policies/2026-03-01/000000000000.json';
    await forge(root, policiesKey, (r) => {
      r.collector.payloadSchema = nonsense;
    });

    const py = await pyVerify(root);
    expect(py.code).toBe(1);
    const problems = pyProblems(py.out);
    expect(problems.filter((p) => p.kind !== 'payload-schema')).toEqual([]);
    const blob = (ref: string) => `blobs/sha256/${ref.slice(7)}`;
    expect(problems).toEqual(
      expect.arrayContaining([
        ...[0, 1, 2].map((seq) => ({
          kind: 'payload-schema',
          key: STRICT_KEY(seq),
          message: `payload schema ${strictRef} is missing from the store (${blob(strictRef)}), so data cannot be checked`,
        })),
        { kind: 'payload-schema', key: noticeKey, message: expect.stringMatching(new RegExp(`^payload schema ${blob(noticeRef)} does not hash to its name`)) },
        { kind: 'payload-schema', key: policiesKey, message: expect.stringMatching(new RegExp(`^payload schema ${nonsense} is not a usable JSON Schema`)) },
      ]),
    );
    expect(problems).toHaveLength(5);

    const ts = (await verifyStore(store)).problems;
    expect(ts.map((p) => `${p.kind} ${p.key}`).sort()).toEqual(problems.map((p) => `${p.kind} ${p.key}`).sort());
  });

  it('checks records that name no payload schema (written before schemas were named) against the record schema only', async () => {
    const { root, store } = await schemaStore();
    // A whole stream as an older agent wrote it: no collector.payloadSchema, data no schema would accept.
    await forge(root, STRICT_KEY(0), (r) => {
      delete r.collector.payloadSchema;
      r.data = { anything: 'goes' };
    });
    for (const seq of [1, 2]) {
      await forge(root, STRICT_KEY(seq), (r) => {
        delete r.collector.payloadSchema;
      });
    }
    const py = await pyVerify(root);
    expect(py.out).toMatch(/interop-verify: 7 records, 4 streams, 0 problems/);
    expect(py.code).toBe(0);
    expect((await verifyStore(store)).problems).toEqual([]);
  });

  it('says NOT CHECKED, and does not exit 0, for a format the writer asserts but jsonschema cannot check', async () => {
    const root = await tempDir();
    const isoTime: Collector = {
      ...collectorOf('iso', async function* () {
        yield draft(0, { data: { at: '2026-03-01 12:00:00' } });
      }),
      // An ajv-formats format (date-time without a time zone) that jsonschema has no checker for.
      payloadSchema: { type: 'object', properties: { at: { type: 'string', format: 'iso-date-time' } } },
    };
    await runCollectors([instance('iso', isoTime)], environment(new FileStore(root)));
    const py = await pyVerify(root);
    expect(py.out).toMatch(/^NOT CHECKED format iso-date-time in payload schema sha256:[0-9a-f]{64}: jsonschema has no checker for it here/m);
    expect(py.out).toMatch(/interop-verify: 1 records, 1 streams, 0 problems/);
    expect(py.code).toBe(3);
  });
});

describe.skipIf(!python)('the Python verifier without jsonschema (skipped without python3)', () => {
  it('says payload data was NOT checked and how to install it, exits 3, and still checks everything else', async () => {
    const { root } = await schemaStore();
    // A jsonschema package that cannot be imported, found before any installed one.
    const shadow = await tempDir();
    await mkdir(join(shadow, 'jsonschema'));
    await writeFile(join(shadow, 'jsonschema', '__init__.py'), 'raise ImportError("hidden by the test")\n');
    const env = { PYTHONPATH: shadow };

    const clean = await pyVerify(root, env);
    expect(clean.out).toMatch(/interop-verify: 7 records, 4 streams, 0 problems/);
    expect(clean.out).toMatch(
      /^NOT CHECKED payload-schema data of 7 records against the payload schema they name: .*jsonschema.*pip install 'jsonschema\[format\]'/m,
    );
    expect(clean.err).toMatch(/WARNING: NOT CHECKED payload-schema/);
    expect(clean.code).toBe(3);

    // Blobs are still checked against their names without jsonschema, and records against their hashes.
    const strictRef = (await readRecord(root, STRICT_KEY(0))).collector.payloadSchema!;
    await unlink(blobPath(root, strictRef));
    await chmod(join(root, STRICT_KEY(2)), 0o644);
    await writeFile(join(root, STRICT_KEY(2)), (await readFile(join(root, STRICT_KEY(2)), 'utf8')).replace('"ten"', '"tan"'));
    const tampered = await pyVerify(root, env);
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain(`PROBLEM hash ${STRICT_KEY(2)}`);
    expect(tampered.out).toContain(`PROBLEM payload-schema ${STRICT_KEY(0)} payload schema ${strictRef} is missing from the store`);
    expect(tampered.out).toMatch(/^NOT CHECKED payload-schema data of 4 records/m);
  });
});

const WRITER = new URL('./interop/write_store.py', import.meta.url).pathname;

interface WrittenRecord {
  key: string;
  seq: number;
  hash: string;
  status: string;
  notice: boolean;
  items: string[];
  range?: { from: string | null; to: string | null };
}

/** Runs the independent writer; its plan from `--demo` or on standard input. */
async function pyWrite(
  root: string,
  plan: object | '--demo',
): Promise<{ code: number; summary: { records: number; streams: Record<string, WrittenRecord[]> } | null; err: string }> {
  return new Promise((resolve) => {
    const child = execFile('python3', [WRITER, root, plan === '--demo' ? plan : '-'], (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code, summary: code === 0 ? JSON.parse(stdout) : null, err: stderr });
    });
    child.stdin!.end(plan === '--demo' ? '' : JSON.stringify(plan));
  });
}

describe.skipIf(!python)('a store written by an independent Python writer from evidence-schema/README.md alone (skipped without python3)', () => {
  it('passes evidence-agent verify and the Python verifier with no problem, and is the same bytes every time', async () => {
    const [root, again] = [await tempDir(), await tempDir()];
    const written = await pyWrite(root, '--demo');
    expect(written.code, written.err).toBe(0);
    expect((await pyWrite(again, '--demo')).code).toBe(0);
    const files = await filesUnder(root);
    expect(files.sort()).toEqual((await filesUnder(again)).sort());
    for (const f of files) expect(await readFile(join(again, f)), f).toEqual(await readFile(join(root, f)));

    const ours = await runCli(['verify', '--store', `file:${root}`, '--json']);
    expect(ours.code, ours.stdout + ours.stderr).toBe(0);
    const report = JSON.parse(ours.stdout) as { records: number; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(written.summary!.records);

    const py = await pyVerify(root);
    expect(py.out).toMatch(new RegExp(`interop-verify: ${written.summary!.records} records, 5 streams, 0 problems`));
    expect(py.code).toBe(jsonschema ? 0 : 3);
  });

  it('writes what the plan asks: cadences on every record, notices under the published schema, items inline and in commits.jsonl, gap days left out', async () => {
    const root = await tempDir();
    const { summary } = await pyWrite(root, '--demo');
    const commits = summary!.streams['indie-a/commits']!;
    const notices = [];
    for (const w of commits) {
      const record = await readRecord(root, w.key);
      expect(record.cadence, w.key).toEqual({ schedule: '0 3 * * *', timezone: 'Europe/Paris' });
      if (w.notice) notices.push(record);
    }
    expect(notices.map((n) => (n.data as { notice?: string }).notice ?? n.status).sort()).toEqual(['error', 'missed-runs', 'run-skipped']);
    for (const n of notices) expect(n.collector.payloadSchema).toBe('sha256:ff17ca4ff94ee8ca5ea1dc558d5678b4943b392947d7c5fa68911ed248f4d9aa');
    const attached = await Promise.all(commits.map(async (w) => (await readRecord(root, w.key)).attachments.map((a) => a.name)));
    expect(attached.flat()).toContain('commits.jsonl');
    expect(commits.filter((w) => w.items.length > 0 && !attached[commits.indexOf(w)]!.length).length).toBeGreaterThan(0);
    expect(commits.every((w) => w.items.every((id) => id.startsWith(`${w.hash}#`)))).toBe(true);
    const days = await readdir(join(root, 'records/indie-a/commits'));
    expect(days.filter((d) => d >= '2026-01-10' && d <= '2026-01-12')).toEqual([]);
    expect((await readRecord(root, summary!.streams['indie-a/models']![0]!.key)).cadence).toEqual({ every: 'weekly' });
    expect((await readRecord(root, summary!.streams['indie-b/hourly']![0]!.key)).cadence).toBeUndefined();
    const schema = JSON.parse(await readFile(blobPath(root, (await readRecord(root, commits[0]!.key)).collector.payloadSchema!), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(schema['x-evidence-items']).toEqual({ path: '/commits', id: '/id', attachment: 'commits.jsonl' });
    expect(schema['x-evidence-range']).toEqual({ from: '/range/from/commit', to: '/range/to/commit' });
  });

  it('catches a cadence of neither form, re-hashed and re-linked, in both verifiers', async () => {
    const root = await tempDir();
    const { summary } = await pyWrite(root, '--demo');
    const key = summary!.streams['indie-b/drills']![0]!.key;
    await forge(root, key, (r) => {
      r.cadence = { every: 'fortnightly' } as unknown as NonNullable<EvidenceRecord['cadence']>;
    });
    const py = await pyVerify(root);
    expect(pyProblems(py.out)).toEqual([{ kind: 'schema', key, message: 'cadence is neither {schedule, timezone} nor {every} with a known period' }]);
    const ours = (await verifyStore(new FileStore(root))).problems;
    // ajv reports each branch of the oneOf the cadence fails; both name the record.
    expect([...new Set(ours.map((p) => `${p.kind} ${p.key}`))]).toEqual([`schema ${key}`]);
  });

  it('refuses a plan with an unknown key, naming it', async () => {
    const bad = {
      agents: [{ id: 'a', streams: [{ collector: 'c', kind: 'plain', controls: ['X'], start: '2026-01-01T00:00:00Z', interval: 60, count: 1, gap: [] }] }],
    };
    const r = await pyWrite(await tempDir(), bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/plan\.agents\[0\]\.streams\[0\]: unknown key 'gap'/);
  });
});

describe('the test vector in evidence-schema/README.md', () => {
  it('hashes to the value the README gives', async () => {
    const readme = await readFile(new URL('../evidence-schema/README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## A test vector'));
    const json = /```json\n([\s\S]*?)```/.exec(section)![1]!.replaceAll('\n', '');
    const canonical = /```\n(\{[\s\S]*?)\n```/.exec(section)![1]!;
    const expected = /its hash is `(sha256:[0-9a-f]{64})`/.exec(section)![1];
    const record = JSON.parse(json) as Parameters<typeof recordHash>[0];
    expect(canonicalize(record)).toBe(canonical);
    expect(recordHash(record)).toBe(expected);
  });
});
