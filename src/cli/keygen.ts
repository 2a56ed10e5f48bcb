import { access, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { generateP256 } from '../signing/keys.js';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';

/** Writes a new ECDSA P-256 key pair for checkpoint or model signing: `<out>.pem` (mode 600) and `<out>.pub.pem`. */
export async function keygen(opts: { out: string; ifMissing?: boolean }): Promise<ExitCodeValue> {
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
