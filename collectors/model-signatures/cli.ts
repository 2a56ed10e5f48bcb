import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode, type ExitCodeValue } from '../../src/cli/exit-codes.js';
import type { CommandPlugin, RunAction } from '../../src/cli/plugins.js';
import { Progress } from '../../src/cli/progress.js';
import type { KeySigner } from '../../src/signing/key-signer.js';
import { parsePrivateKey } from '../../src/signing/keys.js';
import { kmsKeySigner, kmsSettingsFromId } from '../../src/signing/kms/open.js';
import { signModel } from './format/sign-model.js';
import { failsModel } from './judge/findings.js';
import { signatureFindings } from './judge/signature-findings.js';
import { defaultSignaturePath } from './observe/model-location.js';
import { observeModel } from './observe/observe-model.js';
import { loadPolicy } from './observe/signer-policy.js';

export interface ModelSignOptions {
  key?: string;
  kms?: string;
  region?: string;
  endpoint?: string;
  name?: string;
  signature?: string;
  ignorePaths?: string[];
}

export interface ModelVerifyOptions {
  signature?: string;
  publicKey?: string[];
  certificateChain?: string[];
  identity?: string;
  issuer?: string;
  trustedRoot?: string;
  ignorePaths?: string[];
  allowUnsignedFiles?: boolean;
  json?: boolean;
}

async function signingKey(opts: ModelSignOptions): Promise<KeyObject | KeySigner> {
  if (Boolean(opts.key) === Boolean(opts.kms)) throw new CliError('give exactly one of --key <pem> or --kms <key>', ExitCode.usage);
  if (opts.kms) return kmsKeySigner(kmsSettingsFromId(opts.kms, opts));
  if (opts.region || opts.endpoint) throw new CliError('--region and --endpoint go with --kms', ExitCode.usage);
  const key = opts.key!;
  const pem = await readFile(key, 'utf8').catch((err: unknown) => {
    throw new CliError(`--key ${key}: ${(err as Error).message}`, ExitCode.usage);
  });
  return parsePrivateKey(pem, `--key ${key}`);
}

/** Signs a model folder with a private key or a KMS key, writing an OpenSSF-compatible model.sig. */
export async function modelSign(folder: string, opts: ModelSignOptions): Promise<ExitCodeValue> {
  const key = await signingKey(opts);
  const progress = new Progress('hashing', 'bytes');
  const result = await signModel(folder, {
    key,
    name: opts.name,
    signaturePath: opts.signature,
    ignorePaths: opts.ignorePaths,
    onProgress: (d, t) => progress.update(d, t),
  });
  progress.done();
  process.stdout.write(`signed ${result.files} files: ${result.signaturePath}\nsubject digest sha256:${result.subjectDigest}\n`);
  return ExitCode.ok;
}

function methodOf(opts: ModelVerifyOptions): 'key' | 'certificate' | 'sigstore' {
  const chosen = [opts.publicKey && 'key', opts.certificateChain && 'certificate', (opts.identity || opts.issuer) && 'sigstore'].filter(Boolean);
  if (chosen.length !== 1) {
    throw new CliError('give exactly one of --public-key, --certificate-chain, or --identity with --issuer', ExitCode.usage);
  }
  if (chosen[0] === 'sigstore' && !(opts.identity && opts.issuer))
    throw new CliError('keyless verification needs both --identity and --issuer', ExitCode.usage);
  return chosen[0] as 'key' | 'certificate' | 'sigstore';
}

