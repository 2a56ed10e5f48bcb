import { createHash, randomBytes, sign } from 'node:crypto';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateP256, keyHint, parsePrivateKey } from '../../../src/signing/keys.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { type GcsStandIn, startGcsStandIn } from '../../../test/servers/gcs-standin.js';
import { motoAvailable, type RunningServer, startMoto } from '../../../test/servers/moto.js';
import { createBucket, testClient } from '../../../test/servers/s3-buckets.js';
import { useTestCredentials } from '../../../test/servers/s3-servers.js';
import { preAuthEncoding } from '../format/dsse.js';
import { signModel } from '../format/sign-model.js';
import { codes, runModelSignatures } from './helpers.js';

interface Fixture {
  dir: string;
  model: string;
  keyFile: string;
  subjectDigest: string;
}

/** A small real model, signed with a key made for the test, and a ledger approving it. */
async function signedModel(): Promise<Fixture> {
  const dir = await tempDir();
  const model = join(dir, 'fraud-detector');
  await mkdir(join(model, 'tokenizer'), { recursive: true });
  await writeFile(join(model, 'weights.bin'), randomBytes(3 * 1024 * 1024 + 17));
  await writeFile(join(model, 'config.json'), '{"layers": 12}\n');
  await writeFile(join(model, 'tokenizer', 'vocab.txt'), 'a\nb\nc\n');
  await mkdir(join(model, '.git'));
  await writeFile(join(model, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  const keys = generateP256();
  await writeFile(join(dir, 'release.pem'), keys.privatePem);
  await writeFile(join(dir, 'release.pub'), keys.publicPem);
  const { subjectDigest } = await signModel(model, { key: parsePrivateKey(keys.privatePem, 'k') });
  const f = { dir, model, keyFile: join(dir, 'release.pub'), subjectDigest };
  await approve(f, subjectDigest);
  return f;
}

/** Writes a ledger that approves this subject digest for fraud-detector. */
async function approve(f: Pick<Fixture, 'dir'>, subjectDigest: string): Promise<void> {
  await writeFile(
    join(f.dir, 'approved-models.yaml'),
    `- { name: fraud-detector, version: "12", digest: "sha256:${subjectDigest}", approvedBy: alice@example.com, approvedAt: "2026-11-01T10:00:00Z" }\n`,
  );
}

async function run(f: Fixture, extra: Record<string, unknown> = {}, model: Record<string, unknown> = {}) {
  const [record] = await runModelSignatures(
    {
      models: [{ name: 'fraud-detector', path: 'fraud-detector', ...model }],
      verify: { method: 'key', publicKeys: ['release.pub'] },
      ledger: 'approved-models.yaml',
      ...extra,
    },
    f.dir,
  );
  return record!;
}

/** The members of a signature bundle that tests change. */
type EditableBundle = { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };

async function editSignature(f: Fixture, change: (bundle: EditableBundle) => void): Promise<void> {
  const path = join(f.model, 'model.sig');
  const bundle = JSON.parse(await readFile(path, 'utf8')) as EditableBundle;
  change(bundle);
  await writeFile(path, JSON.stringify(bundle));
}

const releaseKey = async (f: Fixture) => parsePrivateKey(await readFile(join(f.dir, 'release.pem'), 'utf8'), 'k');

/** Re-signs the model as model_signing 0.2 did: the Digests/v0.1 predicate, one subject per file, in the order given. */
async function signLegacy(f: Fixture, names: string[]): Promise<void> {
  const digest = async (p: string) =>
    createHash('sha256')
      .update(await readFile(join(f.model, p)))
      .digest('hex');
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: await Promise.all(
      names.map(async (name) => ({ name, digest: { sha256: await digest(name) }, annotations: { actual_hash_algorithm: 'file-sha256' } })),
    ),
    predicateType: 'https://model_signing/Digests/v0.1',
    predicate: { unused: 'Unused predicate' },
  };
  const key = await releaseKey(f);
  const payload = Buffer.from(JSON.stringify(statement, null, 2));
  await editSignature(f, (b) => {
    b.dsseEnvelope.payload = payload.toString('base64');
    b.dsseEnvelope.signatures[0]!.sig = sign('sha256', preAuthEncoding('application/vnd.in-toto+json', payload), key).toString('base64');
  });
}

describe('model-signatures with keys and models made in the test', () => {
  it('passes a signed, unchanged, approved model and records who signed what', async () => {
    const f = await signedModel();
    const r = await run(f);
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('pass');
    expect(r.subject).toEqual({ kind: 'model', id: 'fraud-detector' });
    expect(r.controls).toEqual(['CC8.1', 'CC6.1', 'PI1.2']);
    const pub = (await import('node:crypto')).createPublicKey(await readFile(f.keyFile, 'utf8'));
    expect(r.data).toMatchObject({
      subjectDigest: `sha256:${f.subjectDigest}`,
      format: 'v1.0',
      method: 'key',
      signer: { keyHint: keyHint(pub) },
      fileCount: 3,
      totalBytes: 3 * 1024 * 1024 + 17 + 15 + 6,
      ledgerChecked: true,
      ledgerEntry: { approvedBy: 'alice@example.com', version: '12' },
    });
  });

  it('fails on one changed byte, naming the file', async () => {
    const f = await signedModel();
    const file = join(f.model, 'tokenizer', 'vocab.txt');
    await writeFile(file, 'a\nb\nd\n');
    const r = await run(f);
    expect(r.status).toBe('fail');
    expect(r.findings).toEqual([expect.objectContaining({ code: 'file-digest-mismatch', ref: 'tokenizer/vocab.txt', severity: 'critical' })]);
  });

  it('fails on a file added after signing, unless unsigned files are allowed', async () => {
    const f = await signedModel();
    await writeFile(join(f.model, 'backdoor.py'), 'print(1)\n');
    expect((await run(f)).findings).toEqual([expect.objectContaining({ code: 'file-unsigned', ref: 'backdoor.py' })]);
    expect((await run(f, { allowUnsignedFiles: true })).status).toBe('pass');
  });

  it('fails on a signed file deleted', async () => {
    const f = await signedModel();
    await rm(join(f.model, 'config.json'));
    expect((await run(f)).findings).toEqual([expect.objectContaining({ code: 'file-missing', ref: 'config.json' })]);
  });

  it('fails a signature by another key as signer-not-allowed', async () => {
    const f = await signedModel();
    await signModel(f.model, { key: parsePrivateKey(generateP256().privatePem, 'other') });
    const r = await run(f);
    expect(codes(r)).toEqual(['signer-not-allowed']);
  });

  it.each([
    ['truncated JSON', (text: string) => text.slice(0, 120), /not valid JSON.*truncated/],
    ['a wrong payload type', (text: string) => text.replace('application/vnd.in-toto+json', 'text/plain'), /payload type is "text\/plain"/],
    ['bad base64', (text: string) => text.replace(/"payload":"[^"]+"/, '"payload":"@@not base64@@"'), /payload is not valid base64/],
    [
      'a forged statement under the old signature',
      (text: string) => {
        const b = JSON.parse(text) as { dsseEnvelope: { payload: string } };
        b.dsseEnvelope.payload = Buffer.from(Buffer.from(b.dsseEnvelope.payload, 'base64').toString().replace('config.json', 'config.yaml')).toString('base64');
        return JSON.stringify(b);
      },
      /does not verify/,
    ],
  ])('reports a corrupt bundle (%s) as signature-invalid, never a crash', async (_what, corrupt, message) => {
    const f = await signedModel();
    const path = join(f.model, 'model.sig');
    await writeFile(path, corrupt(await readFile(path, 'utf8')));
    const r = await run(f);
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ code: 'signature-invalid', message: expect.stringMatching(message) });
  });

  it('reports a missing signature', async () => {
    const f = await signedModel();
    await rm(join(f.model, 'model.sig'));
    expect((await run(f)).findings).toEqual([expect.objectContaining({ code: 'signature-missing' })]);
  });

  it('accepts a legacy Digests/v0.1 signature and says so', async () => {
    const f = await signedModel();
    await signLegacy(f, ['config.json', 'tokenizer/vocab.txt', 'weights.bin']);
    const r = await run(f, { ledger: undefined });
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([expect.objectContaining({ code: 'legacy-format', severity: 'low' })]);
    expect(r.data).toMatchObject({ format: 'legacy-v0.1', ledgerChecked: false });
  });

  it('gives a legacy signature the subject digest of a v1.0 signature of the same files, so the ledger entry approves it', async () => {
    const f = await signedModel();
    // '.' sorts before '/' in JavaScript's order, after it in the OpenSSF tool's: the two orders differ here.
    await writeFile(join(f.model, 'tokenizer.json'), '{"vocab": 3}\n');
    const { subjectDigest } = await signModel(f.model, { key: await releaseKey(f) });
    await approve(f, subjectDigest);
    await signLegacy(f, ['weights.bin', 'tokenizer.json', 'tokenizer/vocab.txt', 'config.json']);
    const r = await run(f);
    expect(r.data).toMatchObject({ format: 'legacy-v0.1', subjectDigest: `sha256:${subjectDigest}`, ledgerChecked: true });
    expect(codes(r)).toEqual(['legacy-format']);
    expect(r.status).toBe('pass');
  });

  it('reports a model file that cannot be read as model-unreadable, and still checks the models after it', async () => {
    const f = await signedModel();
    const single = join(f.dir, 'single.bin');
    await writeFile(single, 'weights');
    await signModel(single, { key: await releaseKey(f), signaturePath: join(f.dir, 'single.sig') });
    // /proc/self/mem stats as a regular file, yet reading it at offset 0 fails (EIO), for root as well: chmod 000 stops no read by root.
    const [broken, next, ...rest] = await runModelSignatures(
      {
        models: [
          { name: 'broken', path: '/proc/self/mem', signature: 'single.sig' },
          { name: 'fraud-detector', path: 'fraud-detector' },
        ],
        verify: { method: 'key', publicKeys: ['release.pub'] },
      },
      f.dir,
    );
    expect(rest).toEqual([]);
    expect(broken).toMatchObject({ subject: { id: 'broken' }, status: 'fail' });
    expect(broken!.findings).toEqual([
      expect.objectContaining({
        code: 'model-unreadable',
        ref: '.',
        message: expect.stringMatching(/^cannot read \/proc\/self\/mem: EIO.*; .*make it readable/),
      }),
    ]);
    expect(next).toMatchObject({ subject: { id: 'fraud-detector' }, status: 'pass', findings: [] });
  });

  it('refuses a symlink in the model', async () => {
    const f = await signedModel();
    await symlink('/etc/hostname', join(f.model, 'link'));
    const r = await run(f);
    expect(r.status).toBe('fail');
    expect(codes(r)).toContain('symlink-refused');
  });

  it('fails a model whose digest is not in the ledger', async () => {
    const f = await signedModel();
    await writeFile(
      join(f.dir, 'approved-models.yaml'),
      `- { name: fraud-detector, digest: "sha256:${'0'.repeat(64)}", approvedBy: bob, approvedAt: "2026-01-01T00:00:00Z" }\n`,
    );
    const r = await run(f);
    expect(r.findings).toEqual([expect.objectContaining({ code: 'not-in-ledger' })]);
    expect(r.data).toMatchObject({ ledgerEntry: null, ledgerChecked: true });
  });

  it('turns an unreadable ledger into an error record that names the file', async () => {
    const f = await signedModel();
    await writeFile(join(f.dir, 'approved-models.yaml'), '- { name: x, digest: nope }\n');
    const r = await run(f);
    expect(r.status).toBe('error');
    expect(r.findings[0]!.message).toMatch(/ledger .*approved-models\.yaml: \[0\]/);
  });
});

