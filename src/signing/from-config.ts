import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parsePrivateKey, SigningKeyError } from './keys.js';
import type { SigningSettings } from './settings.js';
import type { BundleSigner } from './sign.js';

/** The checkpoint signer a config asks for, or null when signing is not configured. */
export async function signerFromConfig(signing: SigningSettings | null, configDir: string, env: NodeJS.ProcessEnv = process.env): Promise<BundleSigner | null> {
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
