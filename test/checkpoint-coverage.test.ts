import { chmod, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordBytes } from '../src/chain/stream-writer.js';
import { writeCheckpoint } from '../src/checkpoint/write.js';
import { runCollectors } from '../src/collector/runner.js';
import { buildRecord } from '../src/record/build.js';
import type { EvidenceRecord } from '../src/record/types.js';
import { generateP256, parsePrivateKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { FileStore } from '../src/store/file-store.js';
import { recordKey } from '../src/store/layout.js';
import type { EvidenceStore } from '../src/store/types.js';
import { verifyStore } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';
import { preparedDemo } from './helpers/demo.js';
import { environment, instance } from './helpers/fixtures.js';
import { signedStore, twoRecords } from './helpers/signed-store.js';
import { tempDir } from './helpers/tmp.js';

const _ROOT = fileURLToPath(new URL('..', import.meta.url));
const CP = (seq: number, agent = 'test-agent') => `checkpoints/${agent}/${String(seq).padStart(12, '0')}.json`;
const KEY = (seq: number) => `records/test-agent/c/2026-03-01/${String(seq).padStart(12, '0')}.json`;

/**
 * What an attacker with write access can add: records with valid hashes and a valid chain, status
 * `pass`, observed at times they choose, modelled on a real record of the store.
 */
async function injectStream(store: EvidenceStore, model: EvidenceRecord, stream: string, observedAt: Date[], from?: EvidenceRecord): Promise<void> {
  let previous: EvidenceRecord | null = from ?? null;
  for (const at of observedAt) {
    const record = buildRecord({
      draft: { subject: model.subject, status: 'pass', summary: 'All is well.', findings: [], data: model.data },
      stream,
      previous,
      collector: model.collector,
      controls: model.controls,
      agent: model.agent,
      observedAt: at,
    });
    await store.put(recordKey(stream, record.seq, record.observedAt), recordBytes(record));
    previous = record;
  }
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

describe('with a trusted key, every record older than its agent`s newest checkpoint must be covered by it', () => {
  it('reports an injected stream of backdated records that the newest checkpoint does not name', async () => {
    const { root, store, trusted } = await signedStore();
    const model = await readJson<EvidenceRecord>(join(root, KEY(0)));
    await injectStream(store, model, 'test-agent/injected', [new Date('2026-02-01T09:00:00Z'), new Date('2026-02-02T09:00:00Z')]);

    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'checkpoint-uncovered',
        stream: 'test-agent/injected',
        seq: 0,
        message: expect.stringMatching(/2 records of test-agent\/injected .*checkpoints\/test-agent\/000000000001\.json .*does not name the stream/),
      }),
    ]);
    expect(report.ok).toBe(false);
  });

  it('reports backdated records appended after a head the newest checkpoint names', async () => {
    const { root, store, trusted } = await signedStore();
    const head = await readJson<EvidenceRecord>(join(root, KEY(3)));
    await injectStream(store, head, 'test-agent/c', [new Date(Date.parse(head.observedAt) + 1)], head);
    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'checkpoint-uncovered', stream: 'test-agent/c', seq: 4, message: expect.stringMatching(/vouches for seq 3 only/) }),
    ]);
  });

  it('reports an agent that has records and no checkpoint, in a bucket where another agent signs', async () => {
    const { store, trusted, clock } = await signedStore();
    const env = environment(store, { clock });
    await runCollectors([instance('x', twoRecords())], { ...env, agent: { ...env.agent, id: 'other-agent' } });
    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'checkpoint-missing',
        key: 'checkpoints/other-agent/',
        message: expect.stringMatching(/agent other-agent has 2 records in 1 stream \(other-agent\/x\) and no checkpoint/),
      }),
    ]);
    // Without the key nothing is vouched for anyway: a warning, not a failure.
    const plain = await verifyStore(store);
    expect(plain.problems).toEqual([]);
    expect(plain.warnings).toContainEqual(expect.stringMatching(/agent other-agent has 2 records .* no checkpoint/));
  });

  it('reports an agent whose checkpoints were all deleted, in a bucket where another agent signs', async () => {
    const { root, store, signer, trusted, clock } = await signedStore();
    const env = environment(store, { clock });
    const [outcome] = await runCollectors([instance('x', twoRecords())], { ...env, agent: { ...env.agent, id: 'other-agent' } });
    await writeCheckpoint(store, 'other-agent', signer, clock.now(), new Map([[outcome!.stream, outcome!.head!]]));
    expect((await verifyStore(store, { trustedKey: trusted })).problems).toEqual([]);

    await rm(join(root, 'checkpoints/test-agent'), { recursive: true });
    expect((await verifyStore(store, { trustedKey: trusted })).problems).toEqual([
      expect.objectContaining({ kind: 'checkpoint-missing', key: 'checkpoints/test-agent/', message: expect.stringMatching(/test-agent\/c/) }),
    ]);
  });

  it('counts records written after the newest checkpoint as its unanchored tail: a warning and a report field, not a failure', async () => {
    const { store, trusted, clock } = await signedStore();
    const env = environment(store, { clock });
    await runCollectors([instance('c', twoRecords()), instance('d', twoRecords())], env);
    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.problems).toEqual([]);
    expect(report.checkpoints.unanchored).toEqual([
      { stream: 'test-agent/c', records: 2, afterSeq: 3 },
      { stream: 'test-agent/d', records: 2, afterSeq: null },
    ]);
    expect(report.warnings).toEqual([
      expect.stringMatching(/^test-agent\/c: 2 records after seq 3 are not anchored by a checkpoint yet/),
      expect.stringMatching(/^test-agent\/d: 2 records are not anchored by a checkpoint yet/),
    ]);
  });
});

