import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyHint, parsePublicKey } from '../src/signing/keys.js';
import { runCli } from './helpers/cli.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { type GcpKmsStandIn, startGcpKmsStandIn } from './servers/gcp-kms-standin.js';
import { freePort } from './servers/moto.js';

/** The agent logs only warnings and errors, so stderr shows what went wrong. */
const env = { LOG_LEVEL: 'warn' };
const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const RING = 'projects/audit-1/locations/europe-west1/keyRings/evidence';
const SIGNING = `${RING}/cryptoKeys/checkpoints/cryptoKeyVersions/1`;
const DENIED = `${RING}/cryptoKeys/checkpoints/cryptoKeyVersions/2`;
const RSA = `${RING}/cryptoKeys/rsa/cryptoKeyVersions/1`;
const FAULTY = `${RING}/cryptoKeys/faulty/cryptoKeyVersions/1`;
const MISSING = `${RING}/cryptoKeys/checkpoints/cryptoKeyVersions/9`;

async function agentConfig(dir: string, keyVersion: string, endpoint: string): Promise<string> {
  const config = join(dir, 'agent.yaml');
  await writeFile(
    config,
    `${[
      'agent: { id: edge-1 }',
      'store: { url: file:./evidence }',
      `signing: { gcpKms: { keyVersion: '${keyVersion}', endpoint: '${endpoint}' } }`,
      'collectors:',
      `  - { id: items, use: ${GATE}, options: { count: 2 } }`,
    ].join('\n')}\n`,
  );
  return config;
}

async function checkpointCount(dir: string): Promise<number> {
  return (await filesUnder(join(dir, 'evidence'))).filter((f) => f.startsWith('checkpoints/')).length;
}

describe('checkpoints and model signatures through Google Cloud KMS, against a loopback stand-in of its REST API', () => {
  let kms: GcpKmsStandIn;
  beforeAll(async () => {
    kms = await startGcpKmsStandIn({
      [SIGNING]: {},
      [DENIED]: { denied: true },
      [RSA]: { algorithm: 'RSA_SIGN_PSS_2048_SHA256' },
      [FAULTY]: { signsWithOtherKey: true },
    });
  });
  afterAll(() => kms?.close());

  it('signs checkpoints with the key version; verify --trusted-key <keygen --kms PEM> exits 0', async () => {
    const dir = await tempDir();
    const snap = await runCli(['snapshot', '--config', await agentConfig(dir, SIGNING, kms.url)], { env });
    expect(snap.stderr).toBe('');
    expect(snap.code).toBe(0);
    // Only the public key and a digest crossed: the REST calls the API documents, nothing else.
    expect(new Set(kms.requests)).toEqual(new Set([`GET /v1/${SIGNING}/publicKey`, `POST /v1/${SIGNING}:asymmetricSign`]));

    const keygen = await runCli(['keygen', '--kms', SIGNING, '--endpoint', kms.url]);
    expect(keygen.code).toBe(0);
    expect(keygen.stdout).toBe(kms.publicKeyPem(SIGNING));
    await writeFile(join(dir, 'gcp.pub.pem'), keygen.stdout);
    const [file] = (await filesUnder(join(dir, 'evidence'))).filter((f) => f.startsWith('checkpoints/'));
    const bundle = JSON.parse(await readFile(join(dir, 'evidence', file!), 'utf8')) as { verificationMaterial: { publicKey: { hint: string } } };
    expect(bundle.verificationMaterial.publicKey.hint).toBe(keyHint(parsePublicKey(keygen.stdout, 'gcp.pub.pem')));

    const ok = await runCli(['verify', '--store', `file:${join(dir, 'evidence')}`, '--trusted-key', join(dir, 'gcp.pub.pem')]);
    expect(ok.stdout).toMatch(/Checkpoints: 1, .*signatures verified with the trusted key/);
    expect(ok.code).toBe(0);
  });

  it('model sign --kms <key version> writes a signature that model verify accepts with its public key', async () => {
    const dir = await tempDir();
    const model = join(dir, 'model');
    await mkdir(model);
    await writeFile(join(model, 'weights.bin'), Buffer.alloc(1024, 3));
    await writeFile(join(dir, 'gcp.pub.pem'), kms.publicKeyPem(SIGNING));
    const signed = await runCli(['model', 'sign', model, '--kms', SIGNING, '--endpoint', kms.url], { env });
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    const ok = await runCli(['model', 'verify', model, '--public-key', join(dir, 'gcp.pub.pem')]);
    expect(ok.stdout).toMatch(/^OK: 1 files match/);
    expect(ok.code).toBe(0);
  });

  it('says which role to grant when Cloud KMS refuses, exit 2, and writes no checkpoint', async () => {
    const dir = await tempDir();
    const r = await runCli(['snapshot', '--config', await agentConfig(dir, DENIED, kms.url)]);
    expect(r.stderr).toMatch(/signing\.gcpKms\.keyVersion .*cryptoKeyVersions\/2: getPublicKey was refused .*roles\/cloudkms\.signerVerifier/);
    expect(r.code).toBe(2);
    expect(await checkpointCount(dir)).toBe(0);
  });

  it('refuses a key version that is not EC_SIGN_P256_SHA256 or does not exist, exit 2, naming it', async () => {
    const rsa = await runCli(['keygen', '--kms', RSA, '--endpoint', kms.url]);
    expect(rsa.stderr).toMatch(/signing\.gcpKms\.keyVersion .*rsa\/cryptoKeyVersions\/1 has algorithm RSA_SIGN_PSS_2048_SHA256; .*need EC_SIGN_P256_SHA256/);
    expect(rsa.code).toBe(2);
    const missing = await runCli(['keygen', '--kms', MISSING, '--endpoint', kms.url]);
    expect(missing.stderr).toMatch(/cryptoKeyVersions\/9: the key version cannot be used .*Check the resource name/);
    expect(missing.code).toBe(2);
  });

  it('refuses a signature that the key version’s public key does not verify, and writes no checkpoint', async () => {
    const dir = await tempDir();
    const r = await runCli(['snapshot', '--config', await agentConfig(dir, FAULTY, kms.url)]);
    expect(r.stderr).toMatch(/Cloud KMS returned a signature that its public key does not verify/);
    expect(r.code).not.toBe(0);
    expect(await checkpointCount(dir)).toBe(0);
  });

  it('says Cloud KMS could not be reached, exit 1, when the endpoint is unreachable', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await runCli(['keygen', '--kms', SIGNING, '--endpoint', closed]);
    expect(r.stderr).toMatch(/signing\.gcpKms\.keyVersion .*: Cloud KMS could not be reached for getPublicKey .*signing\.gcpKms\.endpoint/);
    expect(r.code).toBe(1);
  });

  it('rejects --region with a Cloud KMS key version, exit 2', async () => {
    const r = await runCli(['keygen', '--kms', SIGNING, '--region', 'us-east-1', '--endpoint', kms.url]);
    expect(r.stderr).toMatch(/--region is for AWS KMS keys/);
    expect(r.code).toBe(2);
  });
});
