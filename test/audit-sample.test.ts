import { execFile } from 'node:child_process';
import { createHash, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { PopulationRow } from '../src/audit/population.js';
import { type Drawn, FirstInOrder, sampleOrder } from '../src/audit/sample.js';
import { DEFAULT_SAMPLE_SIZES, frequencyClassOf, parseSampleSizes, type StreamFrequency, sampleSize } from '../src/audit/sample-size.js';
import { FileStore } from '../src/store/file-store.js';
import type { PackageManifest } from '../src/verify/package-manifest.js';
import { AUDIT_CONTROL, writeAuditStore } from './helpers/audit-store.js';
import { runCli } from './helpers/cli.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { createBucket, TEST_ENV, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const run = promisify(execFile);
const ENV = { LOG_LEVEL: 'warn' };
const WINDOW = ['--from', '2026-03-01', '--to', '2026-03-04', '--control', AUDIT_CONTROL];

/** The ordering written again from its definition alone, with another SHA-256 (WebCrypto), to check ours against. */
async function independentSample(seed: string, keys: string[], n: number): Promise<string[]> {
  const ordered = await Promise.all(
    keys.map(async (key) => {
      const digest = await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(`${seed}:${key}`));
      return { key, order: Buffer.from(digest).toString('hex') };
    }),
  );
  ordered.sort((a, b) => (a.order === b.order ? (a.key < b.key ? -1 : 1) : a.order < b.order ? -1 : 1));
  return ordered.slice(0, n).map((o) => o.key);
}

async function manifestOf(folder: string): Promise<PackageManifest & { selected: { checkpoint?: string; truncated?: true }[] }> {
  return JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as PackageManifest & { selected: { checkpoint?: string }[] };
}

async function populationKeys(storeUrl: string, dir: string, unit: 'record' | 'item'): Promise<string[]> {
  const out = join(dir, `population-${unit}-${Math.random().toString(36).slice(2)}.jsonl`);
  const result = await runCli(['population', '--store', storeUrl, ...WINDOW, '--unit', unit, '--out', out], { env: ENV });
  expect(result.code).toBe(0);
  const rows = (await readFile(out, 'utf8'))
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as PopulationRow);
  return rows.map((r) => r.itemId ?? r.hash);
}

/** Runs the `sh` blocks of the package's VERIFY.md from its root, as an auditor would, and returns what they print. */
async function runVerifyGuide(folder: string, publicPem: string): Promise<string> {
  const guide = await readFile(join(folder, 'VERIFY.md'), 'utf8');
  const script = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');
  const key = join(folder, '..', `trusted-${Math.random().toString(36).slice(2)}.pem`);
  await writeFile(key, publicPem);
  const { stdout, stderr } = await run('bash', ['-c', script], { cwd: folder, env: { ...process.env, KEY: key } });
  return stdout + stderr;
}

async function storeWith(runs: number) {
  const dir = await tempDir();
  const keys = await writeAuditStore(new FileStore(join(dir, 'store')), runs);
  return { dir, url: `file:${join(dir, 'store')}`, ...keys };
}

