import { createPublicKey, verify } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateP256, keyHint, parsePrivateKey, parsePublicKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { runCli } from './helpers/cli.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { freePort, motoAvailable, type RunningServer, startMoto } from './servers/moto.js';
import { TEST_CREDENTIALS, TEST_ENV } from './servers/s3-buckets.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const moto = motoAvailable();

/** An agent config writing to a local write-once folder and signing its checkpoints with `signing`. */
async function agentConfig(dir: string, signing: string): Promise<string> {
  const config = join(dir, 'agent.yaml');
  await writeFile(
    config,
    `${['agent: { id: edge-1 }', 'store: { url: file:./evidence }', `signing: ${signing}`, 'collectors:', `  - { id: items, use: ${GATE}, options: { count: 3 } }`].join('\n')}\n`,
  );
  return config;
}

/** The checkpoint files of a store, oldest first. */
async function checkpoints(dir: string): Promise<string[]> {
  const store = join(dir, 'evidence');
  return (await filesUnder(store))
    .filter((f) => f.startsWith('checkpoints/'))
    .sort()
    .map((f) => join(store, f));
}

/** What someone holding another key does: signs the checkpoint's own payload again, and puts that bundle in its place. */
async function resign(file: string, privatePem: string): Promise<void> {
  const bundle = JSON.parse(await readFile(file, 'utf8')) as { dsseEnvelope: { payload: string; payloadType: string } };
  const signer = keyBundleSigner(parsePrivateKey(privatePem, 'another key'));
  const forged = await signer.sign(Buffer.from(bundle.dsseEnvelope.payload, 'base64'), bundle.dsseEnvelope.payloadType);
  await chmod(file, 0o644);
  await writeFile(file, JSON.stringify(forged));
}

