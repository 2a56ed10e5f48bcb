import { resolve } from 'node:path';
import type { Finding } from '../record/types.js';
import { hashModelFiles, hashStream, ModelHashError, type ResourceDigest } from './hash-model.js';
import { bucketReader, isRemote, readSignatureText, type RemoteSettings } from './model-location.js';
import { ignoreMatcher, listModelFiles, ModelFilesError, relativeName } from './model-files.js';
import { ModelCheckError, modelFinding } from './problems.js';
import { verifySigner, type SignerPolicy, type VerifiedSigner } from './signers.js';
import { DEFAULT_IGNORES, parseBundle, parseStatement, payloadOf, type Manifest, type Serialization } from './statement.js';

export interface ModelCheckOptions extends RemoteSettings {
  policy: SignerPolicy;
  /** Extra paths to leave out, relative to the model root (the OpenSSF tool's --ignore_paths). */
  ignorePaths: string[];
  allowUnsignedFiles: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface ModelCheck {
  path: string;
  signaturePath: string;
  findings: Finding[];
  manifest?: Manifest;
  signer?: VerifiedSigner;
  fileCount: number;
  totalBytes: number;
  hashSeconds: number;
}

/** Where the OpenSSF tool writes the signature by default. */
export function defaultSignaturePath(modelPath: string): string {
  return isRemote(modelPath) ? `${withoutTrailingSlash(modelPath)}/model.sig` : resolve(modelPath, 'model.sig');
}

function withoutTrailingSlash(location: string): string {
  return location.replace(/\/+$/, '');
}

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

/** A `model-unreadable` problem: what could not be read, the cause, and what to do about it. */
function unreadable(what: string, cause: unknown, advice: string, ref?: string): ModelCheckError {
  return new ModelCheckError('model-unreadable', `${what}: ${cause instanceof Error ? cause.message : String(cause)}; ${advice}`, ref);
}

async function hashRemote(modelPath: string, ignores: string[], options: ModelCheckOptions): Promise<{ resources: ResourceDigest[]; totalBytes: number; seconds: number }> {
  const started = performance.now();
  const base = withoutTrailingSlash(modelPath);
  const isIgnored = ignoreMatcher(ignores);
  const reader = await bucketReader(modelPath, options);
  try {
    const names: string[] = [];
    try {
      // A key ending in '/' is a zero-byte folder marker (the S3 console makes them), not a file of the model.
      for await (const name of reader.list('')) if (!name.endsWith('/') && !isIgnored(name)) names.push(name);
    } catch (err) {
      throw unreadable(`cannot list the objects under ${base}/`, err, "check the bucket and prefix, and that the agent's credentials may list them");
    }
    const resources: ResourceDigest[] = [];
    for (const name of names) {
      options.signal?.throwIfAborted();
      try {
        const body = await reader.open(name);
        if (body) resources.push({ name, ...(await hashStream(body)) });
      } catch (err) {
        throw unreadable(`cannot read ${base}/${name}`, err, "check that the object still exists and that the agent's credentials may read it", name);
      }
    }
    return { resources, totalBytes: resources.reduce((n, r) => n + r.size, 0), seconds: (performance.now() - started) / 1000 };
  } finally {
    await reader.close();
  }
}

async function hashLocal(modelPath: string, manifest: Manifest, ignores: string[], options: ModelCheckOptions) {
  const files = await listModelFiles(modelPath, { ignorePaths: ignores, allowSymlinks: manifest.serialization.allow_symlinks === true });
  return hashModelFiles(files, {
    method: manifest.serialization.method,
    ...(manifest.serialization.shard_size ? { shardSize: Number(manifest.serialization.shard_size) } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}

/** Compares what was signed with what is there: one finding per missing, changed or unsigned file. */
function compare(manifest: Manifest, actual: ResourceDigest[], allowUnsigned: boolean): Finding[] {
  const findings: Finding[] = [];
  const present = new Map(actual.map((r) => [r.name, r.digest]));
  for (const [name, digest] of manifest.resources) {
    const local = present.get(name);
    if (local === undefined) findings.push(modelFinding('file-missing', `${name} was signed but is not in the model`, name));
    else if (local !== digest) findings.push(modelFinding('file-digest-mismatch', `${name} hashes to ${local}, but ${digest} was signed`, name));
  }
  if (!allowUnsigned) {
    for (const { name } of actual) {
      if (!manifest.resources.has(name)) findings.push(modelFinding('file-unsigned', `${name} is in the model but not covered by the signature`, name));
    }
  }
  return findings;
}

/**
 * Checks one model against its OpenSSF model signature: who signed it, that
 * the signature covers the statement, and that every file matches.
 */
export async function checkModel(modelPath: string, signaturePath: string, options: ModelCheckOptions): Promise<ModelCheck> {
  const check: ModelCheck = { path: modelPath, signaturePath, findings: [], fileCount: 0, totalBytes: 0, hashSeconds: 0 };
  try {
    const text = await readSignatureText(signaturePath, options).catch((err: unknown) => {
      throw unreadable(`cannot read the signature ${signaturePath}`, err, 'check that the agent may read it');
    });
    if (text === null) throw new ModelCheckError('signature-missing', `no signature at ${signaturePath}`, signaturePath);
    const bundle = parseBundle(text, signaturePath);
    check.signer = await verifySigner(bundle, options.policy);
    const manifest = parseStatement(payloadOf(bundle));
    check.manifest = manifest;
    if (manifest.format === 'legacy-v0.1' || check.signer.encoding === 'legacy') {
      check.findings.push(modelFinding('legacy-format', 'signed in a legacy model_signing format (Digests/v0.1 predicate or the 0.2 encoding); accepted'));
    }
    const ignores = ignoreList(modelPath, manifest.serialization, options.ignorePaths, signaturePath);
    if (isRemote(modelPath) && manifest.serialization.method === 'shards') {
      throw new ModelCheckError('model-unreadable', 'shard-serialized models are checked on local disk only');
    }
    const hashed = isRemote(modelPath) ? await hashRemote(modelPath, ignores, options) : await hashLocal(modelPath, manifest, ignores, options);
    check.fileCount = new Set(hashed.resources.map((r) => r.name.replace(/:\d+:\d+$/, ''))).size;
    check.totalBytes = hashed.totalBytes;
    check.hashSeconds = hashed.seconds;
    check.findings.push(...compare(manifest, hashed.resources, options.allowUnsignedFiles));
  } catch (err) {
    // Only a stopped run ends the caller's loop; any other problem is this model's, and the models after it still get their records.
    if (options.signal?.aborted) throw err;
    const problem = asProblem(err, modelPath);
    check.findings.push(modelFinding(problem.code, problem.message, problem.ref));
  }
  return check;
}

/** What stopped the check of one model, as the one problem its record reports. */
function asProblem(err: unknown, modelPath: string): ModelCheckError {
  if (err instanceof ModelCheckError) return err;
  if (err instanceof ModelFilesError) return new ModelCheckError(/symlink/i.test(err.message) ? 'symlink-refused' : 'model-unreadable', err.message);
  if (err instanceof ModelHashError) {
    return unreadable(
      `cannot read ${err.path}`,
      err,
      'it was removed, replaced or cut short while it was hashed, or the agent may not read it: make it readable and leave the model unchanged while it is checked',
      relativeName(modelPath, err.path),
    );
  }
  return unreadable(`cannot check ${modelPath}`, err, 'the model was not checked; fix the cause and run again');
}
