import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** The hash each ECDSA curve is used with in Sigstore and OpenSSF model signing. */
const CURVE_HASH: Record<string, string> = { prime256v1: 'sha256', secp384r1: 'sha384', secp521r1: 'sha512' };

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** The first PEM block in a text: key files made by some tools carry a human-readable preamble. */
export function pemBlock(text: string, what: string): string {
  const m = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/.exec(text);
  if (!m) throw new SigningKeyError(`${what} holds no PEM block`);
  return m[0];
}

export function publicKeyPem(key: KeyObject): string {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();
}

/** The key hint Sigstore bundles and OpenSSF model signing use: hex SHA-256 of the PEM text of the public key. */
export function keyHint(key: KeyObject): string {
  return createHash('sha256').update(publicKeyPem(key)).digest('hex');
}

/** The digest an ECDSA key signs with, refusing anything that is not an ECDSA key on a supported curve. */
export function ecdsaHash(key: KeyObject, what: string): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const hash = key.asymmetricKeyType === 'ec' && curve ? CURVE_HASH[curve] : undefined;
  if (!hash) throw new SigningKeyError(`${what} is not an ECDSA P-256, P-384 or P-521 key (got ${key.asymmetricKeyType ?? 'unknown'} ${curve ?? ''})`);
  return hash;
}

function parseKey(pem: string, what: string, kind: 'private' | 'public'): KeyObject {
  try {
    const block = pemBlock(pem, what);
    const key = kind === 'private' ? createPrivateKey(block) : createPublicKey(block);
    ecdsaHash(key, what);
    return key;
  } catch (err) {
    if (err instanceof SigningKeyError) throw err;
    throw new SigningKeyError(`${what} is not a readable ${kind} key: ${(err as Error).message}`);
  }
}

export function parsePrivateKey(pem: string, what: string): KeyObject {
  return parseKey(pem, what, 'private');
}

export function parsePublicKey(pem: string, what: string): KeyObject {
  return parseKey(pem, what, 'public');
}

/** A fresh ECDSA P-256 key pair as PEM (PKCS#8 private, SPKI public). */
export function generateP256(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
