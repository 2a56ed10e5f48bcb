import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { readHead } from '../src/chain/head.js';
import { StreamWriter } from '../src/chain/stream-writer.js';
import { CheckpointRegressionError, writeCheckpoint } from '../src/checkpoint/write.js';
import { runCollectors } from '../src/collector/runner.js';
import { validateRecord } from '../src/record/validate.js';
import { generateP256, parsePrivateKey, parsePublicKey } from '../src/signing/keys.js';
import { keyBundleSigner } from '../src/signing/sign.js';
import { FileStore } from '../src/store/file-store.js';
import type { EvidenceStore } from '../src/store/types.js';
import { verifyStore } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';
import { collectorOf, draft, environment, instance, policyConfig, steppingClock } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { createBucket, testS3Store } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const STREAM = 'test-agent/c';
const DAY1 = Date.parse('2026-03-01T12:00:00Z');
const DAY3 = Date.parse('2026-03-03T12:00:00Z');

function twoRecords() {
  let n = 0;
  return collectorOf('c', async function* () {
    yield draft(n++);
    yield draft(n++);
  });
}

/** Two records of one stream on 2026-03-01, with a signed checkpoint after them. */
async function signedDay1(store: EvidenceStore) {
  const keys = generateP256();
  const signer = keyBundleSigner(parsePrivateKey(keys.privatePem, 'test key'));
  const clock = steppingClock(DAY1);
  const [outcome] = await runCollectors([instance('c', twoRecords())], environment(store, { clock }));
  await writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map([[STREAM, outcome!.head!]]));
  return { signer, trusted: parsePublicKey(keys.publicPem, 'trusted') };
}

/** A later run on 2026-03-03, ending with a checkpoint as the agent writes it. */
async function runDay3(store: EvidenceStore, signer: ReturnType<typeof keyBundleSigner>) {
  const clock = steppingClock(DAY3);
  const [outcome] = await runCollectors([instance('c', twoRecords())], environment(store, { clock }));
  expect(outcome!.storeFailure).toBeUndefined();
  return writeCheckpoint(store, 'test-agent', signer, clock.now(), new Map([[STREAM, outcome!.head!]]));
}

describe('head discovery falls back past day folders that hold no record', () => {
  it('continues the chain after a crash left an empty newest day folder (created before the record was linked)', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    const { signer, trusted } = await signedDay1(store);
    await mkdir(join(root, 'records', STREAM, '2026-03-02'));

    const { checkpoint } = await runDay3(store, signer);
    expect(checkpoint.heads[STREAM]!.seq).toBe(3);
    const report = await verifyStore(store, { trustedKey: trusted });
    expect(report.problems).toEqual([]);
    expect(report.streams).toEqual([expect.objectContaining({ stream: STREAM, firstSeq: 0, lastSeq: 3 })]);
  });

  it('passes over newest folders that are not days or hold no record key', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    await runCollectors([instance('c', twoRecords())], environment(store, { clock: steppingClock(DAY1) }));
    const stream = join(root, 'records', STREAM);
    await mkdir(join(stream, '2026-03-05'));
    await writeFile(join(stream, '2026-03-05', 'notes.txt'), 'not a record\n');
    await writeFile(join(stream, '2026-03-05', '7.json'), 'not a record key either\n');
    await mkdir(join(stream, 'zz-not-a-day'));
    await writeFile(join(stream, 'zz-not-a-day', '000000000009.json'), 'not JSON');
    expect(await readHead(store, STREAM)).toMatchObject({ seq: 1, stream: STREAM });
  });

  it('finds the last collected record behind an agent notice, past an empty newest day and a folder that is not a day', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    const env = environment(store, { clock: steppingClock(DAY1) });
    await runCollectors(
      [
        instance(
          'c',
          collectorOf('c', async function* () {
            yield draft(0);
          }),
        ),
      ],
      env,
    );
    await runCollectors(
      [
        instance(
          'c',
          collectorOf('c', async function* () {
            yield* [];
            throw new Error('source down');
          }),
        ),
      ],
      env,
    );
    const stream = join(root, 'records', STREAM);
    await mkdir(join(stream, '2026-03-09'));
    await mkdir(join(stream, 'zz-not-a-day'));
    await writeFile(join(stream, 'zz-not-a-day', '000000000009.json'), 'not JSON');

    const writer = await StreamWriter.open(store, STREAM);
    expect(writer.previous).toMatchObject({ seq: 1, status: 'error' });
    expect(writer.lastCollected).toMatchObject({ seq: 0, status: 'pass' });
  });
});

