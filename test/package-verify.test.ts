import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpointBundle } from '../src/checkpoint/checkpoint.js';
import { recordHash } from '../src/record/hash.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { generateP256 } from '../src/signing/keys.js';
import { FileStore } from '../src/store/file-store.js';
import { parseRecordKey } from '../src/store/layout.js';
import type { EvidenceStore } from '../src/store/types.js';
import { runCli } from './helpers/cli.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { createBucket, TEST_ENV, testS3Store, testStoreYaml } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const SEED = 'audit-2026';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** A folder holding an agent config that writes three attached items a snapshot, and the key pair it signs checkpoints with. */
async function agentFolder(dir: string, storeYaml: string[]): Promise<{ config: string; publicKey: string }> {
  const keys = generateP256();
  await writeFile(join(dir, 'checkpoint.pem'), keys.privatePem);
  await writeFile(join(dir, 'checkpoint.pub.pem'), keys.publicPem);
  const config = join(dir, 'agent.yaml');
  await writeFile(
    config,
    `${['agent: { id: edge-1 }', ...storeYaml, 'signing: { key: ./checkpoint.pem }', 'collectors:', `  - { id: items, use: ${GATE}, options: { count: 3, attach: true } }`].join('\n')}\n`,
  );
  return { config, publicKey: join(dir, 'checkpoint.pub.pem') };
}

