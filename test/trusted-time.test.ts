import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointKey } from '../src/checkpoint/checkpoint.js';
import { canonicalize } from '../src/record/canonical-json.js';
import { parsePrivateKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { addTimestamp } from '../src/signing/timestamp-authority.js';
import { readTsaTrust } from '../src/signing/tsa-config.js';
import { runCli } from './helpers/cli.js';
import { policyConfig } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { makeTsaFiles, type RunningTsa, startOpensslTsa } from './servers/openssl-tsa.js';
import { startTcpProxy, type TcpProxy } from './servers/tcp-proxy.js';

interface StoredBundle {
  verificationMaterial: { timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] } };
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

let tsaDir: string;
let tsa: RunningTsa;
let proxy: TcpProxy;
/** The TSA's URL through a proxy a test can cut, as a network outage would. */
let tsaUrl: string;

beforeAll(async () => {
  tsaDir = await mkdtemp(join(tmpdir(), 'ea-tsa-'));
  tsa = await startOpensslTsa(tsaDir);
  proxy = await startTcpProxy(Number(new URL(tsa.url).port));
  tsaUrl = `http://127.0.0.1:${proxy.port}/tsr`;
});

afterAll(async () => {
  await proxy?.close();
  await tsa?.stop();
});

/** A config folder that signs with a fresh key and timestamps with the loopback TSA; the public key at keys/cp.pub.pem. */
async function timestampedAgent(): Promise<{ dir: string; config: string; store: string; pub: string; key: string }> {
  const dir = await tempDir();
  const config = await policyConfig(dir);
  expect((await runCli(['keygen', '--out', join(dir, 'keys', 'cp')])).code).toBe(0);
  await writeFile(
    config,
    (await readFile(config, 'utf8')).replace(
      'collectors:',
      `signing: { key: keys/cp.pem, tsa: { url: "${tsaUrl}", certificates: ${tsa.certificates} } }\ncollectors:`,
    ),
  );
  return { dir, config, store: join(dir, 'evidence'), pub: join(dir, 'keys', 'cp.pub.pem'), key: join(dir, 'keys', 'cp.pem') };
}

async function readBundle(store: string, seq: number): Promise<StoredBundle> {
  return JSON.parse(await readFile(join(store, checkpointKey('t1', seq)), 'utf8')) as StoredBundle;
}

/** What an insider with write access does: replaces a checkpoint file in a local store (which is read-only, not locked). */
async function overwrite(store: string, seq: number, bundle: unknown): Promise<void> {
  const file = join(store, checkpointKey('t1', seq));
  await chmod(file, 0o644);
  await writeFile(file, `${JSON.stringify(bundle)}\n`);
}

function verifyArgs(a: { store: string; pub: string }, ...more: string[]): string[] {
  return ['verify', '--store', `file:${a.store}`, '--trusted-key', a.pub, '--tsa-certificates', tsa.certificates, '--json', ...more];
}

