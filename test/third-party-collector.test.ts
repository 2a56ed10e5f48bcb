import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollectors } from '../src/collector/runner.js';
import { createAjv } from '../src/json-schema.js';
import { canonicalize } from '../src/record/canonical-json.js';
import { recordHash } from '../src/record/hash.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';
import { records as readRecords } from './helpers/daemon.js';
import { collectorOf, draft, environment, instance } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const README = new URL('../collectors/README.md', import.meta.url);
const OLD_STORE = new URL('./fixtures/stores/v0.1', import.meta.url).pathname;

/** The fenced blocks of collectors/README.md's section on collectors outside the repository, as written there. */
async function readmeExample(): Promise<{ js: string; yaml: string }> {
  const text = await readFile(README, 'utf8');
  const section = text.slice(text.indexOf('## A collector outside this repository'));
  const block = (lang: string) => {
    const m = new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``).exec(section);
    if (!m) throw new Error(`collectors/README.md has no ${lang} block in its section on outside collectors`);
    return m[1]!;
  };
  return { js: block('js'), yaml: block('yaml') };
}

const jsonschema = await run('python3', ['-c', 'import jsonschema']).then(
  () => true,
  () => false,
);

/** Validates with Python's jsonschema, which shares no code with the agent. */
async function pythonValidate(schemaFile: string, data: unknown): Promise<string> {
  const script = [
    'import json, sys',
    'from jsonschema import Draft202012Validator, FormatChecker',
    'schema = json.load(open(sys.argv[1]))',
    'errors = list(Draft202012Validator(schema, format_checker=FormatChecker()).iter_errors(json.loads(sys.argv[2])))',
    'print("ok" if not errors else "; ".join(e.message for e in errors))',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, schemaFile, JSON.stringify(data)]);
  return stdout.trim();
}

describe("a collector written outside the project, from collectors/README.md alone (checked with Python's jsonschema too where python3 has it)", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 503).end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/healthz`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('loads by path with no node_modules of its own, writes records naming its schema, and verify rejects data that breaks it', async () => {
    const { js, yaml } = await readmeExample();
    const dir = await tempDir('ea-outside-');
    const file = join(dir, 'uptime-probe.mjs');
    await writeFile(file, js);
    const collectors = yaml.replace('/etc/evidence-agent/uptime-probe.mjs', file).replace('https://api.example.com/healthz', url);
    await writeFile(join(dir, 'agent.yaml'), `agent: { id: outside }\nstore: { url: file:./evidence }\n${collectors}`);

    const snap = await runCli(['--log-level', 'warn', 'snapshot', '--config', join(dir, 'agent.yaml'), '--json']);
    expect(snap.stderr).toBe('');
    expect(snap.code).toBe(0);
    const [record] = snap.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EvidenceRecord);
    expect(record).toMatchObject({ status: 'pass', collector: { type: 'uptime-probe', version: '1.0.0' }, data: { url, status: 200 } });

    // The schema the record names is in the store, under its own hash, and judges the data without our code.
    const ref = record!.collector.payloadSchema!;
    expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
    const schemaFile = join(dir, 'evidence/blobs/sha256', ref.slice('sha256:'.length));
    const bytes = await readFile(schemaFile);
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(ref);
    const schema = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const validate = createAjv().compile(schema);
    expect(validate(record!.data)).toBe(true);
    expect(validate({ ...record!.data, status: 'up' })).toBe(false);
    if (jsonschema) {
      expect(await pythonValidate(schemaFile, record!.data)).toBe('ok');
      expect(await pythonValidate(schemaFile, { ...record!.data, status: 'up' })).toMatch(/'up' is not of type 'integer'/);
    }
    expect((await runCli(['verify', '--store', `file:${join(dir, 'evidence')}`])).code).toBe(0);

    // An attacker who rewrites data and recomputes the hash still breaks the schema the record names.
    const [stored] = await readRecords(dir, 'outside/api-uptime');
    const key = join(dir, 'evidence/records/outside/api-uptime', record!.observedAt.slice(0, 10), '000000000000.json');
    const forged = { ...(stored as unknown as EvidenceRecord), data: { ...stored!.data, status: 'up' } } as EvidenceRecord;
    forged.hash = recordHash(forged);
    await chmod(key, 0o644);
    await writeFile(key, `${canonicalize(forged)}\n`);
    const verify = await runCli(['verify', '--store', `file:${join(dir, 'evidence')}`, '--json']);
    expect(verify.code).toBe(4);
    const report = JSON.parse(verify.stdout) as { problems: { kind: string; message: string }[] };
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'payload-schema', message: 'data.status: must be integer' })]);
  });
});

describe('evidence written under other schemas still verifies', () => {
  it('a store written by version 0.1, before records named their payload schema', async () => {
    const dir = await tempDir();
    await cp(OLD_STORE, dir, { recursive: true });
    const report = await verifyStore(new FileStore(dir));
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(4);
  });

  it('a stream whose collector tightened its schema between two records: each record is judged by its own', async () => {
    const store = new FileStore(await tempDir());
    const v1 = {
      ...collectorOf('probe', async function* () {
        yield draft(1, { data: { n: 1 } });
      }),
      payloadSchema: { type: 'object', properties: { n: { type: 'integer' } } },
    };
    const v2 = {
      ...collectorOf('probe', async function* () {
        yield draft(2, { data: { n: 2, region: 'eu' } });
      }),
      version: '2.0.0',
      payloadSchema: {
        type: 'object',
        additionalProperties: false,
        required: ['n', 'region'],
        properties: { n: { type: 'integer' }, region: { type: 'string' } },
      },
    };
    const written: EvidenceRecord[] = [];
    await runCollectors([instance('probe', v1)], environment(store, { onRecord: (r) => written.push(r) }));
    await runCollectors([instance('probe', v2)], environment(store, { onRecord: (r) => written.push(r) }));
    const [first, second] = written;
    expect(first!.collector.payloadSchema).not.toBe(second!.collector.payloadSchema);
    // The first record would fail the new schema (no region), and still verifies under its own.
    expect(createAjv().compile({ ...v2.payloadSchema })(first!.data)).toBe(false);
    expect((await verifyStore(store)).problems).toEqual([]);
  });
});
