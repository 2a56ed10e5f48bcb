/**
 * Issue 19's Acceptance, as written, through the CLI on moto (S3 and KMS on one endpoint): a locked evidence bucket,
 * a witness bucket, checkpoints signed by a KMS ECC P-256 key and timestamped by a TSA on loopback.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceRecord } from '../src/record/types.js';
import { generateP256, parsePrivateKey } from '../src/signing/keys.js';
import { awsKmsSigner } from '../src/signing/kms/aws-kms.js';
import { type BundleSigner, keyBundleSigner } from '../src/signing/sign.js';
import { addTimestamp } from '../src/signing/timestamp-authority.js';
import { readTsaTrust } from '../src/signing/tsa-config.js';
import { runCli } from './helpers/cli.js';
import { insiderRewrite } from './helpers/insider.js';
import { tempDir } from './helpers/tmp.js';
import { makeTsaFiles, type RunningTsa, startOpensslTsa } from './servers/openssl-tsa.js';
import { createBucket, TEST_CREDENTIALS, TEST_ENV, testStoreYaml } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const moto = S3_SERVERS.find((k) => k.name === 'moto')!;
const STREAM = 'edge-1/items';
let counter = 0;

interface Problem {
  kind: string;
  key: string;
}

describe.skipIf(moto.unavailable !== null)(`issue 19 acceptance on moto${moto.unavailable ? ` (skipped: ${moto.unavailable})` : ''}`, () => {
  const s3 = useS3Server(moto);
  let kms: KMSClient;
  let tsa: RunningTsa;

  beforeAll(async () => {
    kms = new KMSClient({ endpoint: s3.server.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    tsa = await startOpensslTsa(await mkdtemp(join(tmpdir(), 'ea-tsa-')));
  });
  afterAll(async () => {
    kms?.destroy();
    await tsa?.stop();
  });

  async function bucket(role: string): Promise<string> {
    const name = `${role}-${process.pid}-${++counter}`;
    await createBucket(s3.client, name, 'locked');
    return name;
  }

  /** The environment of verify, which finds the buckets through the SDK's endpoint variable. */
  const verifyEnv = () => ({ ...TEST_ENV, AWS_ENDPOINT_URL: s3.server.endpoint });

  /** An agent config writing to `store` (prefix prod/), with the given `signing:` and `witness:` lines. */
  async function agentConfig(store: string, extra: string[]): Promise<{ dir: string; config: string }> {
    const dir = await tempDir();
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      `${['agent: { id: edge-1 }', ...testStoreYaml(store, s3.server.endpoint), ...extra, 'collectors:', `  - { id: items, use: ${GATE}, options: { count: 3 } }`].join('\n')}\n`,
    );
    return { dir, config };
  }

  async function snapshot(config: string): Promise<void> {
    const r = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }

  async function getText(Bucket: string, Key: string): Promise<string> {
    return (await s3.client.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
  }

  async function putLocked(Bucket: string, Key: string, body: string): Promise<void> {
    const ContentMD5 = createHash('md5').update(body).digest('base64');
    await s3.client.send(new PutObjectCommand({ Bucket, Key, Body: body, ContentMD5 }));
  }

  /**
   * The insider's store: every object of s3://<from>/prod copied to a fresh locked bucket, with record 1 of the
   * stream changed, the chain re-hashed and the checkpoints re-signed by `signer` and timestamped again by the
   * TSA (a public TSA timestamps for anyone). Every object there is a single locked version, as the agent writes them.
   */
  async function forgedCopy(from: string, signer: BundleSigner): Promise<string> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.client.send(new ListObjectsV2Command({ Bucket: from, Prefix: 'prod/', ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    const original = new Map(await Promise.all(keys.map(async (k) => [k, await getText(from, k)] as const)));
    const records = keys
      .filter((k) => k.startsWith(`prod/records/${STREAM}/`))
      .map((k) => ({ key: k, record: JSON.parse(original.get(k)!) as EvidenceRecord }))
      .sort((a, b) => a.record.seq - b.record.seq);
    const checkpoints = keys
      .filter((k) => k.startsWith('prod/checkpoints/'))
      .sort()
      .map((k) => ({ key: k, bundle: JSON.parse(original.get(k)!) }));
    const trust = await readTsaTrust(tsa.certificates, 'tsa');
    const rewritten = await insiderRewrite({ records, checkpoints, signer, finish: (b) => addTimestamp(b, { url: tsa.url, trust }) });
    const to = await bucket('insider');
    for (const [k, text] of original) await putLocked(to, k, rewritten.get(k) ?? text);
    return to;
  }

  it('KMS-signed, timestamped, witnessed checkpoints verify; a rewrite re-signed with another key, or with the KMS key itself, exits 4', async () => {
    const store = await bucket('evidence');
    const witness = await bucket('witness');
    const arn = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'issue 19 acceptance' }))).KeyMetadata!
      .Arn!;
    const { dir, config } = await agentConfig(store, [
      `signing: { kms: { keyId: '${arn}', endpoint: '${s3.server.endpoint}' }, tsa: { url: "${tsa.url}", certificates: ${tsa.certificates} } }`,
      `witness: { url: "s3://${witness}/w", s3: { endpoint: "${s3.server.endpoint}", forcePathStyle: true, region: us-east-1 }, retries: 2 }`,
    ]);
    await snapshot(config);
    await snapshot(config);

    const keygen = await runCli(['keygen', '--kms', arn, '--endpoint', s3.server.endpoint, '--out', join(dir, 'kms')], { env: TEST_ENV });
    expect(keygen.code, keygen.stderr).toBe(0);
    const pem = join(dir, 'kms.pub.pem');
    const witnessUrl = `s3://${witness}/w`;
    const verify = (bucketName: string, ...more: string[]) =>
      runCli(['verify', '--store', `s3://${bucketName}/prod`, '--trusted-key', pem, ...more, '--json'], { env: verifyEnv() });
    const full = (bucketName: string) => verify(bucketName, '--witness', witnessUrl, '--tsa-certificates', tsa.certificates);

    // 1. The untouched store.
    const ok = await full(store);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as { checkpoints: { count: number; timestamps: { verified: number } } };
    expect(report.checkpoints.count).toBe(2);
    expect(report.checkpoints.timestamps.verified).toBe(2);
    // The TSA check bites: the same store against another TSA's chain does not verify.
    const otherTsa = makeTsaFiles(await tempDir(), 'Other TSA');
    const wrongTsa = await verify(store, '--tsa-certificates', otherTsa.certificates);
    expect(wrongTsa.code).toBe(4);
    expect((JSON.parse(wrongTsa.stdout) as { problems: Problem[] }).problems.map((p) => p.kind)).toEqual(['checkpoint-timestamp', 'checkpoint-timestamp']);

    // The locked bucket does not let anyone change what verify reads: a second PUT of a record only adds a newer
    // version (verify reads the oldest and reports the attempt), and the locked original cannot be deleted.
    const recordKey = (await s3.client.send(new ListObjectsV2Command({ Bucket: store, Prefix: `prod/records/${STREAM}/` })))
      .Contents!.map((o) => o.Key!)
      .sort()[1]!;
    const [lockedVersion] = (await s3.client.send(new ListObjectVersionsCommand({ Bucket: store, Prefix: recordKey }))).Versions!;
    await expect(s3.client.send(new DeleteObjectCommand({ Bucket: store, Key: recordKey, VersionId: lockedVersion!.VersionId }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    // So the insider's rewrite is a look-alike store in a bucket of their own, offered to the auditor in its place.

    // 2. Re-signed with any other key: the trusted key catches it.
    const otherKey = keyBundleSigner(parsePrivateKey(generateP256().privatePem, 'another key'));
    const byOther = await full(await forgedCopy(store, otherKey));
    expect(byOther.code).toBe(4);
    const otherKinds = new Set((JSON.parse(byOther.stdout) as { problems: Problem[] }).problems.map((p) => p.kind));
    expect(otherKinds).toContain('checkpoint-signature');

    // 3. Re-signed with the KMS key itself, by an insider who may call kms:Sign, and timestamped afresh.
    const insiderStore = await forgedCopy(store, keyBundleSigner(await awsKmsSigner({ keyId: arn, endpoint: s3.server.endpoint })));
    const keyOnly = await verify(insiderStore, '--tsa-certificates', tsa.certificates);
    expect(keyOnly.code, keyOnly.stdout).toBe(0);
    const byInsider = await full(insiderStore);
    expect(byInsider.code).toBe(4);
    const problems = (JSON.parse(byInsider.stdout) as { problems: Problem[] }).problems;
    // Only the witness tells: the rewritten checkpoints differ from the witnessed ones, and the store no longer extends them.
    expect(new Set(problems.map((p) => p.kind))).toEqual(new Set(['witness-mismatch', 'witness-rollback']));
    expect(problems.filter((p) => p.kind === 'witness-mismatch').map((p) => p.key)).toEqual([
      'checkpoints/edge-1/000000000000.json',
      'checkpoints/edge-1/000000000001.json',
    ]);
  });

  it('verify --require-signed exits 4 on an unsigned store in a locked bucket', async () => {
    const store = await bucket('unsigned');
    await snapshot((await agentConfig(store, [])).config);
    const lax = await runCli(['verify', '--store', `s3://${store}/prod`], { env: verifyEnv() });
    expect(lax.code, lax.stdout).toBe(0);
    const strict = await runCli(['verify', '--store', `s3://${store}/prod`, '--require-signed'], { env: verifyEnv() });
    expect(strict.stdout).toMatch(/checkpoint-missing\s+checkpoints\/edge-1\/\s+agent edge-1 has \d+ records/);
    expect(strict.code).toBe(4);
  });
});