describe('model-signatures on GCS (JSON-API stand-in, not real Cloud Storage)', () => {
  let gcs: GcsStandIn;
  beforeAll(async () => {
    gcs = await startGcsStandIn({ buckets: { 'ml-artifacts': {} } });
  });
  afterAll(() => gcs?.close());

  const upload = (name: string, body: Buffer) =>
    fetch(`${gcs.url}/upload/storage/v1/b/ml-artifacts/o?uploadType=media&name=${encodeURIComponent(name)}`, { method: 'POST', body: new Uint8Array(body) });

  it("verifies a model in a bucket, passing over folder markers and the marker of the model's own folder", async () => {
    const f = await signedModel();
    for (const file of ['weights.bin', 'config.json', 'tokenizer/vocab.txt']) await upload(`fraud-detector/v12/${file}`, await readFile(join(f.model, file)));
    await upload('fraud-detector/v12.sig', await readFile(join(f.model, 'model.sig')));
    const model = { path: 'gs://ml-artifacts/fraud-detector/v12', signature: 'gs://ml-artifacts/fraud-detector/v12.sig' };
    const gcsSettings = { gcs: { apiEndpoint: gcs.url } };
    expect((await run(f, gcsSettings, model)).findings).toEqual([]);
    // What the Cloud console's "Create folder" leaves: zero-byte objects named like the folders, the model's own included.
    for (const marker of ['fraud-detector/v12/', 'fraud-detector/v12/tokenizer/']) await upload(marker, Buffer.alloc(0));
    const withMarkers = await run(f, gcsSettings, model);
    expect(withMarkers.findings).toEqual([]);
    expect(withMarkers.data).toMatchObject({ fileCount: 3 });
  });
});