describe('verify --since: the store must extend a checkpoint the auditor kept', () => {
  it('exposes a rollback of the newest checkpoint with the records after the one before, which leaves a consistent store', async () => {
    const { root, store, trusted } = await signedStore();
    const kept = await readFile(join(root, CP(1)));
    const { openCheckpointBundle } = await import('../src/checkpoint/checkpoint.js');
    const since = { ...(await openCheckpointBundle(kept, trusted)), source: 'kept.json' };
    expect((await verifyStore(store, { trustedKey: trusted, since })).problems).toEqual([]);

    for (const key of [CP(1), KEY(2), KEY(3)]) await rm(join(root, key));
    expect((await verifyStore(store, { trustedKey: trusted })).problems).toEqual([]);
    const report = await verifyStore(store, { trustedKey: trusted, since });
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'checkpoint-rollback',
        key: CP(1),
        message: expect.stringMatching(/no checkpoint 1 of agent test-agent .*newest is 0.*kept\.json/),
      }),
      expect.objectContaining({ kind: 'checkpoint-rollback', stream: 'test-agent/c', seq: 3 }),
    ]);
  });

  it('accepts a store that went on after the kept checkpoint', async () => {
    const { root, store, trusted } = await signedStore();
    const { openCheckpointBundle } = await import('../src/checkpoint/checkpoint.js');
    const since = { ...(await openCheckpointBundle(await readFile(join(root, CP(0))), trusted)), source: 'kept.json' };
    const report = await verifyStore(store, { trustedKey: trusted, since });
    expect(report.problems).toEqual([]);
    expect(report.checkpoints.since).toEqual({ source: 'kept.json', agent: 'test-agent', seq: 0, extended: true });
  });

  it('exposes a kept checkpoint replaced in the store by another with the same number', async () => {
    const { root, store } = await signedStore();
    const { openCheckpointBundle } = await import('../src/checkpoint/checkpoint.js');
    const since = { ...(await openCheckpointBundle(await readFile(join(root, CP(1))))), source: 'kept.json' };
    // Someone re-signs checkpoint 1 with a key of their own (only --trusted-key would notice that).
    const forger = keyBundleSigner(parsePrivateKey(generateP256().privatePem, 'forger'));
    await rm(join(root, CP(1)));
    await writeCheckpoint(store, 'test-agent', forger, new Date('2026-03-02T00:00:00Z'), new Map());
    const report = await verifyStore(store, { since });
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'checkpoint-rollback', key: CP(1), message: expect.stringMatching(/is not the checkpoint kept in kept\.json/) }),
    ]);
  });
});

describe('checkpoint bundles must carry the checkpoint payload type', () => {
  it('rejects a bundle the trusted key signed as another payload type, and the writer will not link to it', async () => {
    const { root, store, signer, trusted } = await signedStore();
    const path = join(root, CP(1));
    const bundle = await readJson<{ dsseEnvelope: { payload: string } }>(path);
    const resigned = await signer.sign(Buffer.from(bundle.dsseEnvelope.payload, 'base64'), 'application/vnd.in-toto+json');
    await chmod(path, 0o644);
    await writeFile(path, `${JSON.stringify(resigned)}\n`);

    for (const trustedKey of [trusted, undefined]) {
      expect((await verifyStore(store, { trustedKey })).problems).toEqual([
        expect.objectContaining({
          kind: 'checkpoint-invalid',
          key: CP(1),
          message: expect.stringMatching(/payloadType is "application\/vnd\.in-toto\+json", not application\/vnd\.evidence-agent\.checkpoint\+json/),
        }),
      ]);
    }
    await expect(writeCheckpoint(store, 'test-agent', signer, new Date(), new Map())).rejects.toThrow(
      /previous checkpoint .*000000000001\.json cannot be read .*payloadType/,
    );
  });
});

describe('without a trusted key', () => {
  it('says the report proves only internal consistency, and what to do', async () => {
    const { store } = await signedStore();
    const report = await verifyStore(store);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /internally consistent.*anyone with write access to the store can rewrite whole streams consistently.*--trusted-key <the checkpoint public key.*out of band>.*--since/,
      ),
    ]);
  });
});

