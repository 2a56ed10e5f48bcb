import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { ecdsaHash } from './keys.js';

/**
 * An ECDSA key that signs: a private key in this process, or one that never
 * leaves a KMS. Both give the same DER signature over the same bytes, so a
 * bundle signed through either verifies against the public key alone.
 */
export interface KeySigner {
  /** What holds the key, for messages: a file, a KMS key ARN or key version. */
  readonly name: string;
  readonly publicKey: KeyObject;
  /** DER-encoded ECDSA signature over `data`, hashed with the curve's hash. */
  sign(data: Buffer): Promise<Buffer>;
}

export function localKeySigner(privateKey: KeyObject, name = 'signing key'): KeySigner {
  const hash = ecdsaHash(privateKey, name);
  return { name, publicKey: privateKey, sign: async (data) => cryptoSign(hash, data, privateKey) };
}

/** A private key, or a signer whose key is held elsewhere, as one signer. */
export function asKeySigner(key: KeyObject | KeySigner): KeySigner {
  return 'sign' in key ? key : localKeySigner(key);
}

/** Whether `signature` is a valid ECDSA signature by `publicKey` over `data`. */
export function signatureVerifies(publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  return cryptoVerify(ecdsaHash(publicKey, 'public key'), data, publicKey, signature);
}
