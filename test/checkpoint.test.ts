import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCheckpoint } from '../src/checkpoint/write.js';
import { runCollectors } from '../src/collector/runner.js';
import { generateP256, parsePrivateKey, parsePublicKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { FileStore } from '../src/store/file-store.js';
import { verifyStore } from '../src/verify/verify.js';
import { collectorOf, draft, environment, instance, steppingClock } from './helpers/fixtures.js';
import { signedStore } from './helpers/signed-store.js';
import { tempDir } from './helpers/tmp.js';

const KEY = (seq: number) => `records/test-agent/c/2026-03-01/${String(seq).padStart(12, '0')}.json`;

async function edit(path: string, change: (text: string) => string) {
  await chmod(path, 0o644);
  await writeFile(path, change(await readFile(path, 'utf8')));
}

describe('signed checkpoints', () => {
  it('verify checks every checkpoint signature, the checkpoint chain and the heads they name', async () => {
    const { store, trusted } = await signedStore();
    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.problems).toEqual([]);
    expect(report.checkpoints).toMatchObject({ count: 2, signatures: 'verified' });
    expect(report.warnings).toEqual([]);
  });

  it('catches a checkpoint signed by another key', async () => {
    const { store } = await signedStore();
    const other = parsePublicKey(generateP256().publicPem, 'other');
    const kinds = (await verifyStore(store, { trustedKey: other })).problems.map((p) => p.kind);
    // With no checkpoint that verifies, nothing vouches for the agent's records either.
    expect(kinds).toEqual(['checkpoint-signature', 'checkpoint-signature', 'checkpoint-missing']);
  });

  it('catches a checkpoint whose payload was changed after signing', async () => {
    const { root, store, trusted } = await signedStore();
    await edit(join(root, 'checkpoints/test-agent/000000000001.json'), (t) => {
      const bundle = JSON.parse(t) as { dsseEnvelope: { payload: string } };
      const payload = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as { heads: Record<string, { seq: number }> };
      payload.heads['test-agent/c']!.seq = 1;
      bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
      return JSON.stringify(bundle);
    });
    const problems = (await verifyStore(store, { trustedKey: trusted })).problems;
    expect(problems).toEqual([expect.objectContaining({ kind: 'checkpoint-signature', key: 'checkpoints/test-agent/000000000001.json' })]);
  });

  it('exposes records removed from the end of a stream, which the chain alone cannot show', async () => {
    const { root, store, trusted } = await signedStore();
    await rm(join(root, KEY(3)));
    expect((await verifyStore(store)).problems).toEqual([expect.objectContaining({ kind: 'checkpoint-head-missing', seq: 3 })]);
    expect((await verifyStore(store, { trustedKey: trusted })).problems.map((p) => p.kind)).toEqual(['checkpoint-head-missing']);
  });

  it('verifies a --to window without calling the heads of later checkpoints missing, yet still catches a cut inside it', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    const signer = keyBundleSigner(parsePrivateKey(generateP256().privatePem, 'test key'));
    const c = collectorOf('c', async function* () {
      yield draft(1);
      yield draft(2);
    });
    // Days apart, so the window's end falls between the two runs and their checkpoints.
    for (const start of [Date.parse('2026-03-01T12:00:00Z'), Date.parse('2026-04-01T12:00:00Z')]) {
      const clock = steppingClock(start);
      const outcomes = await runCollectors([instance('c', c)], environment(store, { clock }));
      await writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map([[outcomes[0]!.stream, outcomes[0]!.head!]]));
    }
    const to = new Date('2026-03-31T23:59:59Z');
    expect((await verifyStore(store, { to })).problems).toEqual([]);

    await rm(join(root, KEY(1)));
    expect((await verifyStore(store, { to })).problems.map((p) => p.kind)).toContain('checkpoint-head-missing');
  });

  it('reports a removed checkpoint as a break in the checkpoint chain', async () => {
    const { root, store, signer, clock } = await signedStore();
    await writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map());
    await rm(join(root, 'checkpoints/test-agent/000000000001.json'));
    expect((await verifyStore(store)).problems).toEqual([
      expect.objectContaining({ kind: 'checkpoint-chain', key: 'checkpoints/test-agent/000000000002.json' }),
    ]);
  });

  it('refuses to write a checkpoint after a corrupt one, naming it and what to run', async () => {
    const { root, store, signer, clock } = await signedStore();
    await edit(join(root, 'checkpoints/test-agent/000000000001.json'), (t) => t.slice(0, 40));
    await expect(writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map())).rejects.toThrow(
      /previous checkpoint checkpoints\/test-agent\/000000000001\.json cannot be read .*evidence-agent verify/,
    );
  });

  it('warns about records written after the newest checkpoint', async () => {
    const { store, trusted, clock } = await signedStore();
    await runCollectors(
      [
        instance(
          'c',
          collectorOf('c', async function* () {
            yield draft(9);
          }),
        ),
      ],
      environment(store, { clock }),
    );
    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([expect.stringMatching(/^test-agent\/c: 1 records after seq 3 are not anchored by a checkpoint yet/)]);
  });

  it('says a store without checkpoints is unsigned, and fails it when a trusted key is required', async () => {
    const store = new FileStore(await tempDir());
    await runCollectors(
      [
        instance(
          'c',
          collectorOf('c', async function* () {
            yield draft(1);
          }),
        ),
      ],
      environment(store),
    );
    const plain = await verifyStore(store);
    expect(plain.ok).toBe(true);
    expect(plain.warnings[0]).toMatch(/the store is unsigned/);
    const strict = await verifyStore(store, { trustedKey: parsePublicKey(generateP256().publicPem, 'k') });
    expect(strict.problems.map((p) => p.kind)).toEqual(['checkpoint-missing']);
  });

  it('reports a corrupt checkpoint bundle instead of crashing', async () => {
    const { root, store, trusted } = await signedStore();
    await edit(join(root, 'checkpoints/test-agent/000000000000.json'), (t) => t.slice(0, 50));
    expect((await verifyStore(store, { trustedKey: trusted })).problems.map((p) => p.kind)).toContain('checkpoint-invalid');
  });

  it.skip('keyless checkpoint signing (Fulcio certificate, Rekor entry): not testable here, the public Sigstore services are unreachable', () => undefined);
});
