import { createHash, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { asKeySigner, type KeySigner } from '../../../src/signing/key-signer.js';
import { keyHint } from '../../../src/signing/keys.js';
import { hashModelFiles } from '../observe/hash-model.js';
import { listModelFiles, relativeName } from '../observe/model-files.js';
import { preAuthEncoding } from './dsse.js';
import { BUNDLE_V03, DEFAULT_IGNORES, IN_TOTO_PAYLOAD_TYPE, PREDICATE_V1, type Serialization, STATEMENT_V1 } from './statement.js';

export interface SignOptions {
  /** A private key, or a signer whose key stays in a KMS. */
  key: KeyObject | KeySigner;
  /** Subject name; default: the folder's name, as the OpenSSF tool does. */
  name?: string | undefined;
  ignorePaths?: string[] | undefined;
  signaturePath?: string | undefined;
  concurrency?: number | undefined;
  onProgress?: ((bytesDone: number, bytesTotal: number) => void) | undefined;
}

/** JSON as Python's json.dumps(indent=2) writes it: non-ASCII escaped as \uXXXX. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Signs a model folder the way the OpenSSF model_signing tool's key method
 * does (v1.0 predicate, files serialization, Sigstore bundle v0.3 with a key
 * hint), so its verifier accepts the result. Returns the signature's path.
 */
export async function signModel(folder: string, options: SignOptions): Promise<{ signaturePath: string; subjectDigest: string; files: number }> {
  const root = resolve(folder);
  const signaturePath = resolve(options.signaturePath ?? resolve(root, 'model.sig'));
  const sigRel = relativeName(root, signaturePath);
  const recorded = [...new Set([...(options.ignorePaths ?? []), ...(sigRel.startsWith('..') ? [] : [sigRel]), ...DEFAULT_IGNORES])];
  const serialization: Serialization = { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: recorded };
  const files = await listModelFiles(root, { ignorePaths: recorded, allowSymlinks: false });
  const { resources } = await hashModelFiles(files, {
    method: 'files',
    concurrency: options.concurrency,
    onProgress: options.onProgress,
  });
  // hashModelFiles returns resources in the OpenSSF tool's order (path components, shard offsets as numbers).
  const subject = createHash('sha256');
  for (const r of resources) subject.update(Buffer.from(r.digest, 'hex'));
  const subjectDigest = subject.digest('hex');
  const statement = {
    _type: STATEMENT_V1,
    subject: [{ name: options.name ?? basename(root), digest: { sha256: subjectDigest } }],
    predicateType: PREDICATE_V1,
    predicate: {
      serialization,
      resources: resources.map((r) => ({ algorithm: 'sha256', digest: r.digest, name: r.name })),
    },
  };
  const payload = Buffer.from(pythonJson(statement), 'utf8');
  const signer = asKeySigner(options.key);
  const signature = await signer.sign(preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, payload));
  const bundle = {
    mediaType: BUNDLE_V03,
    verificationMaterial: { publicKey: { hint: keyHint(signer.publicKey) }, tlogEntries: [] },
    dsseEnvelope: { payload: payload.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ sig: signature.toString('base64'), keyid: '' }] },
  };
  await writeFile(signaturePath, JSON.stringify(bundle));
  return { signaturePath, subjectDigest, files: resources.length };
}
