import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFramework } from '../src/audit/frameworks.js';
import type { Collector } from '../src/collector/contract.js';
import { runCollectors } from '../src/collector/runner.js';
import { sha256Hex } from '../src/record/hash.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import { runCli } from './helpers/cli.js';
import { preparedDemo } from './helpers/demo.js';
import { environment, instance } from './helpers/fixtures.js';
import { filesUnder, tempDir } from './helpers/tmp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRITER = join(ROOT, 'test/interop/write_store.py');
/** The official OSCAL 1.0.6 schema, read where it is (beside the repository), never copied into it. */
const SCHEMA = join(ROOT, '..', 'shared', 'oscal', 'oscal_assessment-results_schema.json');
const HAVE_SCHEMA = existsSync(SCHEMA);
const SCHEMA_CHECK = HAVE_SCHEMA
  ? 'is valid against the official OSCAL 1.0.6 assessment-results JSON Schema'
  : `is valid against the official OSCAL schema: SKIPPED, ${SCHEMA} is absent (put the NIST OSCAL 1.0.6 oscal_assessment-results_schema.json there to run it)`;

// Draft-07, as the OSCAL schema is written; both are CommonJS modules whose exports also carry themselves as `default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

let validator: ((doc: unknown) => string[]) | undefined;

/** The schema's complaints about a document, none when it is valid. */
async function schemaProblems(doc: unknown): Promise<string[]> {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(await readFile(SCHEMA, 'utf8')) as object);
    validator = (d) => (validate(d) ? [] : (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message}`));
  }
  return validator(doc);
}

interface Prop {
  name: string;
  value: string;
}
interface Observation {
  uuid: string;
  title: string;
  description: string;
  props: Prop[];
  methods: string[];
  collected: string;
  'relevant-evidence': { href: string; props: Prop[] }[];
}
interface Finding {
  title: string;
  description: string;
  props: Prop[];
  target: { type: string; 'target-id': string; props?: Prop[]; status: { state: string } };
  'related-observations'?: { 'observation-uuid': string }[];
}
interface Result {
  start: string;
  end: string;
  remarks: string;
  observations?: Observation[];
  findings?: Finding[];
  'reviewed-controls': { 'control-selections': { 'include-controls'?: { 'control-id': string }[] }[] };
}
interface AssessmentResults {
  'assessment-results': {
    metadata: { 'oscal-version': string; 'last-modified': string; parties: { name: string; props: Prop[] }[]; remarks: string };
    'import-ap': { href: string; remarks: string };
    results: Result[];
  };
}

const propOf = (props: Prop[] | undefined, name: string) => props?.find((p) => p.name === name)?.value;

async function exportTo(out: string, store: string, ...args: string[]) {
  const r = await runCli(['--log-level', 'warn', 'export', '--format', 'oscal', '--store', store, '--out', out, ...args]);
  expect(r.code, r.stderr).toBe(0);
  const text = await readFile(out, 'utf8');
  return { text, doc: JSON.parse(text) as AssessmentResults, result: (JSON.parse(text) as AssessmentResults)['assessment-results'].results[0]! };
}

function findingOf(result: Result, control: string): Finding {
  const f = result.findings?.find((x) => x.target['target-id'] === control);
  if (!f) throw new Error(`no finding for ${control}: ${result.findings?.map((x) => x.target['target-id']).join(', ')}`);
  return f;
}

/** Every record file of a store with its key, as a reader outside evidence-agent sees them. */
async function recordsOf(root: string): Promise<{ key: string; record: EvidenceRecord }[]> {
  const keys = (await filesUnder(join(root, 'records'))).sort();
  return Promise.all(keys.map(async (k) => ({ key: `records/${k}`, record: JSON.parse(await readFile(join(root, 'records', k), 'utf8')) as EvidenceRecord })));
}

describe('export --format oscal on the demo store (real snapshot of several collectors)', () => {
  let demo: string;
  let window: string[];

  beforeAll(async () => {
    demo = await mkdtemp(join(tmpdir(), 'ea-export-demo-'));
    await preparedDemo(demo);
    const snap = await runCli(['--log-level', 'warn', 'snapshot', '--config', join(demo, 'config/demo.yaml')]);
    expect(snap.code, snap.stderr).toBe(0);
    // The demo's collectors run every minute: a window of the days around the snapshot keeps the grid small.
    const day = 86_400_000;
    window = ['--from', new Date(Date.now() - day).toISOString().slice(0, 10), '--to', new Date(Date.now() + day).toISOString().slice(0, 10)];
  }, 120_000);

  afterAll(async () => {
    if (demo) await rm(demo, { recursive: true, force: true });
  });

  it(`holds one observation per record, with its key and hash, and ${SCHEMA_CHECK}`, async () => {
    const dir = await tempDir();
    const evidence = join(demo, 'evidence');
    const { doc, result } = await exportTo(join(dir, 'ar.json'), `file:${evidence}`, ...window);
    if (HAVE_SCHEMA) expect(await schemaProblems(doc)).toEqual([]);

    const records = await recordsOf(evidence);
    expect(new Set(records.map((r) => r.record.collector.type)).size).toBeGreaterThanOrEqual(6);
    const observations = result.observations!;
    expect(observations).toHaveLength(records.length);
    for (const [i, { key, record }] of records.entries()) {
      const o = observations[i]!;
      expect(o.methods).toEqual(['TEST']);
      expect(o.collected).toBe(record.observedAt);
      expect(o.description.startsWith(record.summary)).toBe(true);
      expect(o['relevant-evidence'][0]!.href).toBe(key);
      expect(propOf(o['relevant-evidence'][0]!.props, 'record-hash')).toBe(record.hash);
      for (const [j, a] of record.attachments.entries()) {
        const ev = o['relevant-evidence'][j + 1]!;
        expect(ev.href).toBe(a.key);
        expect(sha256Hex(await readFile(join(evidence, ev.href)))).toBe(propOf(ev.props, 'sha256')!.replace(/^sha256:/, ''));
      }
    }
    expect(new Set(observations.map((o) => o.uuid)).size).toBe(observations.length);

    const meta = doc['assessment-results'].metadata;
    expect(meta['oscal-version']).toBe('1.0.6');
    expect(meta.parties[0]!.name).toBe('evidence-agent');
    expect(meta.remarks).toMatch(/How each finding is decided/);
    expect(doc['assessment-results']['import-ap'].remarks).toMatch(/No assessment plan is imported/);
    // The demo fails by design (a missing vendor policy, an unlocked store, a changed model): those controls are not satisfied.
    const failing = new Set(records.filter((r) => r.record.status === 'fail').flatMap((r) => r.record.controls));
    expect(failing.size).toBeGreaterThan(0);
    for (const c of failing) expect(findingOf(result, c).target.status.state).toBe('not-satisfied');
    const reviewed = result['reviewed-controls']['control-selections'][0]!['include-controls']!.map((c) => c['control-id']);
    expect(reviewed.sort()).toEqual([...new Set(records.flatMap((r) => r.record.controls))].sort());
  });

  it(`speaks ISO/IEC 42001 ids with --framework iso42001, and ${SCHEMA_CHECK}`, async () => {
    const dir = await tempDir();
    const { doc, result } = await exportTo(join(dir, 'ar.json'), `file:${join(demo, 'evidence')}`, ...window, '--framework', 'iso42001');
    if (HAVE_SCHEMA) expect(await schemaProblems(doc)).toEqual([]);
    const iso = new Set(loadFramework('iso42001').controls.map((c) => c.id));
    const ids = result.findings!.map((f) => f.target['target-id']);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(iso.has(id), id).toBe(true);
    expect(result.remarks).toMatch(/not an official mapping/);
    expect(result.findings![0]!.props.some((p) => p.name === 'soc2-criterion')).toBe(true);
  });
});

/** A plan for write_store.py: one daily check of CC7.2 over 2026-03-01..10, failing on the days given. */
function dailyPlan(fail: string[]) {
  return {
    agents: [
      {
        id: 'indie',
        streams: [
          {
            collector: 'check',
            kind: 'plain',
            controls: ['CC7.2'],
            cadence: { every: 'daily' },
            start: '2026-03-01T03:00:00Z',
            interval: 86400,
            count: 10,
            subjects: ['svc-a', 'svc-b'],
            fail,
          },
        ],
      },
    ],
  };
}

async function writeIndependentStore(plan: object | '--demo'): Promise<string> {
  const root = await tempDir();
  if (plan === '--demo') await promisify(execFile)('python3', [WRITER, root, '--demo']);
  else {
    await writeFile(join(root, 'plan.json'), JSON.stringify(plan));
    await promisify(execFile)('python3', [WRITER, join(root, 'store'), join(root, 'plan.json')]);
    return join(root, 'store');
  }
  return root;
}

const MARCH = ['--from', '2026-03-01', '--to', '2026-03-10'];

describe.skipIf(!existsSync(WRITER))('export --format oscal on a store written by the independent Python writer', () => {
  it(`${SCHEMA_CHECK}, in every framework, and two exports are byte for byte the same`, async () => {
    const root = await writeIndependentStore('--demo');
    const dir = await tempDir();
    const window = ['--from', '2026-01-01', '--to', '2026-02-28'];
    const first = await exportTo(join(dir, 'a.json'), `file:${root}`, ...window);
    const again = await exportTo(join(dir, 'b.json'), `file:${root}`, ...window);
    expect(again.text).toBe(first.text);
    // Written as it was streamed, yet laid out exactly as JSON.stringify would lay it out.
    expect(`${JSON.stringify(first.doc, null, 2)}\n`).toBe(first.text);
    const inWindow = (await recordsOf(root)).filter((r) => r.record.observedAt >= '2026-01-01' && r.record.observedAt < '2026-03-01');
    expect(first.result.observations).toHaveLength(inWindow.length);
    for (const framework of ['soc2', 'iso42001', 'iso27001', 'nist-ai-rmf', 'eu-ai-act']) {
      const { doc, result } = await exportTo(join(dir, `${framework}.json`), `file:${root}`, ...window, '--framework', framework);
      if (HAVE_SCHEMA) expect(await schemaProblems(doc), framework).toEqual([]);
      expect(result.findings!.length, framework).toBeGreaterThan(0);
    }
  });

  it('a failing record still failing at the end of the window makes its control not-satisfied', async () => {
    const dir = await tempDir();
    const failing = await exportTo(join(dir, 'failing.json'), `file:${await writeIndependentStore(dailyPlan(['2026-03-10']))}`, ...MARCH);
    const f = findingOf(failing.result, 'CC7.2');
    expect(f.target.status.state).toBe('not-satisfied');
    expect(propOf(f.props, 'coverage-percent')).toBe('100.0');
    expect(propOf(f.props, 'subjects-failing')).toBe('2');
    expect(f.description).toMatch(/Not satisfied: 2 subjects still failing/);
    expect(f['related-observations']).toHaveLength(20);
    const related = new Set(f['related-observations']!.map((r) => r['observation-uuid']));
    expect(failing.result.observations!.filter((o) => related.has(o.uuid))).toHaveLength(20);
  });

  it('a failure passed again later in the window, and a clean run, leave the control satisfied', async () => {
    const dir = await tempDir();
    const fixed = await exportTo(join(dir, 'fixed.json'), `file:${await writeIndependentStore(dailyPlan(['2026-03-05']))}`, ...MARCH);
    expect(findingOf(fixed.result, 'CC7.2').target.status.state).toBe('satisfied');
    const clean = await exportTo(join(dir, 'clean.json'), `file:${await writeIndependentStore(dailyPlan([]))}`, ...MARCH);
    expect(findingOf(clean.result, 'CC7.2').target.status.state).toBe('satisfied');
  });

  it('coverage below 100% makes the control not-satisfied', async () => {
    const dir = await tempDir();
    const { result } = await exportTo(join(dir, 'ar.json'), `file:${await writeIndependentStore(dailyPlan([]))}`, '--from', '2026-03-01', '--to', '2026-03-11');
    const f = findingOf(result, 'CC7.2');
    expect(f.target.status.state).toBe('not-satisfied');
    expect(f.description).toMatch(/coverage 90\.9%, 1 of 11 periods without evidence/);
  });

  it('speaks NIST AI RMF ids as OSCAL tokens and keeps the id as written', async () => {
    const dir = await tempDir();
    const { doc, result } = await exportTo(join(dir, 'ar.json'), `file:${await writeIndependentStore(dailyPlan([]))}`, ...MARCH, '--framework', 'nist-ai-rmf');
    if (HAVE_SCHEMA) expect(await schemaProblems(doc)).toEqual([]);
    const f = result.findings![0]!;
    expect(f.target['target-id']).toMatch(/^[a-z]+-\d+\.\d+$/);
    expect(propOf(f.target.props, 'control-id')).toMatch(/^[A-Z]+ \d+\.\d+$/);
  });
});

describe('export --format oscal, what records say', () => {
  it(`keeps a summary's text exactly, escaped as JSON only, and ${SCHEMA_CHECK}`, async () => {
    const root = await tempDir();
    const summary = 'He said "ship it" </script><b>&amp;</b>\nsecond line \u2028 ü \\ done.';
    const odd: Collector = {
      type: 'test-odd-text',
      version: '1.0.0',
      controls: ['CC7.2'],
      optionsSchema: { type: 'object' },
      payloadSchema: { type: 'object' },
      async *collect() {
        yield {
          subject: { kind: 'service', id: ' spaced\tid ' },
          status: 'fail',
          summary,
          findings: [{ code: 'x-y', severity: 'high', message: 'a "quoted" <finding>' }],
        };
      },
    };
    const at = new Date('2026-03-02T03:00:00.000Z');
    await runCollectors([instance('odd', odd)], environment(new FileStore(root), { clock: { now: () => at }, concurrency: 1 }));
    const dir = await tempDir();
    const { doc, result } = await exportTo(join(dir, 'ar.json'), `file:${root}`, ...MARCH);
    if (HAVE_SCHEMA) expect(await schemaProblems(doc)).toEqual([]);
    const o = result.observations![0]!;
    expect(o.title).toBe('He said "ship it" </script><b>&amp;</b>');
    expect(o.description).toBe(`${summary}\n\nFindings:\n- high x-y: a "quoted" <finding>`);
    expect(findingOf(result, 'CC7.2').target.status.state).toBe('not-satisfied');
  });
});