describe('sample sizes', () => {
  const window = { from: new Date('2026-01-01T00:00:00.000Z'), to: new Date('2026-03-31T23:59:59.999Z') };
  const one = (cadence: StreamFrequency['cadence'], rows = 90) => new Map([['a/b', { cadence, rows }]]);

  it('takes the frequency from the cadence records state, else from their rate, and items from items a day', () => {
    expect(frequencyClassOf('record', one({ every: 'weekly' }), window)).toEqual({ frequency: 'weekly', inferred: false });
    expect(frequencyClassOf('record', one({ schedule: '0 3 * * *', timezone: 'Europe/Paris' }), window)).toEqual({ frequency: 'daily', inferred: false });
    expect(frequencyClassOf('record', one({ schedule: '0 0 */4 * * *', timezone: 'UTC' }, 3), window).frequency).toBe('multiple-daily');
    expect(frequencyClassOf('record', one({ schedule: '0 0 1 */3 *', timezone: 'UTC' }), window).frequency).toBe('quarterly');
    // A daily check that missed a third of its days is still daily.
    expect(frequencyClassOf('record', one(null, 60), window)).toEqual({ frequency: 'daily', inferred: true });
    expect(frequencyClassOf('record', one(null, 3), window).frequency).toBe('monthly');
    expect(frequencyClassOf('item', one(null, 900), window).frequency).toBe('multiple-daily');
    // A fleet: the most frequent stream sets the class.
    const fleet = new Map([
      ['a/x', { cadence: { every: 'monthly' as const }, rows: 3 }],
      ['b/x', { cadence: { every: 'daily' as const }, rows: 90 }],
    ]);
    expect(frequencyClassOf('record', fleet, window).frequency).toBe('daily');
  });

  it('uses the upper end of each convention unless configured, and never more than the population', () => {
    expect(DEFAULT_SAMPLE_SIZES).toEqual({ annually: 1, quarterly: 2, monthly: 5, weekly: 15, daily: 40, 'multiple-daily': 60 });
    expect(parseSampleSizes('daily=25, weekly=10')).toEqual({ ...DEFAULT_SAMPLE_SIZES, daily: 25, weekly: 10 });
    expect(sampleSize(undefined, DEFAULT_SAMPLE_SIZES, 'daily', 30)).toBe(30);
    expect(sampleSize(7, DEFAULT_SAMPLE_SIZES, 'daily', 300)).toBe(7);
  });
});

describe('sample order', () => {
  it('is the worked example of evidence-schema/README.md', async () => {
    const page = await readFile(new URL('../evidence-schema/README.md', import.meta.url), 'utf8');
    const section = page.slice(page.indexOf('## Sampling'), page.indexOf('## Re-verifying an evidence package'));
    const rows = [...section.matchAll(/^\| `(sha256:[0-9a-f]{64})` \| `([0-9a-f]{64})` \|$/gm)];
    expect(rows).toHaveLength(3);
    for (const [, key, order] of rows) expect(sampleOrder('acme-2026-q1', key!)).toBe(order);
    expect(
      await independentSample(
        'acme-2026-q1',
        rows.map((r) => r[1]!),
        3,
      ),
    ).toEqual([
      'sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b',
      'sha256:de0633f4a46f38eebc388fe5883319be75591d406e907e6d8c05ae4182bd9cc6',
      'sha256:5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9',
    ]);
  });

  it('keeps the first N of a stream in order in a bounded heap, whatever order they come in', () => {
    const orders = Array.from({ length: 500 }, (_, i) => sampleOrder('heap', `k${i}`));
    const kept = new FirstInOrder(9);
    for (const [i, order] of orders.entries()) kept.offer({ order, sampleKey: `k${i}`, row: {} as PopulationRow, scanned: {} as Drawn['scanned'] });
    expect(kept.sorted().map((d) => d.order)).toEqual([...orders].sort().slice(0, 9));
  });
});