async function snapshots(config: string, runs: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
  for (let i = 0; i < runs; i++) {
    const r = await runCli(['snapshot', '--config', config], { env: { ...TEST_ENV, ...env } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
}

async function listAll(store: EvidenceStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}

/** Lists every file of a package but manifest.json, with size and SHA-256, sorted by path, as the manifest's `files`. */
async function listFiles(dir: string) {
  const paths = (await filesUnder(dir)).filter((p) => p !== 'manifest.json').sort();
  return Promise.all(
    paths.map(async (path) => {
      const bytes = await readFile(join(dir, path));
      return { path, size: bytes.length, sha256: sha256(bytes) };
    }),
  );
}

async function editManifest(dir: string, edit: (manifest: Record<string, unknown> & { files: { path: string; sha256: string }[] }) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  edit(manifest);
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

/** Lists the package's files anew, as a forger would after changing them. */
async function relist(dir: string): Promise<void> {
  const files = await listFiles(dir);
  await editManifest(dir, (m) => {
    m.files = files;
  });
}

/**
 * Assembles an evidence package as evidence-schema/README.md describes it, from a store the agent wrote:
 * the selected records, their neighbours, each one's oldest covering checkpoint and the records up to its
 * head, every attachment and payload schema those records name, VERIFY.md and manifest.json.
 */
async function assemblePackage(store: EvidenceStore, selected: string[], out: string): Promise<void> {
  const bySeq = new Map<string, Map<number, string>>();
  for (const key of await listAll(store, 'records/')) {
    const parts = parseRecordKey(key)!;
    bySeq.set(parts.stream, (bySeq.get(parts.stream) ?? new Map()).set(parts.seq, key));
  }
  const checkpoints = await Promise.all(
    (await listAll(store, 'checkpoints/')).sort().map(async (key) => ({ key, ...(await openCheckpointBundle((await store.get(key))!)) })),
  );
  const held = new Set<string>();
  const covers = new Map<string, string>();
  for (const key of selected) {
    const { stream, seq } = parseRecordKey(key)!;
    const keys = bySeq.get(stream)!;
    for (const s of [seq - 1, seq, seq + 1]) if (keys.has(s)) held.add(keys.get(s)!);
    const covering = checkpoints.find((c) => c.checkpoint.agent === stream.split('/')[0] && (c.checkpoint.heads[stream]?.seq ?? -1) >= seq);
    if (!covering) continue;
    held.add(covering.key);
    covers.set(key, covering.key);
    for (let s = seq; s <= covering.checkpoint.heads[stream]!.seq; s++) held.add(keys.get(s)!);
  }
  const hashes = new Map<string, string>();
  for (const key of [...held].filter((k) => k.startsWith('records/'))) {
    const record = JSON.parse(Buffer.from((await store.get(key))!).toString('utf8')) as EvidenceRecord;
    hashes.set(key, record.hash);
    for (const a of record.attachments) held.add(a.key);
    if (record.collector.payloadSchema) held.add(`blobs/sha256/${record.collector.payloadSchema.slice('sha256:'.length)}`);
  }
  for (const key of held) {
    await mkdir(dirname(join(out, key)), { recursive: true });
    await writeFile(join(out, key), (await store.get(key))!);
  }
  await writeFile(join(out, 'VERIFY.md'), '# Verifying this package\n\nevidence-agent verify --store file:. --trusted-key <key>\n');
  const manifest = {
    schema: 'evidence-agent/package/v1',
    createdAt: new Date().toISOString(),
    agentVersion: '0.0.0-test',
    query: {
      store: store.url,
      from: '2026-01-01',
      to: '2026-12-31',
      framework: 'soc2',
      control: 'CC7.2',
      soc2Controls: ['CC7.2'],
      unit: 'record',
      seed: SEED,
      size: selected.length,
    },
    population: { rows: [...bySeq.values()].reduce((n, m) => n + m.size, 0), heads: {} },
    selected: selected.map((key) => ({ key, hash: hashes.get(key)!, order: sha256(`${SEED}:${hashes.get(key)}`), checkpoint: covers.get(key) })),
    files: await listFiles(out),
  };
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

async function verifyPackage(dir: string, ...args: string[]) {
  return runCli(['verify', '--store', `file:${dir}`, ...args], { env: { LOG_LEVEL: 'warn' } });
}

/** Rewrites a record's data as a forger would: with its hash recomputed so that it matches its content. */
async function forgeRecord(dir: string, key: string): Promise<void> {
  const record = JSON.parse(await readFile(join(dir, key), 'utf8')) as EvidenceRecord;
  record.summary = `${record.summary} (edited)`;
  record.hash = recordHash(record);
  await chmod(join(dir, key), 0o644);
  await writeFile(join(dir, key), JSON.stringify(record));
}

describe('verify --store file:<evidence package>', () => {
  let base: string;
  let pkg: string;
  let publicKey: string;
  let store: FileStore;
  let rec: (seq: number) => string;

  // Three snapshots: records 0 to 8 of edge-1/items, checkpoints 0, 1, 2 signing heads 2, 5, 8.
  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ea-package-'));
    const agent = await agentFolder(base, ['store: { url: file:./evidence }']);
    publicKey = agent.publicKey;
    await snapshots(agent.config, 3);
    store = new FileStore(join(base, 'evidence'));
    // The agent's own stream (its config-change record) is not part of this stream's chain.
    const keys = (await listAll(store, 'records/'))
      .filter((k) => !parseRecordKey(k)!.stream.endsWith('/agent'))
      .sort((a, b) => parseRecordKey(a)!.seq - parseRecordKey(b)!.seq);
    expect(keys).toHaveLength(9);
    rec = (seq) => keys[seq]!;
    pkg = join(base, 'package');
    // Selected 0 and 7: held 0 to 2 (up to checkpoint 0's head) and 6 to 8, with a gap in between.
    await assemblePackage(store, [rec(0), rec(7)], pkg);
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function copy(): Promise<string> {
    const dir = join(await tempDir(), 'package');
    await cp(pkg, dir, { recursive: true });
    return dir;
  }

  async function blobOf(dir: string, seq: number): Promise<string> {
    return (JSON.parse(await readFile(join(dir, rec(seq)), 'utf8')) as EvidenceRecord).attachments[0]!.key;
  }

  it('verifies a clean package with gaps between its records, exit 0, not taking manifest.json or VERIFY.md for strays', async () => {
    expect(await filesUnder(join(pkg, 'records'))).toHaveLength(6);
    const r = await verifyPackage(pkg, '--trusted-key', publicKey);
    expect(r.stdout).toMatch(/Verified the evidence package .*: 2 selected, \d+ files listed in manifest.json; it holds 6 records in 1 streams/);
    expect(r.stdout).toMatch(/Checkpoints: 2, .*signatures verified with the trusted key/);
    expect(r.stdout).toContain('OK: every file matches manifest.json');
    expect(r.stdout).not.toContain('stray');
    expect(r.code).toBe(0);
    const json = JSON.parse((await verifyPackage(pkg, '--trusted-key', publicKey, '--json')).stdout);
    expect(json).toMatchObject({ ok: true, records: 6, problems: [], package: { selected: 2, query: { seed: SEED } } });
  });

  it('catches a record whose bytes were changed, naming it, exit 4', async () => {
    const dir = await copy();
    const text = await readFile(join(dir, rec(7)), 'utf8');
    await chmod(join(dir, rec(7)), 0o644);
    await writeFile(join(dir, rec(7)), text.replace('"i":1', '"i":2'));
    const r = await verifyPackage(dir);
    expect(r.stdout).toContain(`hash-mismatch  ${rec(7)}`);
    expect(r.stdout).toContain(`package-file-mismatch  ${rec(7)}`);
    expect(r.code).toBe(4);
  });

  it('catches a record rewritten with its hash recomputed and the manifest relisted: the link from the next held record breaks', async () => {
    const dir = await copy();
    await forgeRecord(dir, rec(7));
    await relist(dir);
    const r = await verifyPackage(dir);
    expect(r.stdout).toContain(`prev-mismatch  ${rec(8)}`);
    expect(r.stdout).toContain(rec(7));
    expect(r.stdout).not.toContain('hash-mismatch');
    expect(r.code).toBe(4);
  });

  it('catches a checkpoint head that does not match the record the package holds there', async () => {
    const dir = await copy();
    await forgeRecord(dir, rec(8));
    await relist(dir);
    const r = await verifyPackage(dir, '--trusted-key', publicKey);
    expect(r.stdout).toMatch(new RegExp(`checkpoint-head-mismatch  ${rec(8)}  checkpoints/edge-1/000000000002.json signs hash`));
    expect(r.code).toBe(4);
  });

  it('catches a removed attachment, listed or not', async () => {
    const dir = await copy();
    const blob = await blobOf(dir, 7);
    await unlink(join(dir, blob));
    const r = await verifyPackage(dir);
    expect(r.stdout).toContain(`package-file-missing  ${blob}`);
    expect(r.stdout).toContain(`attachment-missing  ${blob}`);
    expect(r.code).toBe(4);
    await relist(dir);
    const relisted = await verifyPackage(dir);
    expect(relisted.stdout).toContain(`attachment-missing  ${blob}`);
    expect(relisted.code).toBe(4);
  });

  it('catches an edited manifest: a changed sha256, a removed entry, an unlisted file', async () => {
    const changed = await copy();
    await editManifest(changed, (m) => {
      m.files[0]!.sha256 = '0'.repeat(64);
    });
    const first = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8')).files[0].path as string;
    const r1 = await verifyPackage(changed);
    expect(r1.stdout).toContain(`package-file-mismatch  ${first}`);
    expect(r1.code).toBe(4);

    const removed = await copy();
    await editManifest(removed, (m) => {
      m.files = m.files.filter((f) => f.path !== rec(1));
    });
    const r2 = await verifyPackage(removed);
    expect(r2.stdout).toContain(`package-file-unlisted  ${rec(1)}`);
    expect(r2.code).toBe(4);

    const added = await copy();
    await cp(join(store.root, rec(4)), join(added, rec(4)));
    await writeFile(join(added, 'notes.txt'), 'not evidence\n');
    const r3 = await verifyPackage(added);
    expect(r3.stdout).toContain(`package-file-unlisted  ${rec(4)}`);
    expect(r3.stdout).toContain('package-file-unlisted  notes.txt');
    expect(r3.stdout).toContain('stray-object  notes.txt');
    expect(r3.stdout).not.toMatch(/stray-object {2}(manifest\.json|VERIFY\.md)/);
    expect(r3.code).toBe(4);
  });

  it('reads the manifest strictly', async () => {
    const dir = await copy();
    const text = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeFile(join(dir, 'manifest.json'), text.replace('"agentVersion"', '"agentVersion": "9.9.9", "agentVersion"'));
    const r = await verifyPackage(dir);
    expect(r.stdout).toMatch(/package-manifest {2}manifest.json {2}.*agentVersion/);
    expect(r.code).toBe(4);
  });

  it('catches a removed selected record, and a record missing between a selection and its signed head', async () => {
    const dir = await copy();
    await unlink(join(dir, rec(7)));
    await relist(dir);
    const r = await verifyPackage(dir);
    expect(r.stdout).toContain(`package-selected-missing  ${rec(7)}  selected[1] of manifest.json is not in the package`);
    expect(r.code).toBe(4);

    const cut = await copy();
    await unlink(join(cut, rec(1)));
    await relist(cut);
    const c = await verifyPackage(cut);
    expect(c.stdout).toMatch(new RegExp(`package-continuity  ${rec(0)}  records 1 of edge-1/items, between this selected record and seq 2`));
    expect(c.code).toBe(4);
  });

  it('catches a removed covering checkpoint: the one left does not show continuity, and is not the one the manifest names', async () => {
    const dir = await copy();
    await unlink(join(dir, 'checkpoints/edge-1/000000000000.json'));
    await relist(dir);
    const r = await verifyPackage(dir, '--trusted-key', publicKey);
    expect(r.stdout).toContain(
      `package-continuity  ${rec(0)}  manifest.json says checkpoints/edge-1/000000000000.json covers this selected record, but the oldest checkpoint in the package that does is checkpoints/edge-1/000000000002.json`,
    );
    expect(r.stdout).toMatch(new RegExp(`package-continuity  ${rec(0)}  records 3 to 5 of edge-1/items, between this selected record and seq 8`));
    expect(r.code).toBe(4);
  });

  it('catches checkpoints not signed by the trusted key', async () => {
    const other = await tempDir();
    await writeFile(join(other, 'other.pub.pem'), generateP256().publicPem);
    const r = await verifyPackage(pkg, '--trusted-key', join(other, 'other.pub.pem'));
    expect(r.stdout).toContain('checkpoint-signature  checkpoints/edge-1/000000000000.json');
    expect(r.stdout).toContain('checkpoint-signature  checkpoints/edge-1/000000000002.json');
    expect(r.code).toBe(4);
  });

  it('verifies a package written by evidence-agent sample, and catches a record removed from it', async () => {
    const out = join(await tempDir(), 'sample-cc7.2');
    const day = parseRecordKey(rec(0))!.day;
    const sample = await runCli(
      [
        'sample',
        '--store',
        `file:${store.root}`,
        '--from',
        day,
        '--to',
        parseRecordKey(rec(8))!.day,
        '--control',
        'CC7.2',
        '--seed',
        SEED,
        '--size',
        '3',
        '--out',
        out,
      ],
      { env: { LOG_LEVEL: 'warn' } },
    );
    expect(sample.stderr).toBe('');
    expect(sample.code).toBe(0);
    const r = await verifyPackage(out, '--trusted-key', publicKey);
    expect(r.stdout).toMatch(/Verified the evidence package .*: 3 selected/);
    expect(r.stdout).toContain('OK: every file matches manifest.json');
    expect(r.code).toBe(0);
    const { selected } = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { selected: { key: string }[] };
    await chmod(join(out, selected[0]!.key), 0o644);
    await unlink(join(out, selected[0]!.key));
    const removed = await verifyPackage(out, '--trusted-key', publicKey);
    expect(removed.stdout).toContain(`package-file-missing  ${selected[0]!.key}`);
    expect(removed.stdout).toContain(`package-selected-missing  ${selected[0]!.key}`);
    expect(removed.code).toBe(4);
  });

  it('refuses a window on a package, exit 2', async () => {
    const r = await verifyPackage(pkg, '--from', '2026-01-01');
    expect(r.stderr).toContain('is an evidence package (manifest.json), checked whole');
    expect(r.code).toBe(2);
  });
});

const moto = S3_SERVERS.find((s) => s.name === 'moto')!;

describe.skipIf(moto.unavailable !== null)(`a package made from an S3 store (moto${moto.unavailable ? `, skipped: ${moto.unavailable}` : ''})`, () => {
  const s3 = useS3Server(moto);

  it('verifies, and a tampered copy is caught', async () => {
    const dir = await tempDir();
    const bucket = `package-${process.pid}`;
    await createBucket(s3.client, bucket, 'locked');
    const { config, publicKey } = await agentFolder(dir, testStoreYaml(bucket, s3.server.endpoint));
    await snapshots(config, 2);
    const store = testS3Store(`s3://${bucket}/prod`, s3.server.endpoint);
    const pkg = join(dir, 'package');
    try {
      const selected = (await listAll(store, 'records/')).find((k) => parseRecordKey(k)!.seq === 4)!;
      await assemblePackage(store, [selected], pkg);
    } finally {
      await store.close();
    }
    const clean = await verifyPackage(pkg, '--trusted-key', publicKey);
    expect(clean.stdout).toContain('OK: every file matches manifest.json');
    expect(clean.stdout).toMatch(/it holds 3 records in 1 streams, 3 attachments/);
    expect(clean.code).toBe(0);

    const manifest = JSON.parse(await readFile(join(pkg, 'manifest.json'), 'utf8'));
    const blob = manifest.files.find((f: { path: string }) => f.path.startsWith('blobs/')).path as string;
    await writeFile(join(pkg, blob), 'replaced\n');
    const tampered = await verifyPackage(pkg, '--trusted-key', publicKey);
    expect(tampered.stdout).toContain(`package-file-mismatch  ${blob}`);
    expect(tampered.code).toBe(4);
  });
});
