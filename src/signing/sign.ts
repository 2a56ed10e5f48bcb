import type { KeyObject } from 'node:crypto';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, type Signer } from '@sigstore/sign';
import { asKeySigner, type KeySigner } from './key-signer.js';
import { keyHint, publicKeyPem } from './keys.js';

/** Signs a payload as a DSSE envelope inside a Sigstore bundle. */
export interface BundleSigner {
  /** What signs: a key hint, or "keyless". */
  readonly identity: string;
  sign(payload: Buffer, payloadType: string): Promise<SerializedBundle>;
}

function fromSigner(signer: Signer, identity: string, witnesses: ConstructorParameters<typeof DSSEBundleBuilder>[0]['witnesses']): BundleSigner {
  const builder = new DSSEBundleBuilder({ signer, witnesses });
  return {
    identity,
    sign: async (payload, payloadType) => bundleToJSON(await builder.create({ data: payload, type: payloadType })),
  };
}

/**
 * A key-based signer: no certificate and no transparency log, verified against the public key alone.
 * The key is a private key here, or one held by a KMS (see kms/).
 */
export function keyBundleSigner(key: KeyObject | KeySigner): BundleSigner {
  const keySigner = asKeySigner(key);
  const hint = keyHint(keySigner.publicKey);
  const publicKey = publicKeyPem(keySigner.publicKey);
  const signer: Signer = {
    sign: async (data) => ({ signature: await keySigner.sign(data), key: { $case: 'publicKey', publicKey, hint } }),
  };
  return fromSigner(signer, `key:${hint}`, []);
}

export interface KeylessOptions {
  identityToken: () => Promise<string>;
  fulcioURL?: string | undefined;
  rekorURL?: string | undefined;
}

/**
 * Sigstore keyless: an ephemeral key certified by Fulcio for an OIDC identity,
 * with the signature entered in Rekor. Needs the network, so not tested here.
 */
export function keylessBundleSigner(options: KeylessOptions): BundleSigner {
  const signer = new FulcioSigner({
    identityProvider: { getToken: options.identityToken },
    ...(options.fulcioURL ? { fulcioBaseURL: options.fulcioURL } : {}),
  });
  const witness = new RekorWitness({ entryType: 'dsse', ...(options.rekorURL ? { rekorBaseURL: options.rekorURL } : {}) });
  return fromSigner(signer, 'keyless', [witness]);
}
