import type { KeyObject, X509Certificate } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Signer } from '@sigstore/verify';
import { keyHint } from '../../../src/signing/keys.js';
import { ModelCheckError } from '../problems.js';
import { verifyCertificateChain } from './certificate-chain.js';
import { verifyDsse } from './dsse.js';
import { embeddedTrustedRoot } from './sigstore-root.js';
import { payloadOf, type SignedBundle, signatureOf } from './statement.js';

export type SignerPolicy =
  | { method: 'key'; publicKeys: KeyObject[] }
  | { method: 'certificate'; anchors: X509Certificate[] }
  | { method: 'sigstore'; identity: string; issuer: string; trustedRoot?: unknown };

export interface VerifiedSigner {
  method: SignerPolicy['method'];
  keyHint?: string;
  certificateSubject?: string;
  identity?: string;
  issuer?: string;
  transparencyLogIndex?: number;
  /** `legacy`: only the model_signing 0.2 encoding verified. */
  encoding: 'standard' | 'legacy';
}

function verifyWith(bundle: SignedBundle, key: KeyObject): 'standard' | 'legacy' | null {
  return verifyDsse(bundle.envelope.payloadType, payloadOf(bundle), signatureOf(bundle), key);
}

/** The key a legacy key bundle carries (PEM, base64), which tells a wrong signer from a bad signature. */
function embeddedKey(material: Record<string, unknown>): KeyObject | null {
  const raw = (material.publicKey as { rawBytes?: string } | undefined)?.rawBytes;
  if (!raw) return null;
  try {
    return createPublicKey(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    return null;
  }
}

function verifyKey(bundle: SignedBundle, keys: KeyObject[]): VerifiedSigner {
  const hint = (bundle.verificationMaterial.publicKey as { hint?: string } | undefined)?.hint;
  const candidates = hint ? keys.filter((k) => keyHint(k) === hint) : keys;
  if (hint && candidates.length === 0) throw new ModelCheckError('signer-not-allowed', `signed by the key with hint ${hint}, which is not an allowed key`);
  for (const key of candidates) {
    const encoding = verifyWith(bundle, key);
    if (encoding) return { method: 'key', keyHint: keyHint(key), encoding };
  }
  const carried = embeddedKey(bundle.verificationMaterial);
  if (!hint && carried && !keys.some((k) => keyHint(k) === keyHint(carried))) {
    throw new ModelCheckError('signer-not-allowed', `signed by the key with hint ${keyHint(carried)}, which is not an allowed key`);
  }
  throw new ModelCheckError(
    hint ? 'signature-invalid' : 'signer-not-allowed',
    hint ? 'the signature does not verify with the key it names' : 'the signature verifies with none of the allowed keys',
  );
}

function verifyCertificate(bundle: SignedBundle, anchors: X509Certificate[]): VerifiedSigner {
  const chain = (bundle.verificationMaterial.x509CertificateChain as { certificates?: { rawBytes?: string }[] } | undefined)?.certificates;
  if (!Array.isArray(chain)) throw new ModelCheckError('signature-invalid', 'the bundle carries no certificate chain (is it key- or Sigstore-signed?)');
  const { key, subject } = verifyCertificateChain(
    chain.map((c) => Buffer.from(c.rawBytes ?? '', 'base64')),
    anchors,
  );
  const encoding = verifyWith(bundle, key);
  if (!encoding) throw new ModelCheckError('signature-invalid', `the signature does not verify with the certificate of ${subject}`);
  return { method: 'certificate', certificateSubject: subject, encoding };
}

async function verifySigstore(bundle: SignedBundle, policy: Extract<SignerPolicy, { method: 'sigstore' }>): Promise<VerifiedSigner> {
  // Loaded only for keyless verification: these libraries are not needed for key or certificate checks.
  const [{ bundleFromJSON }, { TrustedRoot }, { toSignedEntity, toTrustMaterial, Verifier, PolicyError }] = await Promise.all([
    import('@sigstore/bundle'),
    import('@sigstore/protobuf-specs'),
    import('@sigstore/verify'),
  ]);
  let signer: Signer;
  try {
    const material = toTrustMaterial(TrustedRoot.fromJSON(policy.trustedRoot ?? embeddedTrustedRoot()));
    const verifier = new Verifier(material, { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
    signer = verifier.verify(toSignedEntity(bundleFromJSON(bundle.json)), {
      subjectAlternativeName: policy.identity,
      extensions: { issuer: policy.issuer },
    });
  } catch (err) {
    const code = err instanceof PolicyError ? 'signer-not-allowed' : 'signature-invalid';
    throw new ModelCheckError(code, `Sigstore verification failed: ${(err as Error).message}`);
  }
  const tlog = (bundle.verificationMaterial.tlogEntries as { logIndex?: string }[] | undefined)?.[0];
  return {
    method: 'sigstore',
    identity: signer.identity?.subjectAlternativeName ?? policy.identity,
    issuer: signer.identity?.extensions?.issuer ?? policy.issuer,
    ...(tlog?.logIndex !== undefined ? { transparencyLogIndex: Number(tlog.logIndex) } : {}),
    encoding: 'standard',
  };
}

/** Checks who signed a model signature, under the configured policy. */
export async function verifySigner(bundle: SignedBundle, policy: SignerPolicy): Promise<VerifiedSigner> {
  switch (policy.method) {
    case 'key':
      return verifyKey(bundle, policy.publicKeys);
    case 'certificate':
      return verifyCertificate(bundle, policy.anchors);
    case 'sigstore':
      return verifySigstore(bundle, policy);
  }
}
