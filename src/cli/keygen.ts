import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { generateP256 } from '../signing/keys.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import { type KmsKeygenOptions, kmsPublicKey } from './keygen-kms.js';

/**
 * Writes a new ECDSA P-256 key pair for checkpoint or model signing: `<out>.pem` (mode 600) and `<out>.pub.pem`;
 * with --kms, only the public key of a key held by a KMS.
 */
export async function keygen(opts: Partial<KmsKeygenOptions>): Promise<ExitCodeValue> {
  if (opts.kms) return kmsPublicKey({ ...opts, kms: opts.kms });
  if (opts.region || opts.endpoint) throw new CliError('--region and --endpoint go with --kms', ExitCode.usage);
  if (!opts.out) throw new CliError('give --out <name> to write a new key pair, or --kms <key> for the public key of a KMS key', ExitCode.usage);
  const privatePath = resolve(`${opts.out}.pem`);
  const publicPath = resolve(`${opts.out}.pub.pem`);
  const exists = await access(privatePath).then(
    () => true,
    () => false,
  );
  if (exists) {
    if (opts.ifMissing) return ExitCode.ok;
    throw new CliError(`${privatePath} already exists; refusing to replace a key (use --if-missing to keep it)`, ExitCode.usage);
  }
  const { privatePem, publicPem } = generateP256();
  await mkdir(dirname(privatePath), { recursive: true });
  await writeFile(privatePath, privatePem, { mode: 0o600, flag: 'wx' });
  await writeFile(publicPath, publicPem, { flag: 'wx' });
  process.stdout.write(`private key: ${privatePath}\npublic key:  ${publicPath}\n`);
  return ExitCode.ok;
}
