import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../src/record/types.js';
import { generateP256, parsePrivateKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { runCli } from './helpers/cli.js';
import { insiderRewrite, type StoredRecord } from './helpers/insider.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { motoAvailable, type RunningServer, startMoto } from './servers/moto.js';
import { createBucket, TEST_ENV, testClient } from './servers/s3-buckets.js';
import { startTcpProxy, type TcpProxy } from './servers/tcp-proxy.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const moto = motoAvailable();
let counter = 0;

interface Agent {
  dir: string;
  config: string;
  store: string;
  privatePem: string;
  publicKey: string;
}

/** An agent writing to a local folder, signing with a fresh key, witnessing to `witness` (through the bucket at `endpoint`). */
async function agent(lines: { witness?: string; endpoint?: string; signing?: boolean; count?: number }): Promise<Agent> {
  const dir = await tempDir();
  const keys = generateP256();
  await writeFile(join(dir, 'checkpoint.pem'), keys.privatePem);
  await writeFile(join(dir, 'checkpoint.pub.pem'), keys.publicPem);
  const config = join(dir, 'agent.yaml');
  await writeConfig(config, lines);
  return { dir, config, store: join(dir, 'evidence'), privatePem: keys.privatePem, publicKey: join(dir, 'checkpoint.pub.pem') };
}

async function writeConfig(
  config: string,
  { witness, endpoint, signing = true, count = 2 }: { witness?: string; endpoint?: string; signing?: boolean; count?: number },
) {
  await writeFile(
    config,
    `${[
      'agent: { id: edge-1 }',
      'store: { url: file:./evidence }',
      ...(signing ? ['signing: { key: ./checkpoint.pem }'] : []),
      ...(witness ? [`witness: { url: "${witness}", s3: { endpoint: "${endpoint}", forcePathStyle: true, region: us-east-1 }, retries: 2 }`] : []),
      'collectors:',
      `  - { id: items, use: ${GATE}, options: { count: ${count} } }`,
    ].join('\n')}\n`,
  );
}

async function bucketKeys(client: S3Client, bucket: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function readRecords(store: string, stream: string): Promise<StoredRecord[]> {
  const files = (await filesUnder(store)).filter((f) => f.startsWith(`records/${stream}/`)).sort((a, b) => a.slice(-17).localeCompare(b.slice(-17)));
  return Promise.all(files.map(async (f) => ({ key: f, record: JSON.parse(await readFile(join(store, f), 'utf8')) as EvidenceRecord })));
}

/** An insider who holds the signing key rewrites record 1 of `edge-1/items` in the local store (read-only, not locked). */
async function rewriteInPlace(a: Agent): Promise<void> {
  const checkpointFiles = (await filesUnder(a.store)).filter((f) => f.startsWith('checkpoints/')).sort();
  const rewritten = await insiderRewrite({
    records: await readRecords(a.store, 'edge-1/items'),
    checkpoints: await Promise.all(checkpointFiles.map(async (f) => ({ key: f, bundle: JSON.parse(await readFile(join(a.store, f), 'utf8')) }))),
    signer: keyBundleSigner(parsePrivateKey(a.privatePem, 'the insider')),
  });
  for (const [key, text] of rewritten) {
    await chmod(join(a.store, key), 0o644);
    await writeFile(join(a.store, key), text);
  }
}

describe.skipIf(!moto)(`witnessed checkpoints on moto${moto ? '' : ' (skipped: moto_server is not installed)'}`, () => {
  let server: RunningServer;
  let client: S3Client;
  let proxy: TcpProxy;

  beforeAll(async () => {
    server = await startMoto();
    client = testClient(server.endpoint);
    proxy = await startTcpProxy(server.port);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    client?.destroy();
    await server?.stop();
  });

  async function witnessBucket(): Promise<string> {
    const bucket = `witness-${process.pid}-${++counter}`;
    await createBucket(client, bucket, 'locked');
    return bucket;
  }

  it('pushes each signed checkpoint to the witness bucket, and verify --witness exits 0; after an insider rewrite re-signed with the same key it exits 4', async () => {
    const bucket = await witnessBucket();
    const a = await agent({ witness: `s3://${bucket}/w`, endpoint: server.endpoint });
    for (let run = 0; run < 2; run++) {
      const snap = await runCli(['snapshot', '--config', a.config], { env: TEST_ENV });
      expect(snap.stderr).toBe('');
      expect(snap.code).toBe(0);
    }
    expect(await bucketKeys(client, bucket)).toEqual(['w/checkpoints/edge-1/000000000000.json', 'w/checkpoints/edge-1/000000000001.json']);
    // Byte for byte what the store holds, heads and signatures only.
    const witnessed = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'w/checkpoints/edge-1/000000000001.json' }));
    expect(Buffer.from(await witnessed.Body!.transformToByteArray())).toEqual(await readFile(join(a.store, 'checkpoints/edge-1/000000000001.json')));

    const witnessUrl = `s3://${bucket}/w`;
    const env = { ...TEST_ENV, AWS_ENDPOINT_URL: server.endpoint };
    const ok = await runCli(['verify', '--store', `file:${a.store}`, '--trusted-key', a.publicKey, '--witness', witnessUrl], { env });
    expect(ok.stdout).toContain(`Witness: ${witnessUrl}: edge-1 2 (newest #1)`);
    expect(ok.code).toBe(0);

    await rewriteInPlace(a);
    // The trusted key alone cannot tell: the insider signed with it.
    const keyOnly = await runCli(['verify', '--store', `file:${a.store}`, '--trusted-key', a.publicKey], { env });
    expect(keyOnly.code).toBe(0);
    const caught = await runCli(['verify', '--store', `file:${a.store}`, '--trusted-key', a.publicKey, '--witness', witnessUrl, '--json'], { env });
    expect(caught.code).toBe(4);
    const report = JSON.parse(caught.stdout) as { problems: { kind: string; key: string }[] };
    const kinds = new Set(report.problems.map((p) => p.kind));
    expect(kinds).toContain('witness-mismatch');
    expect(kinds).toContain('witness-rollback');
    expect(report.problems.filter((p) => p.kind === 'witness-mismatch').map((p) => p.key)).toEqual([
      'checkpoints/edge-1/000000000000.json',
      'checkpoints/edge-1/000000000001.json',
    ]);
  });

  it('a run while the witness is down keeps its evidence, says what is pending, and the next run witnesses it', async () => {
    const bucket = await witnessBucket();
    const a = await agent({ witness: `s3://${bucket}/w`, endpoint: proxy.endpoint });
    expect((await runCli(['snapshot', '--config', a.config], { env: TEST_ENV })).code).toBe(0);
    await proxy.cut();
    let down: Awaited<ReturnType<typeof runCli>>;
    try {
      down = await runCli(['snapshot', '--config', a.config], { env: TEST_ENV });
    } finally {
      await proxy.restore();
    }
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`1 checkpoints are not witnessed at s3://${bucket}/w`);
    expect(down.stderr).toContain('the next run sends them to the witness');
    // The evidence and the checkpoint are in the store all the same.
    expect((await filesUnder(a.store)).filter((f) => f.startsWith('checkpoints/'))).toHaveLength(2);
    expect(await bucketKeys(client, bucket)).toEqual(['w/checkpoints/edge-1/000000000000.json']);
    const marker = (await filesUnder(join(a.dir, '.evidence-spool'))).find((f) => f.startsWith('.known/witness/'))!;
    expect(JSON.parse(await readFile(join(a.dir, '.evidence-spool', marker), 'utf8'))).toMatchObject({ agent: 'edge-1', witnessedThrough: 0 });

    expect((await runCli(['snapshot', '--config', a.config], { env: TEST_ENV })).code).toBe(0);
    expect(await bucketKeys(client, bucket)).toEqual([
      'w/checkpoints/edge-1/000000000000.json',
      'w/checkpoints/edge-1/000000000001.json',
      'w/checkpoints/edge-1/000000000002.json',
    ]);
    const env = { ...TEST_ENV, AWS_ENDPOINT_URL: server.endpoint };
    const ok = await runCli(['verify', '--store', `file:${a.store}`, '--trusted-key', a.publicKey, '--witness', `s3://${bucket}/w`], { env });
    expect(ok.code).toBe(0);
  });
});

describe('verify --require-signed', () => {
  it('exits 4 on an unsigned store, naming the agent; without the flag the same store verifies (with a warning)', async () => {
    const a = await agent({ signing: false });
    expect((await runCli(['snapshot', '--config', a.config], { env: { LOG_LEVEL: 'warn' } })).code).toBe(0);
    const lax = await runCli(['verify', '--store', `file:${a.store}`]);
    expect(lax.code).toBe(0);
    const strict = await runCli(['verify', '--store', `file:${a.store}`, '--require-signed']);
    expect(strict.stdout).toMatch(/checkpoint-missing\s+checkpoints\/edge-1\/\s+agent edge-1 has \d+ records/);
    expect(strict.code).toBe(4);
  });
});
