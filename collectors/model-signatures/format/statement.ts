import { createHash } from 'node:crypto';
import { ModelCheckError } from '../problems.js';
import { compareModelNames } from './resource-order.js';

export const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
export const PREDICATE_V1 = 'https://model_signing/signature/v1.0';
export const PREDICATE_LEGACY = 'https://model_signing/Digests/v0.1';
/** What the OpenSSF tool always leaves out of a model, besides the signature file itself. */
export const DEFAULT_IGNORES = ['.git', '.gitattributes', '.github', '.gitignore'];

export interface Serialization {
  method: 'files' | 'shards';
  hash_type: string;
  allow_symlinks: boolean;
  ignore_paths?: string[];
  shard_size?: number;
}

export interface SignedBundle {
  json: Record<string, unknown>;
  envelope: { payload: string; payloadType: string; signatures: { sig: string; keyid?: string | null }[] };
  verificationMaterial: Record<string, unknown>;
}

/** The signed claim about a model: what each file (or shard) must hash to. */
export interface Manifest {
  format: 'v1.0' | 'legacy-v0.1';
  modelName: string;
  serialization: Serialization;
  /** Resource name -> lowercase hex digest. */
  resources: Map<string, string>;
  /**
   * sha256 over the raw resource digests in listed order. A legacy signature has none: it is computed over
   * its subjects in the order the OpenSSF tool gives the manifest it reads from one (compareModelNames),
   * so it equals the digest of a v1.0 signature of the same files.
   */
  subjectDigest: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(value: unknown, what: string): Buffer {
  if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new ModelCheckError('signature-invalid', `${what} is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the text of a model.sig; every malformation is a `signature-invalid` with what is wrong. */
export function parseBundle(text: string, source: string): SignedBundle {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelCheckError('signature-invalid', `${source} is not valid JSON (${(err as Error).message}); the file may be truncated`);
  }
  if (!isObject(json)) throw new ModelCheckError('signature-invalid', `${source} is not a Sigstore bundle object`);
  const envelope = json.dsseEnvelope;
  const material = json.verificationMaterial;
  if (!isObject(envelope)) throw new ModelCheckError('signature-invalid', `${source} holds no DSSE envelope (dsseEnvelope)`);
  if (!isObject(material)) throw new ModelCheckError('signature-invalid', `${source} has no verificationMaterial`);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new ModelCheckError('signature-invalid', `${source}: payload type is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`);
  }
  const signatures = envelope.signatures;
  if (!Array.isArray(signatures) || signatures.length === 0 || !isObject(signatures[0])) {
    throw new ModelCheckError('signature-invalid', `${source}: the envelope carries no signature`);
  }
  decodeBase64(envelope.payload, `${source}: dsseEnvelope.payload`);
  decodeBase64(signatures[0].sig, `${source}: dsseEnvelope.signatures[0].sig`);
  return { json, envelope: envelope as SignedBundle['envelope'], verificationMaterial: material };
}

export function payloadOf(bundle: SignedBundle): Buffer {
  return Buffer.from(bundle.envelope.payload, 'base64');
}

export function signatureOf(bundle: SignedBundle): Buffer {
  return Buffer.from(bundle.envelope.signatures[0]!.sig, 'base64');
}

function rootDigest(digests: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const d of digests) hash.update(Buffer.from(d, 'hex'));
  return hash.digest('hex');
}

/** Reads the in-toto statement a verified payload carries. */
export function parseStatement(payload: Buffer): Manifest {
  let st: Record<string, unknown>;
  try {
    st = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ModelCheckError('signature-invalid', 'the signed payload is not JSON');
  }
  if (st._type !== STATEMENT_V1) throw new ModelCheckError('signature-invalid', `the payload is not an in-toto Statement v1 (_type ${String(st._type)})`);
  const subjects = st.subject as { name?: string; digest?: { sha256?: string } }[] | undefined;
  if (!Array.isArray(subjects) || subjects.length === 0) throw new ModelCheckError('signature-invalid', 'the statement has no subject');

  if (st.predicateType === PREDICATE_LEGACY) {
    const resources = new Map<string, string>();
    for (const s of subjects) {
      if (typeof s.name !== 'string' || typeof s.digest?.sha256 !== 'string')
        throw new ModelCheckError('signature-invalid', 'a legacy subject lacks a name or sha256 digest');
      resources.set(s.name, s.digest.sha256);
    }
    const sorted = [...resources.keys()].sort(compareModelNames);
    return {
      format: 'legacy-v0.1',
      modelName: '',
      serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false },
      resources,
      subjectDigest: rootDigest(sorted.map((n) => resources.get(n)!)),
    };
  }
  if (st.predicateType !== PREDICATE_V1) throw new ModelCheckError('signature-invalid', `unknown predicate type ${String(st.predicateType)}`);
  if (subjects.length !== 1) throw new ModelCheckError('signature-invalid', 'a v1.0 statement must have exactly one subject');
  const predicate = st.predicate as { serialization?: Serialization; resources?: { name?: string; digest?: string }[] } | undefined;
  const serialization = predicate?.serialization;
  if (!serialization || (serialization.method !== 'files' && serialization.method !== 'shards')) {
    throw new ModelCheckError('signature-invalid', 'the predicate has no usable serialization (method files or shards)');
  }
  if (serialization.hash_type !== 'sha256') {
    throw new ModelCheckError('signature-invalid', `hash type ${serialization.hash_type} is not supported (sha256 is)`);
  }
  if (!Array.isArray(predicate?.resources)) throw new ModelCheckError('signature-invalid', 'the predicate lists no resources');
  const resources = new Map<string, string>();
  for (const r of predicate.resources) {
    if (typeof r.name !== 'string' || typeof r.digest !== 'string') throw new ModelCheckError('signature-invalid', 'a resource lacks a name or digest');
    if (resources.has(r.name)) throw new ModelCheckError('signature-invalid', `resource ${r.name} is listed twice`);
    resources.set(r.name, r.digest);
  }
  const root = rootDigest(predicate.resources.map((r) => r.digest!));
  const subject = subjects[0]!;
  if (subject.digest?.sha256 !== root) {
    throw new ModelCheckError('signature-invalid', `the subject digest ${String(subject.digest?.sha256)} is not the digest of the listed resources (${root})`);
  }
  return { format: 'v1.0', modelName: subject.name ?? '', serialization, resources, subjectDigest: root };
}
