import { createPublicKey, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { keyHint } from './keys.js';

const EMPTY_ROOT = TrustedRoot.fromJSON({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
});

export interface VerifiedEnvelope {
  payload: Buffer;
  payloadType: string;
}

/**
 * Verifies a key-signed DSSE Sigstore bundle (ECDSA P-256) against a trusted
 * public key with @sigstore/verify, and returns the payload it covers.
 * Throws with the reason when the bundle is malformed or the signature does not verify.
 */
export function verifyKeyBundle(bundleJson: unknown, trustedKey: KeyObject): VerifiedEnvelope {
  const bundle = bundleFromJSON(bundleJson);
  if (bundle.content.$case !== 'dsseEnvelope') throw new Error('the bundle holds no DSSE envelope');
  const hint = keyHint(trustedKey);
  const material = toTrustMaterial(EMPTY_ROOT, {
    [hint]: {
      rawBytes: (trustedKey.type === 'private' ? createPublicKey(trustedKey) : trustedKey).export({ type: 'spki', format: 'der' }),
      keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
      validFor: { start: new Date(0) },
    },
  });
  // RFC 3161 timestamps are checked on their own, against TSA certificates (signing/timestamp.ts): the Verifier would
  // otherwise reject every timestamped bundle for want of a timestamp authority in this root.
  new Verifier(material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify({ ...toSignedEntity(bundle), timestamps: [] });
  const envelope = bundle.content.dsseEnvelope;
  return { payload: Buffer.from(envelope.payload), payloadType: envelope.payloadType };
}