describe('sample', () => {
  it('draws the same sample for the same seed and another for another seed, as the ordering defines it', async () => {
    const { dir, url } = await storeWith(12);
    const keys = await populationKeys(url, dir, 'record');
    const draw = async (seed: string, name: string) => {
      const out = join(dir, name);
      const result = await runCli(['sample', '--store', url, ...WINDOW, '--seed', seed, '--size', '5', '--out', out], { env: ENV });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/The sampling was not recorded/);
      return (await manifestOf(out)).selected.map((s) => s.hash);
    };
    const first = await draw('audit-2026-q1', 'a');
    expect(first).toEqual(await independentSample('audit-2026-q1', keys, 5));
    expect(await draw('audit-2026-q1', 'b')).toEqual(first);
    const other = await draw('another seed', 'c');
    expect(other).toEqual(await independentSample('another seed', keys, 5));
    expect(other).not.toEqual(first);
  });

  it('draws commits as items, inline and from commits.jsonl attachments', async () => {
    const { dir, url } = await storeWith(6);
    const keys = await populationKeys(url, dir, 'item');
    expect(keys).toHaveLength(18);
    const out = join(dir, 'items');
    const result = await runCli(['sample', '--store', url, ...WINDOW, '--unit', 'item', '--seed', 's1', '--size', '7', '--out', out], { env: ENV });
    expect(result.code).toBe(0);
    const manifest = await manifestOf(out);
    expect(manifest.selected.map((s) => s.itemId)).toEqual(await independentSample('s1', keys, 7));
    for (const s of manifest.selected) {
      expect(s.itemId!.startsWith(`${s.hash}#`)).toBe(true);
      expect(s.order).toBe(createHash('sha256').update(`s1:${s.itemId}`).digest('hex'));
    }
    // The attachments the items came from are in the package.
    const files = await filesUnder(out);
    expect(files.filter((f) => f.startsWith('blobs/'))).not.toHaveLength(0);
  });

  it("sizes the sample by the control's frequency by default, and --sizes changes it", async () => {
    const { dir, url } = await storeWith(12);
    // Two streams of three records a day that state no cadence: several times a day by their rate, 22 records in all, fewer than 60.
    const all = await runCli(['sample', '--store', url, ...WINDOW, '--seed', 'x', '--out', join(dir, 'all')], { env: ENV });
    expect(all.stdout).toMatch(/Sampled 22 of 22 records .*inferred frequency multiple-daily gives 60 by practitioner convention, not an AICPA rule/);
    const configured = await runCli(['sample', '--store', url, ...WINDOW, '--seed', 'x', '--sizes', 'multiple-daily=3', '--out', join(dir, 'some')], {
      env: ENV,
    });
    expect(configured.stdout).toMatch(/Sampled 3 of 22 records/);
    expect((await manifestOf(join(dir, 'some'))).selected).toHaveLength(3);
    const bad = await runCli(['sample', '--store', url, ...WINDOW, '--seed', 'x', '--sizes', 'fortnightly=3', '--out', join(dir, 'bad')], { env: ENV });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--sizes: "fortnightly=3"/);
  });

  it('writes a package that VERIFY.md checks by hand, with neighbours and covering checkpoints, and catches a tampered file', async () => {
    const { dir, url, publicPem } = await storeWith(12);
    const out = join(dir, 'pkg');
    const result = await runCli(['sample', '--store', url, ...WINDOW, '--seed', 'q1', '--size', '4', '--out', out], { env: ENV });
    expect(result.code).toBe(0);
    const manifest = await manifestOf(out);
    const files = await filesUnder(out);
    expect(files.sort()).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)].sort());
    for (const s of manifest.selected) {
      expect(files).toContain(s.key);
      // The checkpoint written right after each run is the oldest that covers its records.
      expect(s.checkpoint).toMatch(/^checkpoints\/test-agent\/\d{12}\.json$/);
      expect(files).toContain(s.checkpoint);
      const seq = Number(s.key.slice(-17, -5));
      if (seq > 0)
        expect(files.some((f) => f.startsWith(s.key.split('/').slice(0, 3).join('/')) && f.endsWith(`${String(seq - 1).padStart(12, '0')}.json`))).toBe(true);
    }
    expect(await runVerifyGuide(out, publicPem)).not.toMatch(/PROBLEM/);

    await writeFile(join(dir, 'trusted.pem'), publicPem);
    const checked = await runCli(['verify', '--store', `file:${out}`, '--trusted-key', join(dir, 'trusted.pem')], { env: ENV });
    expect(checked.stdout + checked.stderr).not.toMatch(/PROBLEMS/);
    expect(checked.code).toBe(0);

    const record = join(out, manifest.selected[0]!.key);
    await chmod(record, 0o644);
    await writeFile(record, (await readFile(record, 'utf8')).replace('"status":"pass"', '"status":"fail"'));
    const found = await runVerifyGuide(out, publicPem);
    expect(found).toMatch(new RegExp(`PROBLEM: .*${manifest.selected[0]!.key}`));
    expect(found).toMatch(/does not match its hash/);
  });

  it('writes the same package as a .tar.gz', async () => {
    const { dir, url, publicPem } = await storeWith(8);
    const archive = join(dir, 'sample.tar.gz');
    const result = await runCli(['sample', '--store', url, ...WINDOW, '--seed', 'tgz', '--size', '3', '--out', archive], { env: ENV });
    expect(result.code).toBe(0);
    const folder = join(dir, 'extracted');
    await mkdir(folder);
    await run('tar', ['-xzf', archive, '-C', folder]);
    const manifest = await manifestOf(folder);
    expect((await filesUnder(folder)).sort()).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)].sort());
    expect(manifest.selected.map((s) => s.hash)).toEqual(await independentSample('tgz', await populationKeys(url, dir, 'record'), 3));
    expect(await runVerifyGuide(folder, publicPem)).not.toMatch(/PROBLEM/);
  });

  it("records the sampling with --config in the agent's audit stream, signed, and the store still verifies with the trusted key", async () => {
    const { dir, url, publicPem, privatePem } = await storeWith(6);
    await writeFile(join(dir, 'checkpoint.pem'), privatePem);
    await writeFile(join(dir, 'trusted.pem'), publicPem);
    const config = join(dir, 'agent.yaml');
    await writeFile(config, 'agent: { id: test-agent }\nstore: { url: file:./store }\nsigning: { key: ./checkpoint.pem }\ncollectors: []\n');
    const out = join(dir, 'pkg');
    const args = ['sample', '--store', url, ...WINDOW, '--seed', 'rec', '--size', '2', '--out', out, '--config', config, '--auditor', 'Jane Auditor'];
    const result = await runCli(args, { env: ENV });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Recorded the sampling as test-agent\/audit seq 0 .*signed in checkpoint checkpoints\/test-agent\/000000000006\.json/);
    const auditKeys = (await filesUnder(join(dir, 'store'))).filter((k) => k.startsWith('records/test-agent/audit/'));
    expect(auditKeys).toHaveLength(1);
    const record = JSON.parse(await readFile(join(dir, 'store', auditKeys[0]!), 'utf8')) as {
      subject: unknown;
      controls: string[];
      data: { auditor: string; seed: string; manifestSha256: string; selected: { key: string }[]; population: { rows: number } };
    };
    expect(record.subject).toEqual({ kind: 'audit-sample', id: AUDIT_CONTROL });
    expect(record.controls).toEqual([]);
    expect(record.data.auditor).toBe('Jane Auditor');
    expect(record.data.seed).toBe('rec');
    expect(record.data.manifestSha256).toBe(
      createHash('sha256')
        .update(await readFile(join(out, 'manifest.json')))
        .digest('hex'),
    );
    expect(record.data.selected.map((s) => s.key)).toEqual((await manifestOf(out)).selected.map((s) => s.key));
    const verified = await runCli(['verify', '--store', url, '--trusted-key', join(dir, 'trusted.pem')], { env: ENV });
    expect(verified.stdout).toMatch(/OK: /);
    expect(verified.code).toBe(0);
  });
});

