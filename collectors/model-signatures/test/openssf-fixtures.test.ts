import { existsSync } from 'node:fs';
import { chmod, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/package-root.js';
import { parsePrivateKey } from '../../../src/signing/keys.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { signModel } from '../format/sign-model.js';
import { embeddedTrustedRoot } from '../format/sigstore-root.js';
import { codes, runModelSignatures } from './helpers.js';

// Real signatures made by the OpenSSF model_signing tool, read where they are (never copied into the project).
const FIXTURES = resolve(PACKAGE_ROOT, '../shared/fixtures/model-transparency');
const present = existsSync(FIXTURES);
const KEYS = join(FIXTURES, 'keys/certificate');
const IDENTITY = 'stefanb@us.ibm.com';
const ISSUER = 'https://sigstore.verify.ibm.com/oauth2';

type Method = 'key' | 'certificate' | 'sigstore';
const methodOf = (dir: string): Method => (dir.endsWith('-elliptic-key') ? 'key' : dir.endsWith('-certificate') ? 'certificate' : 'sigstore');
const fixtureDirs = present ? (await readdir(FIXTURES)).filter((d) => /^v\d/.test(d)).sort() : [];

function verifyFor(method: Method, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  if (method === 'key') return { method, publicKeys: [join(KEYS, 'signing-key-pub.pem')], ...overrides };
  if (method === 'certificate') return { method, certificateChain: [join(KEYS, 'ca-cert.pem')], ...overrides };
  return { method, identity: IDENTITY, issuer: ISSUER, ...overrides };
}

/** A fixture signed as a single file names the file as its subject; otherwise the folder is the model. */
async function modelFor(dir: string): Promise<{ path: string; signature: string }> {
  const signature = join(dir, 'model.sig');
  const bundle = JSON.parse(await readFile(signature, 'utf8')) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as {
    subject: { name: string }[];
    predicate?: { resources?: { name: string }[] };
  };
  const single = statement.predicate?.resources?.length === 1 && statement.predicate.resources[0]!.name === '.';
  return { path: single ? join(dir, statement.subject[0]!.name) : dir, signature };
}

async function check(dirName: string, verify: Record<string, unknown>, root = FIXTURES) {
  const dir = join(root, dirName);
  const model = await modelFor(dir);
  const [record] = await runModelSignatures({ models: [{ name: dirName, ...model }], verify, ignorePaths: ['ignore-me'] }, dir);
  return record!;
}

describe.skipIf(!present)(`OpenSSF model_signing fixtures${present ? '' : ' (skipped: ../shared/fixtures/model-transparency is absent)'}`, () => {
  it.each(fixtureDirs)('%s verifies with the right key, chain or identity, offline', async (dirName) => {
    const record = await check(dirName, verifyFor(methodOf(dirName)));
    expect(record.findings.filter((f) => f.code !== 'legacy-format')).toEqual([]);
    expect(record.status).toBe('pass');
    expect(record.data).toMatchObject({ method: methodOf(dirName), subjectDigest: expect.stringMatching(/^sha256:/) });
    if (methodOf(dirName) === 'sigstore') {
      expect(record.data).toMatchObject({ signer: { identity: IDENTITY, issuer: ISSUER }, transparencyLogIndex: expect.any(Number) });
    }
    if (dirName.startsWith('v0.2.0')) expect(codes(record)).toEqual(['legacy-format']);
  });

  it.each(fixtureDirs)('%s fails with the wrong key, chain or identity', async (dirName) => {
    const method = methodOf(dirName);
    const dir = await tempDir();
    const wrong =
      method === 'key'
        ? (await import('node:crypto')).generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
        : '';
    if (method === 'key') await writeFile(join(dir, 'wrong.pem'), wrong);
    const verify =
      method === 'key'
        ? verifyFor(method, { publicKeys: [join(dir, 'wrong.pem')] })
        : method === 'certificate'
          ? verifyFor(method, { certificateChain: [join(KEYS, 'int-ca-cert.pem')] })
          : verifyFor(method, { identity: 'someone-else@example.com' });
    const record = await check(dirName, verify);
    expect(record.status).toBe('fail');
    expect(codes(record)).toContain('signer-not-allowed');
  });

  it('loads the Sigstore trusted root from a file (verify.trustedRoot) as well as the embedded one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'trusted_root.json'), JSON.stringify(embeddedTrustedRoot()));
    const record = await check('v1.1.0-sigstore', verifyFor('sigstore', { trustedRoot: join(dir, 'trusted_root.json') }));
    expect(record.status).toBe('pass');
  });

  it('needs --ignore-paths for v1.0.1, which did not record what it left out', async () => {
    const dir = join(FIXTURES, 'v1.0.1-elliptic-key');
    const [record] = await runModelSignatures({ models: [{ name: 'm', path: dir }], verify: verifyFor('key') }, dir);
    expect(record!.findings).toEqual([expect.objectContaining({ code: 'file-unsigned', ref: 'ignore-me' })]);
  });

  it('detects one changed byte in a fixture model', async () => {
    const root = await tempDir();
    await cp(join(FIXTURES, 'v1.1.0-certificate'), join(root, 'v1.1.0-certificate'), { recursive: true });
    const file = join(root, 'v1.1.0-certificate', 'signme-2');
    await chmod(file, 0o644);
    const bytes = await readFile(file);
    bytes[0] = bytes[0]! ^ 1;
    await writeFile(file, bytes);
    const record = await check('v1.1.0-certificate', verifyFor('certificate'), root);
    expect(record.findings).toEqual([expect.objectContaining({ code: 'file-digest-mismatch', ref: 'signme-2' })]);
  });

  it('signs a copy of a fixture model with its published test key to the same statement the OpenSSF tool wrote', async () => {
    const root = await tempDir();
    const dir = join(root, 'v1.1.0-elliptic-key');
    await cp(join(FIXTURES, 'v1.1.0-elliptic-key'), dir, { recursive: true });
    await chmod(join(dir, 'model.sig'), 0o644);
    const decode = async () =>
      JSON.parse(
        Buffer.from(
          (JSON.parse(await readFile(join(dir, 'model.sig'), 'utf8')) as { dsseEnvelope: { payload: string } }).dsseEnvelope.payload,
          'base64',
        ).toString(),
      ) as {
        subject: unknown;
        predicate: { resources: unknown; serialization: { ignore_paths: string[] } };
      };
    const theirs = await decode();
    const theirBundle = JSON.parse(await readFile(join(dir, 'model.sig'), 'utf8')) as { verificationMaterial: unknown; mediaType: string };
    const key = parsePrivateKey(await readFile(join(KEYS, 'signing-key.pem'), 'utf8'), 'fixture key');
    await signModel(dir, { key: key, ignorePaths: ['ignore-me'] });
    const ours = await decode();
    const ourBundle = JSON.parse(await readFile(join(dir, 'model.sig'), 'utf8')) as { verificationMaterial: unknown; mediaType: string };
    expect(ours.subject).toEqual(theirs.subject);
    expect(ours.predicate.resources).toEqual(theirs.predicate.resources);
    expect(ours.predicate.serialization.ignore_paths.sort()).toEqual(theirs.predicate.serialization.ignore_paths.sort());
    expect(ourBundle.mediaType).toBe(theirBundle.mediaType);
    expect(ourBundle.verificationMaterial).toEqual(theirBundle.verificationMaterial);
    const record = await check('v1.1.0-elliptic-key', verifyFor('key'), root);
    expect(record.status).toBe('pass');
  });
});