describe('checkpoints with an RFC 3161 timestamp from a TSA', () => {
  it('every checkpoint of a snapshot carries one that verify checks, and openssl ts -verify accepts', async () => {
    const a = await timestampedAgent();
    for (let i = 0; i < 2; i++) expect((await runCli(['snapshot', '--config', a.config])).code).toBe(0);
    const r = await runCli(verifyArgs(a));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { checkpoints: { count: number; timestamps: { verified: number } } };
    expect(report.checkpoints.count).toBe(2);
    expect(report.checkpoints.timestamps.verified).toBe(2);

    // The auditor's procedure by hand (evidence-schema/README.md): the reply over the DSSE signature, checked by openssl.
    const bundle = await readBundle(a.store, 1);
    const work = await tempDir();
    await writeFile(
      join(work, 'reply.tsr'),
      Buffer.from(bundle.verificationMaterial.timestampVerificationData!.rfc3161Timestamps[0]!.signedTimestamp, 'base64'),
    );
    await writeFile(join(work, 'sig.bin'), Buffer.from(bundle.dsseEnvelope.signatures[0]!.sig, 'base64'));
    const out = execFileSync(
      'openssl',
      ['ts', '-verify', '-in', 'reply.tsr', '-data', 'sig.bin', '-CAfile', tsa.caFile, '-untrusted', join(tsaDir, 'tsa.crt')],
      {
        cwd: work,
        encoding: 'utf8',
      },
    );
    expect(out).toMatch(/Verification: OK/);
  });

  it('catches a timestamp taken from another checkpoint, and a re-signed checkpoint whose createdAt was moved', async () => {
    const a = await timestampedAgent();
    for (let i = 0; i < 3; i++) expect((await runCli(['snapshot', '--config', a.config])).code).toBe(0);
    const [b0, b1, b2] = [await readBundle(a.store, 0), await readBundle(a.store, 1), await readBundle(a.store, 2)];
    // 0: carries checkpoint 1's timestamp.
    await overwrite(a.store, 0, {
      ...b0,
      verificationMaterial: { ...b0.verificationMaterial, timestampVerificationData: b1.verificationMaterial.timestampVerificationData },
    });
    // 1 and 2: createdAt moved back an hour and re-signed with the agent's own key (an insider who holds it); 2 also gets
    // a fresh, valid timestamp from the TSA, which dates it now.
    const signer = keyBundleSigner(parsePrivateKey(await readFile(a.key, 'utf8'), 'key'));
    const trust = await readTsaTrust(tsa.certificates, 'tsa');
    const backdated = async (b: StoredBundle) => {
      const payload = JSON.parse(Buffer.from(b.dsseEnvelope.payload, 'base64').toString('utf8')) as { createdAt: string };
      payload.createdAt = new Date(Date.parse(payload.createdAt) - 3_600_000).toISOString();
      return signer.sign(Buffer.from(canonicalize(payload), 'utf8'), b.dsseEnvelope.payloadType);
    };
    const resigned1 = await backdated(b1);
    await overwrite(a.store, 1, { ...resigned1, verificationMaterial: b1.verificationMaterial });
    await overwrite(a.store, 2, await addTimestamp(await backdated(b2), { url: tsaUrl, trust }));

    const r = await runCli(verifyArgs(a));
    expect(r.code, r.stdout).toBe(4);
    const problems = (JSON.parse(r.stdout) as { problems: { kind: string; key: string; message: string }[] }).problems;
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'checkpoint-timestamp', key: checkpointKey('t1', 0) }));
    expect(problems).toContainEqual(expect.objectContaining({ kind: 'checkpoint-timestamp', key: checkpointKey('t1', 1) }));
    expect(problems).toContainEqual(
      expect.objectContaining({
        kind: 'checkpoint-timestamp-skew',
        key: checkpointKey('t1', 2),
        message: expect.stringMatching(/3[56]\d\d s later \(tolerance 300 s\)/),
      }),
    );
  });

  it('a TSA that cannot be reached: the checkpoint is written without a timestamp and a warning, and the next timestamped one bounds it', async () => {
    const a = await timestampedAgent();
    await proxy.cut();
    let down: Awaited<ReturnType<typeof runCli>>;
    try {
      down = await runCli(['snapshot', '--config', a.config]);
    } finally {
      await proxy.restore();
    }
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toMatch(
      /checkpoint is written without a trusted timestamp: the TSA at http:\/\/127\.0\.0\.1:\d+\/tsr did not timestamp the checkpoint/,
    );
    expect((await readBundle(a.store, 0)).verificationMaterial.timestampVerificationData?.rfc3161Timestamps ?? []).toEqual([]);

    // Alone, nothing outside the agent dates it.
    const alone = await runCli(verifyArgs(a));
    expect(alone.code).toBe(4);
    expect(JSON.parse(alone.stdout).problems).toEqual([expect.objectContaining({ kind: 'checkpoint-timestamp-missing', key: checkpointKey('t1', 0) })]);

    expect((await runCli(['snapshot', '--config', a.config])).code).toBe(0);
    const bounded = await runCli(verifyArgs(a));
    expect(bounded.code, bounded.stdout).toBe(0);
    expect(JSON.parse(bounded.stdout).warnings).toContainEqual(
      expect.stringMatching(/checkpoints\/t1\/000000000000\.json carries no RFC 3161 timestamp .*checkpoints\/t1\/000000000001\.json, timestamped at/),
    );
  });

  it('verify with TSA certificates reports checkpoints signed without a TSA; with a wrong TSA chain it says the timestamp does not verify', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    expect((await runCli(['keygen', '--out', join(dir, 'cp')])).code).toBe(0);
    await writeFile(config, (await readFile(config, 'utf8')).replace('collectors:', 'signing: { key: cp.pem }\ncollectors:'));
    expect((await runCli(['snapshot', '--config', config])).code).toBe(0);
    const r = await runCli(verifyArgs({ store: join(dir, 'evidence'), pub: join(dir, 'cp.pub.pem') }));
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).problems).toEqual([expect.objectContaining({ kind: 'checkpoint-timestamp-missing' })]);

    const a = await timestampedAgent();
    expect((await runCli(['snapshot', '--config', a.config])).code).toBe(0);
    const other = await tempDir();
    const wrong = makeTsaFiles(other, 'Other TSA');
    const w = await runCli(['verify', '--store', `file:${a.store}`, '--trusted-key', a.pub, '--tsa-certificates', wrong.certificates, '--json']);
    expect(w.code).toBe(4);
    expect(JSON.parse(w.stdout).problems).toEqual([
      expect.objectContaining({
        kind: 'checkpoint-timestamp',
        message: expect.stringMatching(/does not verify with the TSA certificates of --tsa-certificates/),
      }),
    ]);
  });

  it('refuses TSA certificates without a time-stamping certificate, naming the file', async () => {
    const a = await timestampedAgent();
    const r = await runCli(['verify', '--store', `file:${a.store}`, '--tsa-certificates', tsa.caFile, '--allow-empty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--tsa-certificates \(.*ca\.crt\) holds no certificate for time stamping/);
  });
});