describe.skipIf(!moto)(`checkpoints and model signatures through AWS KMS on moto${moto ? '' : ' (skipped: moto_server is not installed)'}`, () => {
  let server: RunningServer;
  let kms: KMSClient;
  let env: NodeJS.ProcessEnv;

  async function createKey(KeySpec: 'ECC_NIST_P256' | 'ECC_SECG_P256K1' | 'RSA_2048'): Promise<string> {
    const out = await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage: 'SIGN_VERIFY', Description: 'evidence-agent test' }));
    return out.KeyMetadata!.Arn!;
  }

  beforeAll(async () => {
    server = await startMoto();
    kms = new KMSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
    env = { ...TEST_ENV, AWS_ENDPOINT_URL_KMS: server.endpoint };
  }, 60_000);
  afterAll(async () => {
    kms?.destroy();
    await server?.stop();
  });

  it('moto signs with an ECC_NIST_P256 key: a RAW ECDSA_SHA_256 signature verifies with its public key', async () => {
    // The premise of every test below; if moto stops doing this, they would fail for a reason that is not ours.
    const arn = await createKey('ECC_NIST_P256');
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: arn }));
    expect(pub.KeySpec ?? pub.CustomerMasterKeySpec).toBe('ECC_NIST_P256');
    const key = createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const message = Buffer.from('a checkpoint');
    const out = await kms.send(new SignCommand({ KeyId: arn, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
    expect(verify('sha256', message, key, Buffer.from(out.Signature!))).toBe(true);
  });

  it('signs checkpoints with the KMS key; verify --trusted-key <keygen --kms PEM> exits 0, and 4 once a checkpoint is re-signed with another key', async () => {
    const arn = await createKey('ECC_NIST_P256');
    const dir = await tempDir();
    // The endpoint in the config, the way a VPC endpoint would be given.
    const config = await agentConfig(dir, `{ kms: { keyId: '${arn}', endpoint: '${server.endpoint}' } }`);
    for (let run = 0; run < 2; run++) {
      const snap = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
      expect(snap.stderr).toBe('');
      expect(snap.code).toBe(0);
    }

    const keygen = await runCli(['keygen', '--kms', arn, '--endpoint', server.endpoint, '--out', join(dir, 'kms')], { env: TEST_ENV });
    expect(keygen.stderr).toBe('');
    expect(keygen.code).toBe(0);
    const pem = await readFile(join(dir, 'kms.pub.pem'), 'utf8');
    const aws = await kms.send(new GetPublicKeyCommand({ KeyId: arn }));
    expect(parsePublicKey(pem, 'kms.pub.pem').export({ type: 'spki', format: 'der' })).toEqual(Buffer.from(aws.PublicKey!));

    const files = await checkpoints(dir);
    expect(files).toHaveLength(2);
    const bundle = JSON.parse(await readFile(files[0]!, 'utf8')) as { verificationMaterial: { publicKey: { hint: string } } };
    // The key hint is the SHA-256 of the public key PEM, as for a key in a file.
    expect(bundle.verificationMaterial.publicKey.hint).toBe(keyHint(parsePublicKey(pem, 'kms.pub.pem')));

    const verify = ['verify', '--store', `file:${join(dir, 'evidence')}`, '--trusted-key', join(dir, 'kms.pub.pem')];
    const ok = await runCli(verify);
    expect(ok.stdout).toMatch(/Checkpoints: 2, .*signatures verified with the trusted key/);
    expect(ok.code).toBe(0);

    await resign(files[1]!, generateP256().privatePem);
    const forged = await runCli(verify);
    expect(forged.stdout).toMatch(/checkpoint-signature.*checkpoints\/edge-1\/000000000001\.json/);
    expect(forged.code).toBe(4);
  });

  it('keygen --kms prints the public key PEM when no --out is given; --region must match the key', async () => {
    const arn = await createKey('ECC_NIST_P256');
    const printed = await runCli(['keygen', '--kms', arn], { env });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const wrongRegion = await runCli(['keygen', '--kms', arn.split('/').at(-1)!, '--region', 'eu-west-1'], { env });
    expect(wrongRegion.code).toBe(2);
    expect(wrongRegion.stderr).toMatch(/signing\.kms\.keyId .*cannot be used .*region/);
  });

  it('model sign --kms writes a signature that model verify accepts with the KMS public key', async () => {
    const arn = await createKey('ECC_NIST_P256');
    const dir = await tempDir();
    const model = join(dir, 'model');
    await mkdir(model);
    await writeFile(join(model, 'weights.bin'), Buffer.alloc(4096, 7));
    await writeFile(join(model, 'config.json'), '{"layers": 2}\n');
    expect((await runCli(['keygen', '--kms', arn, '--out', join(dir, 'release')], { env })).code).toBe(0);

    const signed = await runCli(['model', 'sign', model, '--kms', arn], { env });
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    const ok = await runCli(['model', 'verify', model, '--public-key', join(dir, 'release.pub.pem')]);
    expect(ok.stdout).toMatch(/^OK: 2 files match/);
    expect(ok.code).toBe(0);
    const other = join(dir, 'other.pub.pem');
    await writeFile(other, generateP256().publicPem);
    expect((await runCli(['model', 'verify', model, '--public-key', other])).code).toBe(4);
  });

  it('refuses a key that is not ECC_NIST_P256, exit 2, saying which key spec to use', async () => {
    for (const spec of ['RSA_2048', 'ECC_SECG_P256K1'] as const) {
      const dir = await tempDir();
      const config = await agentConfig(dir, `{ kms: { keyId: '${await createKey(spec)}' } }`);
      const r = await runCli(['snapshot', '--config', config], { env });
      expect(r.stderr).toMatch(new RegExp(`signing\\.kms\\.keyId .* is a ${spec} key .*need KeySpec ECC_NIST_P256 with KeyUsage SIGN_VERIFY`));
      expect(r.code).toBe(2);
      expect(await checkpoints(dir)).toEqual([]);
    }
  });

  it('refuses a key that does not exist, exit 2, naming the key and what to check', async () => {
    // Moto signs with a disabled key too, so only a missing one can be shown here.
    const dir = await tempDir();
    const r = await runCli(['snapshot', '--config', await agentConfig(dir, '{ kms: { keyId: alias/no-such-key } }')], { env });
    expect(r.stderr).toMatch(
      /signing\.kms\.keyId alias\/no-such-key: the key cannot be used \(NotFoundException: .*\)\. Check the ARN or alias and the region/,
    );
    expect(r.code).toBe(2);
  });

  it('says KMS did not answer, exit 1, when the endpoint is unreachable', async () => {
    const dir = await tempDir();
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await runCli(['snapshot', '--config', await agentConfig(dir, `{ kms: { keyId: alias/checkpoints, endpoint: '${closed}' } }`)], {
      env: TEST_ENV,
    });
    expect(r.stderr).toMatch(/signing\.kms\.keyId alias\/checkpoints: AWS KMS did not answer kms:GetPublicKey .*network path/);
    expect(r.code).toBe(1);
  });
});
