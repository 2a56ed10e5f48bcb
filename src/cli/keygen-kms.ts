import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { publicKeyPem } from '../signing/keys.js';
import { kmsKeySigner, kmsSettingsFromId } from '../signing/kms/open.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';

export interface KmsKeygenOptions {
  kms: string;
  region?: string;
  endpoint?: string;
  out?: string;
  ifMissing?: boolean;
}

/**
 * The public key of a KMS-held signing key, in PEM, for auditors' `verify --trusted-key`:
 * printed, or written to `<out>.pub.pem`. Nothing is created in the KMS.
 */
export async function kmsPublicKey(opts: KmsKeygenOptions): Promise<ExitCodeValue> {
  const path = opts.out ? resolve(`${opts.out}.pub.pem`) : null;
  if (
    path &&
    opts.ifMissing &&
    (await access(path).then(
      () => true,
      () => false,
    ))
  )
    return ExitCode.ok;
  const signer = await kmsKeySigner(kmsSettingsFromId(opts.kms, opts));
  const pem = publicKeyPem(signer.publicKey);
  if (!path) {
    process.stdout.write(pem);
    return ExitCode.ok;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, pem, { flag: 'wx' }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new CliError(`${path} already exists; refusing to replace it (use --if-missing to keep it)`, ExitCode.usage);
  });
  process.stdout.write(`public key of ${signer.name}: ${path}\n`);
  return ExitCode.ok;
}