describe('the checkpoint writer refuses a head that went backwards', () => {
  async function checkpointed() {
    const root = await tempDir();
    const store = new FileStore(root);
    const { signer } = await signedDay1(store);
    const record = (seq: number) =>
      readFile(join(root, 'records', STREAM, '2026-03-01', `${String(seq).padStart(12, '0')}.json`), 'utf8').then(
        (t) => JSON.parse(t) as { seq: number; hash: string },
      );
    return { root, store, signer, record };
  }

  async function checkpointKeys(root: string): Promise<string[]> {
    return readdir(join(root, 'checkpoints/test-agent'));
  }

  it('to a lower seq: names the stream, both positions and what to run, and signs nothing', async () => {
    const { root, store, signer, record } = await checkpointed();
    const r0 = await record(0);
    const err = await writeCheckpoint(store, 'test-agent', signer, new Date(DAY3), new Map([[STREAM, { seq: r0.seq, hash: r0.hash }]])).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CheckpointRegressionError);
    expect((err as Error).message).toMatch(/test-agent\/c.*seq 0 .*checkpoint checkpoints\/test-agent\/000000000000\.json.*seq 1/);
    expect((err as Error).message).toMatch(/evidence-agent verify/);
    expect(await checkpointKeys(root)).toEqual(['000000000000.json']);
  });

  it('to the same seq with another hash', async () => {
    const { root, store, signer, record } = await checkpointed();
    const r1 = await record(1);
    const forked = { seq: 1, hash: `sha256:${createHash('sha256').update('another record').digest('hex')}` };
    await expect(writeCheckpoint(store, 'test-agent', signer, new Date(DAY3), new Map([[STREAM, forked]]))).rejects.toThrow(
      new RegExp(`test-agent/c.*seq 1 \\(${forked.hash}\\).*seq 1 \\(${r1.hash}\\)`),
    );
    expect(await checkpointKeys(root)).toEqual(['000000000000.json']);
  });

  it('for a stream that vanished from the store', async () => {
    const { root, store, signer } = await checkpointed();
    await rm(join(root, 'records', STREAM), { recursive: true, force: true });
    await expect(writeCheckpoint(store, 'test-agent', signer, new Date(DAY3), new Map())).rejects.toThrow(
      /test-agent\/c.*no records.*seq 1.*evidence-agent verify/,
    );
    expect(await checkpointKeys(root)).toEqual(['000000000000.json']);
  });
});

describe('a store with an empty newest day folder (real CLI)', () => {
  it('continues its chain on the next snapshot and verifies with the trusted key', async () => {
    const dir = await tempDir();
    expect((await runCli(['keygen', '--out', join(dir, 'keys/cp')])).code).toBe(0);
    const config = await policyConfig(dir);
    await writeFile(config, (await readFile(config, 'utf8')).replace('collectors:', 'signing: { key: keys/cp.pem }\ncollectors:'));
    const first = await runCli(['snapshot', '--config', config]);
    expect(first.code).toBe(0);

    const stream = join(dir, 'evidence/records/t1/policies');
    const [day] = await readdir(stream);
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await mkdir(join(stream, next));

    const second = await runCli(['snapshot', '--config', config]);
    expect(second.stderr).not.toMatch(/"level":50/);
    expect(second.code).toBe(0);
    const verified = await runCli(['verify', '--config', config, '--trusted-key', join(dir, 'keys/cp.pub.pem'), '--json']);
    const report = JSON.parse(verified.stdout) as { problems: unknown[]; streams: { stream: string; firstSeq: number; lastSeq: number }[] };
    expect(report.problems).toEqual([]);
    // The agent's config-change record (t1/agent) from the first snapshot, and the policies stream continued.
    expect(report.streams).toEqual([
      expect.objectContaining({ stream: 't1/agent', firstSeq: 0, lastSeq: 0 }),
      expect.objectContaining({ stream: 't1/policies', firstSeq: 0, lastSeq: 1 }),
    ]);
    expect(verified.code).toBe(0);
  });
});

const moto = S3_SERVERS.find((s) => s.name === 'moto')!;

describe.skipIf(moto.unavailable !== null)(
  `S3 "folder" marker objects under a stream (moto${moto.unavailable ? `, skipped: ${moto.unavailable}` : ''})`,
  () => {
    const s3 = useS3Server(moto);

    it('neither restarts the chain nor lets the checkpoint regress', async () => {
      const bucket = `ev-markers-${process.pid}`;
      await createBucket(s3.client, bucket, 'locked');
      const store = testS3Store(`s3://${bucket}/evidence`, s3.server.endpoint);
      await store.preflight();
      const { signer, trusted } = await signedDay1(store);
      // What the S3 console's "Create folder" writes: an empty object whose key ends in `/`.
      for (const key of ['records/test-agent/', `records/${STREAM}/`, `records/${STREAM}/2026-03-02/`, `records/${STREAM}/zz/`]) {
        const body = Buffer.alloc(0);
        await s3.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: `evidence/${key}`, Body: body, ContentMD5: createHash('md5').update(body).digest('base64') }),
        );
      }

      expect(await readHead(store, STREAM)).toMatchObject({ seq: 1 });
      const { checkpoint } = await runDay3(store, signer);
      expect(checkpoint.heads).toEqual({ [STREAM]: expect.objectContaining({ seq: 3 }) });
      const report = await verifyStore(store, { trustedKey: trusted });
      // The markers themselves are not records; whatever verify says of them, the chain and checkpoints hold.
      expect(report.problems.filter((p) => p.kind !== 'stray-object')).toEqual([]);
      expect(report.streams).toEqual([expect.objectContaining({ stream: STREAM, firstSeq: 0, lastSeq: 3 })]);
      await store.close();
    });
  },
);

describe('records carry no `signature` member in v1', () => {
  it('fails a record that has one, even with the hash it had before', async () => {
    const root = await tempDir();
    const store = new FileStore(root);
    await runCollectors([instance('c', twoRecords())], environment(store, { clock: steppingClock(DAY1) }));
    const key = `records/${STREAM}/2026-03-01/000000000001.json`;
    const record = JSON.parse(await readFile(join(root, key), 'utf8')) as Record<string, unknown>;
    expect(validateRecord({ ...record, signature: null })).toEqual([expect.stringMatching(/signature/)]);

    await chmod(join(root, key), 0o644);
    await writeFile(join(root, key), `${JSON.stringify({ ...record, signature: { by: 'someone', sig: 'AAAA' } })}\n`);
    const report = await verifyStore(store);
    expect(report.problems.map((p) => [p.kind, p.key])).toEqual([
      ['schema', key],
      ['hash-mismatch', key],
    ]);
  });
});