describe('export flags', () => {
  let store: string;
  beforeAll(async () => {
    store = await mkdtemp(join(tmpdir(), 'ea-export-flags-'));
    await promisify(execFile)('python3', [WRITER, store, '--demo']);
  });
  afterAll(async () => {
    if (store) await rm(store, { recursive: true, force: true });
  });

  it.each([
    [['--format', 'pdf'], /--format/],
    [[], /--format/],
    [['--format', 'oscal', '--framework', 'cobit'], /--framework: unknown framework "cobit"/],
    [['--format', 'oscal', '--from', 'yesterday-ish'], /--from yesterday-ish/],
    [['--format', 'oscal', '--to', '2026-13-45'], /--to 2026-13-45/],
    [['--format', 'oscal', '--from', '2026-03-02', '--to', '2026-03-01'], /--from 2026-03-02 is after --to/],
    [['--format', 'oscal', '--no-such-flag'], /--no-such-flag/],
  ])('%j exits 2 naming the flag', async (flags, message) => {
    const dir = await tempDir();
    const args = ['--store', `file:${store}`, '--out', join(dir, 'ar.json'), ...flags];
    if (!flags.includes('--from')) args.push('--from', '2026-01-01');
    if (!flags.includes('--to')) args.push('--to', '2026-01-31');
    const r = await runCli(['--log-level', 'warn', 'export', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'ar.json'))).toBe(false);
  });

  it('refuses to replace an existing --out, and names --out and --store when missing', async () => {
    const dir = await tempDir();
    const out = join(dir, 'ar.json');
    await writeFile(out, 'kept');
    const base = ['--log-level', 'warn', 'export', '--format', 'oscal', '--from', '2026-01-01', '--to', '2026-01-31'];
    const existing = await runCli([...base, '--store', `file:${store}`, '--out', out]);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toMatch(/--out .*ar\.json already exists/);
    expect(await readFile(out, 'utf8')).toBe('kept');
    const noOut = await runCli([...base, '--store', `file:${store}`]);
    expect([noOut.code, noOut.stderr]).toEqual([2, expect.stringMatching(/--out is required/)]);
    const noStore = await runCli([...base, '--out', join(dir, 'x.json')]);
    expect([noStore.code, noStore.stderr]).toEqual([2, expect.stringMatching(/--store is required/)]);
    const missing = await runCli([...base, '--store', `file:${join(dir, 'nowhere')}`, '--out', join(dir, 'y.json')]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/does not exist: check the folder --store/)]);
  });
});
