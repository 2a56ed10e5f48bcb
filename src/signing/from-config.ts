import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parsePrivateKey, SigningKeyError } from './keys.js';
import type { SigningSettings } from './settings.js';
import type { BundleSigner } from './sign.js';

/** The checkpoint signer a config asks for, or null when signing is not configured; with `signing.tsa`, it timestamps too. */
export async function signerFromConfig(
  signing: SigningSettings | null,
  configDir: string,
  env: NodeJS.ProcessEnv = process.env,
  onTimestampMissing: (reason: string) => void = (reason) => process.emitWarning(reason, 'TimestampWarning'),
): Promise<BundleSigner | null> {
  const signer = await keySigner(signing, configDir, env);
  if (!signer || !signing?.tsa) return signer;
  const { tsaFromConfig } = await import('./tsa-config.js');
  const { timestampingSigner } = await import('./timestamp-authority.js');
  return timestampingSigner(signer, await tsaFromConfig(signing.tsa, configDir), (reason) =>
    onTimestampMissing(`the checkpoint is written without a trusted timestamp: ${reason}`),
  );
}

async function keySigner(signing: SigningSettings | null, configDir: string, env: NodeJS.ProcessEnv): Promise<BundleSigner | null> {
  if (!signing) return null;
  // The sigstore libraries are loaded only when a config signs.
  const { keyBundleSigner, keylessBundleSigner } = await import('./sign.js');
  if (signing.key) {
    const file = resolve(configDir, signing.key);
    const pem = await readFile(file, 'utf8').catch((err: unknown) => {
      throw new SigningKeyError(`signing.key: cannot read ${file}: ${(err as Error).message}. Create one with: evidence-agent keygen --out <name>`);
    });
    return keyBundleSigner(parsePrivateKey(pem, `signing.key (${file})`));
  }
  if (signing.keyEnv) {
    const pem = env[signing.keyEnv];
    if (!pem) throw new SigningKeyError(`signing.keyEnv: environment variable ${signing.keyEnv} is not set`);
    return keyBundleSigner(parsePrivateKey(pem, `signing.keyEnv (${signing.keyEnv})`));
  }
  if (signing.kms || signing.gcpKms) {
    const { kmsKeySigner } = await import('./kms/open.js');
    return keyBundleSigner(await kmsKeySigner(signing.kms ? { kms: signing.kms } : { gcpKms: signing.gcpKms! }));
  }
  const keyless = signing.keyless!;
  return keylessBundleSigner({
    identityToken: async () => {
      const token = env[keyless.identityTokenEnv];
      if (!token) throw new SigningKeyError(`signing.keyless.identityTokenEnv: environment variable ${keyless.identityTokenEnv} holds no OIDC token`);
      return token;
    },
    fulcioURL: keyless.fulcioURL,
    rekorURL: keyless.rekorURL,
  });
}