for (const kind of S3_SERVERS.filter((k) => k.name === 'moto')) {
  describe.skipIf(kind.unavailable !== null)(`sample from S3 on ${kind.name}${kind.unavailable ? ` (skipped: ${kind.unavailable})` : ''}`, () => {
    const s3 = useS3Server(kind);

    it('writes the package from a locked bucket, and VERIFY.md finds nothing wrong', async () => {
      const bucket = `sample-${process.pid}`;
      await createBucket(s3.client, bucket, 'locked');
      const store = testS3Store(`s3://${bucket}/prod`, s3.server.endpoint);
      const { publicPem } = await writeAuditStore(store, 6);
      await store.close();
      const dir = await tempDir();
      const out = join(dir, 'pkg');
      const env = { ...TEST_ENV, AWS_ENDPOINT_URL: s3.server.endpoint };
      const result = await runCli(['sample', '--store', `s3://${bucket}/prod`, ...WINDOW, '--unit', 'item', '--seed', 's3', '--size', '4', '--out', out], {
        env,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const manifest = await manifestOf(out);
      expect(manifest.selected).toHaveLength(4);
      expect(manifest.query.store).toBe(`s3://${bucket}/prod`);
      expect(await runVerifyGuide(out, publicPem)).not.toMatch(/PROBLEM/);
      await rm(join(out, manifest.files.find((f) => f.path.startsWith('blobs/'))!.path), { force: true });
      expect(await runVerifyGuide(out, publicPem)).toMatch(/PROBLEM: .*blobs\/sha256\//);
    });
  });
}