/** Verifies one model against its signature; exit 0 when it verifies, 4 with the reasons otherwise. */
export async function modelVerify(path: string, opts: ModelVerifyOptions): Promise<ExitCodeValue> {
  const method = methodOf(opts);
  const policy = await loadPolicy(
    {
      method,
      // The options' type comes from the collector's schema, where an absent option is absent, not undefined.
      ...(opts.publicKey ? { publicKeys: opts.publicKey } : {}),
      ...(opts.certificateChain ? { certificateChain: opts.certificateChain } : {}),
      ...(opts.identity ? { identity: opts.identity } : {}),
      ...(opts.issuer ? { issuer: opts.issuer } : {}),
      ...(opts.trustedRoot ? { trustedRoot: opts.trustedRoot } : {}),
    },
    (p) => resolve(p),
  ).catch((err: unknown) => {
    throw new CliError((err as Error).message, ExitCode.usage);
  });
  const modelPath = path.includes('://') ? path : resolve(path);
  const progress = new Progress('hashing', 'bytes');
  const observed = await observeModel(modelPath, opts.signature ?? defaultSignaturePath(modelPath), {
    policy,
    ignorePaths: opts.ignorePaths ?? [],
    onProgress: (d, t) => progress.update(d, t),
  });
  progress.done();
  const findings = signatureFindings(observed, opts.allowUnsignedFiles ?? false);
  const ok = !findings.some(failsModel);
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify(
        { ok, subjectDigest: observed.manifest?.subjectDigest ?? null, signer: observed.signer ?? null, files: observed.fileCount, findings },
        null,
        2,
      )}\n`,
    );
  } else {
    const signer =
      observed.signer?.keyHint ??
      observed.signer?.certificateSubject ??
      (observed.signer?.identity ? `${observed.signer.identity} (${observed.signer.issuer})` : 'unknown');
    process.stdout.write(ok ? `OK: ${observed.fileCount} files match the signature by ${signer}\n` : `FAILED: ${modelPath}\n`);
    for (const f of findings) process.stdout.write(`  ${f.code}${f.ref ? ` ${f.ref}` : ''}: ${f.message}\n`);
  }
  return ok ? ExitCode.ok : ExitCode.verifyProblems;
}

/** `evidence-agent model sign|verify`: the same signing and checks as the collector, for one model at a time. */
export const modelCommands: CommandPlugin = {
  name: 'model',
  register(cmd: Command, run: RunAction): void {
    const model = cmd.command('model').description('sign and verify model artifacts (OpenSSF model signing format)');
    model
      .command('sign <folder>')
      .description('sign a model folder with an ECDSA private key or a KMS key, writing <folder>/model.sig')
      .option('--key <pem>', 'private key (PEM)')
      .option('--kms <key>', 'sign with a KMS key instead: an AWS KMS key ARN, alias or id, or a Cloud KMS key version (projects/…)')
      .option('--region <region>', 'AWS region of the --kms key (default: from its ARN, else AWS_REGION)')
      .option('--endpoint <url>', 'KMS endpoint for --kms (a VPC/private endpoint or a test server)')
      .option('--name <name>', 'subject name (default: the folder name)')
      .option('--signature <path>', 'where to write the signature (default: <folder>/model.sig)')
      .option('--ignore-paths <paths...>', 'paths to leave out, relative to the folder')
      .action((folder: string, opts: Parameters<typeof modelSign>[1]) => run(() => modelSign(folder, opts)));
    model
      .command('verify <path>')
      .description('verify one model (folder, file, s3:// or gs:// prefix) against its signature')
      .option('--signature <path>', 'signature file (default: <path>/model.sig)')
      .option('--public-key <pem...>', 'allowed public keys (key-signed models)')
      .option('--certificate-chain <pem...>', 'trusted CA certificates (certificate-signed models)')
      .option('--identity <identity>', 'expected signer identity (Sigstore keyless)')
      .option('--issuer <url>', 'expected OIDC issuer (Sigstore keyless)')
      .option('--trusted-root <file>', 'Sigstore trusted_root.json (default: the public-good root embedded in @sigstore/tuf)')
      .option('--ignore-paths <paths...>', 'paths to leave out, relative to the model')
      .option('--allow-unsigned-files', 'accept files the signature does not cover')
      .option('--json', 'print the result as JSON')
      .action((path: string, opts: Parameters<typeof modelVerify>[1]) => run(() => modelVerify(path, opts)));
  },
};