describe.skipIf(!motoAvailable())('model-signatures on S3 (moto; skipped without moto_server)', () => {
  let moto: RunningServer;
  beforeAll(async () => {
    useTestCredentials();
    moto = await startMoto();
  });
  afterAll(() => moto?.stop());

  let bucket = 0;
  /** A new bucket holding the model's files (and `extra` paths), with its signature beside the prefix. */
  async function upload(f: Fixture, extra: string[] = []) {
    const client = testClient(moto.endpoint);
    const name = `ml-artifacts-${++bucket}`;
    await createBucket(client, name, 'plain');
    const put = async (key: string, body: Buffer) => client.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
    for (const file of ['weights.bin', 'config.json', 'tokenizer/vocab.txt', ...extra]) {
      await put(`fraud-detector/v12/${file}`, file.endsWith('/') ? Buffer.alloc(0) : await readFile(join(f.model, file)));
    }
    await put('fraud-detector/v12.sig', await readFile(join(f.model, 'model.sig')));
    return { put, model: { path: `s3://${name}/fraud-detector/v12`, signature: `s3://${name}/fraud-detector/v12.sig` }, s3: { endpoint: moto.endpoint } };
  }

  it('verifies a model stored in a bucket by streaming its objects, and catches a changed object', async () => {
    const f = await signedModel();
    const { put, model, s3 } = await upload(f);
    const ok = await run(f, { s3 }, model);
    expect(ok.findings).toEqual([]);
    expect(ok.data).toMatchObject({ fileCount: 3, path: model.path });
    await put('fraud-detector/v12/config.json', Buffer.from('{"layers": 13}\n'));
    expect((await run(f, { s3 }, model)).findings).toEqual([expect.objectContaining({ code: 'file-digest-mismatch', ref: 'config.json' })]);
  });

  it('leaves out the same paths in a bucket as on disk, and passes over folder markers', async () => {
    const f = await signedModel();
    await mkdir(join(f.model, 'extra'));
    await writeFile(join(f.model, 'extra', 'notes.txt'), 'added after signing\n');
    // 'tokenizer/' and 'empty/' are the zero-byte keys the S3 console makes for folders.
    const { model, s3 } = await upload(f, ['extra/notes.txt', 'tokenizer/', 'empty/']);
    for (const ignorePaths of [['extra/'], ['./extra'], ['extra']]) {
      expect((await run(f, { ignorePaths })).findings).toEqual([]);
      expect((await run(f, { s3, ignorePaths }, model)).findings).toEqual([]);
    }
    const unsigned = [expect.objectContaining({ code: 'file-unsigned', ref: 'extra/notes.txt' })];
    expect((await run(f)).findings).toEqual(unsigned);
    expect((await run(f, { s3 }, model)).findings).toEqual(unsigned);
  });

  it("passes over the marker of the model's own folder, as the S3 console's Create folder writes it", async () => {
    const f = await signedModel();
    const { put, model, s3 } = await upload(f);
    await put('fraud-detector/v12/', Buffer.alloc(0));
    expect((await run(f, { s3 }, model)).findings).toEqual([]);
    // With a trailing slash on the path, the marker is the prefix itself.
    expect((await run(f, { s3 }, { ...model, path: `${model.path}/` })).findings).toEqual([]);
  });

  it('reports a bucket that cannot be listed as model-unreadable, and still checks the models after it', async () => {
    const f = await signedModel();
    const records = await runModelSignatures(
      {
        models: [
          { name: 'gone', path: 's3://no-such-bucket/fraud-detector/v12', signature: 'fraud-detector/model.sig' },
          { name: 'fraud-detector', path: 'fraud-detector' },
        ],
        verify: { method: 'key', publicKeys: ['release.pub'] },
        s3: { endpoint: moto.endpoint },
      },
      f.dir,
    );
    expect(records.map((r) => [r.subject.id, r.status])).toEqual([
      ['gone', 'fail'],
      ['fraud-detector', 'pass'],
    ]);
    expect(records[0]!.findings).toEqual([
      expect.objectContaining({
        code: 'model-unreadable',
        message: expect.stringMatching(/^cannot list the objects under s3:\/\/no-such-bucket\/fraud-detector\/v12\/: .*bucket does not exist; check/),
      }),
    ]);
  });
});
