import { isRemote, type RemoteSettings, withoutTrailingSlash } from '../../../src/store/remote/bucket.js';
import { type SignerPolicy, type VerifiedSigner, verifySigner } from '../format/signers.js';
import { DEFAULT_IGNORES, type Manifest, parseBundle, parseStatement, payloadOf, type Serialization } from '../format/statement.js';
import { ModelCheckError, type ModelProblem } from '../problems.js';
import { hashBucket } from './hash-bucket.js';
import { type HashResult, hashModelFiles, type ResourceDigest } from './hash-model.js';
import { listModelFiles, relativeName } from './model-files.js';
import { readSignatureText } from './model-location.js';
import { asProblem, unreadable } from './read-failures.js';

export interface ObserveOptions extends RemoteSettings {
  policy: SignerPolicy;
  /** Extra paths to leave out, relative to the model root (the OpenSSF tool's --ignore_paths). */
  ignorePaths: string[];
  concurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((bytesDone: number, bytesTotal: number) => void) | undefined;
}

interface Observed {
  path: string;
  signaturePath: string;
  fileCount: number;
  totalBytes: number;
  hashSeconds: number;
}

/**
 * What was found of one model: its verified signer and signed statement, and what its files hash to now;
 * or, when reading stopped on the way, the problem that stopped it and whatever was read before.
 */
export type ModelObservation =
  | (Observed & { signer: VerifiedSigner; manifest: Manifest; resources: ResourceDigest[]; problem?: undefined })
  | (Observed & { signer?: VerifiedSigner; manifest?: Manifest; resources?: undefined; problem: ModelProblem });

/** Everything left out of the model: git metadata, what the signature recorded, what the user adds, the signature itself. */
function ignoreList(modelPath: string, serialization: Serialization, extra: string[], signaturePath: string): string[] {
  const ignores = [...DEFAULT_IGNORES, ...(serialization.ignore_paths ?? []), ...extra];
  if (isRemote(modelPath)) {
    const prefix = `${withoutTrailingSlash(modelPath)}/`;
    if (signaturePath.startsWith(prefix)) ignores.push(signaturePath.slice(prefix.length));
  } else {
    const rel = relativeName(modelPath, signaturePath);
    if (!rel.startsWith('..') && rel !== '.') ignores.push(rel);
  }
  return [...new Set(ignores)];
}

async function hashLocal(modelPath: string, manifest: Manifest, ignores: string[], options: ObserveOptions): Promise<HashResult> {
  const files = await listModelFiles(modelPath, { ignorePaths: ignores, allowSymlinks: manifest.serialization.allow_symlinks === true });
  return hashModelFiles(files, {
    method: manifest.serialization.method,
    ...(manifest.serialization.shard_size ? { shardSize: Number(manifest.serialization.shard_size) } : {}),
    concurrency: options.concurrency,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/**
 * Reads one model and its OpenSSF model signature. The signer is verified before any file is read: the
 * signed statement says how to read the model (method, shard size, ignored paths), and one from a signer
 * the policy does not allow is not followed.
 */
export async function observeModel(modelPath: string, signaturePath: string, options: ObserveOptions): Promise<ModelObservation> {
  const observed: Observed = { path: modelPath, signaturePath, fileCount: 0, totalBytes: 0, hashSeconds: 0 };
  let signer: VerifiedSigner | undefined;
  let manifest: Manifest | undefined;
  try {
    const text = await readSignatureText(signaturePath, options).catch((err: unknown) => {
      throw unreadable(`cannot read the signature ${signaturePath}`, err, 'check that the agent may read it');
    });
    if (text === null) throw new ModelCheckError('signature-missing', `no signature at ${signaturePath}`, signaturePath);
    const bundle = parseBundle(text, signaturePath);
    signer = await verifySigner(bundle, options.policy);
    manifest = parseStatement(payloadOf(bundle));
    const ignores = ignoreList(modelPath, manifest.serialization, options.ignorePaths, signaturePath);
    if (isRemote(modelPath) && manifest.serialization.method === 'shards') {
      throw new ModelCheckError('model-unreadable', 'shard-serialized models are checked on local disk only');
    }
    const hashed = isRemote(modelPath) ? await hashBucket(modelPath, ignores, options) : await hashLocal(modelPath, manifest, ignores, options);
    return {
      ...observed,
      signer,
      manifest,
      resources: hashed.resources,
      fileCount: new Set(hashed.resources.map((r) => r.name.replace(/:\d+:\d+$/, ''))).size,
      totalBytes: hashed.totalBytes,
      hashSeconds: hashed.seconds,
    };
  } catch (err) {
    // Only a stopped run ends the caller's loop; any other problem is this model's, and the models after it still get their records.
    if (options.signal?.aborted) throw err;
    const { code, message, ref } = asProblem(err, modelPath);
    return {
      ...observed,
      ...(signer ? { signer } : {}),
      ...(manifest ? { manifest } : {}),
      problem: { code, message, ...(ref !== undefined ? { ref } : {}) },
    };
  }
}