describe('the demo store (real CLI)', () => {
  let demo: string;

  /** The bundled demo, prepared and snapshotted in a folder of its own: config/demo.yaml and prepare.mjs as they are. */
  beforeAll(async () => {
    demo = await mkdtemp(join(tmpdir(), 'ea-demo-'));
    await preparedDemo(demo);
    const snap = await runCli(['--log-level', 'warn', 'snapshot', '--config', join(demo, 'config/demo.yaml')]);
    expect(snap.code, snap.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    if (demo) await rm(demo, { recursive: true, force: true });
  });

  /** A copy of the prepared demo for one test, so tests can change it; returns its config and public key. */
  async function copyOfDemo() {
    const dir = await tempDir('ea-demo-copy-');
    await cp(demo, dir, { recursive: true, verbatimSymlinks: true });
    return { dir, config: join(dir, 'config/demo.yaml'), pub: join(dir, '.demo/keys/checkpoint.pub.pem'), evidence: join(dir, 'evidence') };
  }

  async function firstRecord(evidence: string, stream: string): Promise<EvidenceRecord> {
    const [day] = await readdir(join(evidence, 'records', stream));
    return readJson<EvidenceRecord>(join(evidence, 'records', stream, day!, '000000000000.json'));
  }

  it('verify --trusted-key exits 4 on the demo store with an injected backdated stream', async () => {
    const { config, pub, evidence } = await copyOfDemo();
    expect((await runCli(['verify', '--config', config, '--trusted-key', pub])).code).toBe(0);

    const model = await firstRecord(evidence, 'demo/policies');
    const start = Date.parse(model.observedAt) - 30 * 86_400_000;
    await injectStream(
      new FileStore(evidence),
      model,
      'demo/access-reviews',
      [0, 1, 2].map((d) => new Date(start + d * 86_400_000)),
    );

    const plain = await runCli(['verify', '--config', config, '--json']);
    expect((JSON.parse(plain.stdout) as { problems: unknown[] }).problems).toEqual([]);
    const r = await runCli(['verify', '--config', config, '--trusted-key', pub, '--json']);
    expect(r.code, r.stderr).toBe(4);
    const report = JSON.parse(r.stdout) as { problems: { kind: string; stream?: string }[] };
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'checkpoint-uncovered', stream: 'demo/access-reviews' })]);
  });

  it('verify --since exits 4 after the newest checkpoint was rolled back, 0 while the store extends the kept one, 2 for a kept file the key did not sign', async () => {
    const { dir, config, pub, evidence } = await copyOfDemo();
    const kept0 = join(dir, 'kept-0.json');
    await cp(join(evidence, CP(0, 'demo')), kept0);
    expect((await runCli(['--log-level', 'warn', 'snapshot', '--config', config])).code).toBe(0);
    const kept1 = join(dir, 'kept-1.json');
    await cp(join(evidence, CP(1, 'demo')), kept1);
    const ok = await runCli(['verify', '--config', config, '--trusted-key', pub, '--since', kept0]);
    expect(ok.stdout).toMatch(/Since: checkpoint 0 of demo \(.*kept-0\.json\) is extended by the store/);
    expect(ok.code, ok.stderr).toBe(0);

    // Roll back: the newest checkpoint goes, with every record after the heads of the one before.
    const before = await readJson<{ dsseEnvelope: { payload: string } }>(kept0);
    const heads = (JSON.parse(Buffer.from(before.dsseEnvelope.payload, 'base64').toString()) as { heads: Record<string, { seq: number }> }).heads;
    await rm(join(evidence, CP(1, 'demo')));
    for (const [stream, head] of Object.entries(heads)) {
      for (const day of await readdir(join(evidence, 'records', stream))) {
        for (const file of await readdir(join(evidence, 'records', stream, day))) {
          if (Number(file.slice(0, 12)) > head.seq) await rm(join(evidence, 'records', stream, day, file));
        }
      }
    }
    expect((await runCli(['verify', '--config', config, '--trusted-key', pub])).code).toBe(0);
    const rolledBack = await runCli(['verify', '--config', config, '--trusted-key', pub, '--since', kept1, '--json']);
    expect(rolledBack.code, rolledBack.stderr).toBe(4);
    expect((JSON.parse(rolledBack.stdout) as { problems: { kind: string }[] }).problems.map((p) => p.kind)).toContain('checkpoint-rollback');

    await runCli(['keygen', '--out', join(dir, 'other')]);
    const wrongKey = await runCli(['verify', '--config', config, '--trusted-key', join(dir, 'other.pub.pem'), '--since', kept0]);
    expect(wrongKey.code, wrongKey.stderr).toBe(2);
    expect(wrongKey.stderr).toMatch(/--since .*kept-0\.json: signature does not verify with the trusted key/);
    const missing = await runCli(['verify', '--config', config, '--since', join(dir, 'nope.json')]);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/--since .*nope\.json/);
  });
});
