import { SigningKeyError } from '../keys.js';

/** The KMS refused: the caller may not use the key (needs Sign and GetPublicKey on it). */
export class KmsAccessDeniedError extends SigningKeyError {
  override name = 'KmsAccessDeniedError';
}

/** No such key or key version, or it is disabled or scheduled for deletion. */
export class KmsKeyUnusableError extends SigningKeyError {
  override name = 'KmsKeyUnusableError';
}

/** The key exists but is not an ECDSA P-256 signing key, so verify could not check what it signs. */
export class KmsWrongKeySpecError extends SigningKeyError {
  override name = 'KmsWrongKeySpecError';
}

/** The KMS answered with a signature its own public key does not verify. */
export class KmsBadSignatureError extends SigningKeyError {
  override name = 'KmsBadSignatureError';
}

/** The KMS did not answer (network, DNS, timeouts, server errors) after the client's retries. A runtime failure, not a setup one. */
export class KmsUnavailableError extends Error {
  override name = 'KmsUnavailableError';
}
