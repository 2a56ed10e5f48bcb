import { createSecretKey, X509Certificate } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { type SignedEntity, type TrustMaterial, toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';

/** extendedKeyUsage id-kp-timeStamping (RFC 3161 §2.3): the only purpose a TSA's certificate may have. */
const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

export class TimestampError extends Error {
  override name = 'TimestampError';
}

/** The certificates an RFC 3161 timestamp must chain to: the TSA's own, then the CA certificates above it. */
export interface TsaTrust {
  /** Names where the certificates came from, for messages. */
  readonly source: string;
  readonly material: TrustMaterial;
  /** verifyBundleTimestamps with these certificates: callers that hold a TsaTrust need not load this module themselves. */
  verify(bundleJson: unknown): Date[];
}

function pemCertificates(pem: string, source: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new TimestampError(`${source} holds no PEM certificate: give the TSA's certificate and its CA certificates`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new TimestampError(`${source}: certificate ${i + 1} does not read: ${(err as Error).message}`);
    }
  });
}

/**
 * Reads a TSA's certificate chain (PEM). Each certificate for time stamping becomes one trusted authority, with every
 * other certificate of the file as the chain it may be verified through; order in the file does not matter.
 */
export function tsaTrust(pem: string, source: string): TsaTrust {
  const certs = pemCertificates(pem, source);
  const leaves = certs.filter((c) => (c.keyUsage ?? []).includes(TIME_STAMPING));
  if (leaves.length === 0) {
    throw new TimestampError(`${source} holds no certificate for time stamping (extendedKeyUsage timeStamping): add the TSA's own certificate`);
  }
  const cas = certs.filter((c) => !leaves.includes(c));
  for (const leaf of leaves) {
    // @sigstore/core checks ECDSA-signed timestamps only; say so now rather than fail every verification later.
    if (leaf.publicKey.asymmetricKeyType !== 'ec') {
      throw new TimestampError(
        `${source}: the TSA certificate ${leaf.subject.replace(/\n/g, ', ')} has a ${leaf.publicKey.asymmetricKeyType ?? 'unknown'} key; ` +
          'timestamps are verified with @sigstore/verify, which checks ECDSA-signed timestamps only: use a TSA that signs with ECDSA',
      );
    }
    if (cas.length === 0 && leaf.issuer !== leaf.subject) {
      throw new TimestampError(`${source} holds the TSA certificate but not the CA certificate that issued it (${leaf.issuer.replace(/\n/g, ', ')}): add it`);
    }
  }
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: leaves.map((leaf) => ({
      subject: { organization: '', commonName: leaf.subject },
      uri: '',
      certChain: { certificates: [leaf, ...cas].map((c) => ({ rawBytes: c.raw.toString('base64') })) },
      validFor: { start: new Date(leaf.validFrom).toISOString(), end: new Date(leaf.validTo).toISOString() },
    })),
  });
  // Timestamps are checked apart from the signature (see timestampsOnly): the signer's key is a stand-in, never used.
  const standIn = { publicKey: createSecretKey(Buffer.alloc(16)), validFor: () => true };
  const trust: TsaTrust = {
    source,
    material: toTrustMaterial(root, () => standIn),
    verify: (bundleJson) => verifyBundleTimestamps(bundleJson, trust),
  };
  return trust;
}

/**
 * The same entity, with nothing to check but its RFC 3161 timestamps: the signature is checked on its own (with the
 * trusted key, or not at all without one), and @sigstore/verify's Verifier checks timestamps only as part of a whole
 * verification. So the signing key is a stand-in and the signature check is left to the caller.
 */
function timestampsOnly(entity: SignedEntity): SignedEntity {
  const signature = entity.signature.signature;
  return {
    signature: {
      signature,
      compareSignature: (other) => other.equals(signature),
      compareDigest: (digest) => entity.signature.compareDigest(digest),
      verifySignature: () => true,
    },
    key: { $case: 'public-key', hint: 'timestamps-only' },
    tlogEntries: [],
    timestamps: entity.timestamps.filter((t) => t.$case === 'timestamp-authority'),
  };
}

/**
 * Verifies every RFC 3161 timestamp of a Sigstore bundle over its signature against the TSA certificates, and returns
 * the time each one states; an empty list when the bundle carries none. Throws TimestampError saying why one fails.
 */
export function verifyBundleTimestamps(bundleJson: unknown, trust: TsaTrust): Date[] {
  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundleFromJSON(bundleJson));
  } catch (err) {
    throw new TimestampError(`its timestamps do not read: ${(err as Error).message}`);
  }
  const only = timestampsOnly(entity);
  if (only.timestamps.length === 0) return [];
  try {
    new Verifier(trust.material, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: only.timestamps.length }).verify(only);
  } catch (err) {
    throw new TimestampError(`its RFC 3161 timestamp does not verify with the TSA certificates of ${trust.source}: ${(err as Error).message}`, { cause: err });
  }
  return only.timestamps.flatMap((t) => (t.$case === 'timestamp-authority' ? [t.timestamp.signingTime] : []));
}
