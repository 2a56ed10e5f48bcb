import { type KeyObject, X509Certificate } from 'node:crypto';
import { ModelCheckError } from '../problems.js';

const CODE_SIGNING_EKU = '1.3.6.1.5.5.7.3.3';
const KEY_USAGE_OID = Buffer.from([0x55, 0x1d, 0x0f]);
const MAX_DEPTH = 10;

interface Der {
  tag: number;
  start: number;
  end: number;
}

function node(buf: Buffer, offset: number): Der {
  let len = buf[offset + 1]!;
  let header = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    header += n;
  }
  return { tag: buf[offset]!, start: offset + header, end: offset + header + len };
}

function children(buf: Buffer, parent: Der): Der[] {
  const out: Der[] = [];
  for (let at = parent.start; at < parent.end; at = out.at(-1)!.end) out.push(node(buf, at));
  return out;
}

/**
 * Whether the certificate's KeyUsage allows digital signatures; undefined when
 * it has no KeyUsage extension. Node does not expose KeyUsage, so read the DER.
 */
function allowsDigitalSignature(der: Buffer): boolean | undefined {
  const tbs = children(der, node(der, 0))[0]!;
  const wrapper = children(der, tbs).find((n) => n.tag === 0xa3);
  if (!wrapper) return undefined;
  for (const ext of children(der, children(der, wrapper)[0]!)) {
    const parts = children(der, ext);
    if (parts[0]!.tag === 0x06 && der.subarray(parts[0]!.start, parts[0]!.end).equals(KEY_USAGE_OID)) {
      const bits = node(der, parts.at(-1)!.start);
      return bits.end - bits.start >= 2 && (der[bits.start + 1]! & 0x80) !== 0;
    }
  }
  return undefined;
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate) => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
const oneLine = (name: string) => name.replaceAll('\n', ', ');

/**
 * Builds a path from the bundle's leaf certificate, through the bundle's
 * intermediates, to a self-signed trusted root, and returns the leaf's key.
 * Validity is judged at the leaf's notBefore, as the OpenSSF tool does, so a
 * signature stays verifiable after its short-lived certificate expires.
 */
export function verifyCertificateChain(chainDer: Buffer[], anchors: X509Certificate[]): { key: KeyObject; subject: string; path: string[] } {
  if (chainDer.length === 0) throw new ModelCheckError('signature-invalid', 'the bundle carries no certificate');
  let certs: X509Certificate[];
  try {
    certs = chainDer.map((der) => new X509Certificate(der));
  } catch (err) {
    throw new ModelCheckError('signature-invalid', `a certificate in the bundle cannot be parsed: ${(err as Error).message}`);
  }
  const leaf = certs[0]!;
  const at = new Date(leaf.validFrom);
  const path = [leaf];
  let current = leaf;
  let trusted = false;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (at < new Date(current.validFrom) || at > new Date(current.validTo)) {
      throw new ModelCheckError('signer-not-allowed', `certificate ${oneLine(current.subject)} was not valid when the signing certificate was issued`);
    }
    if (trusted && issuedBy(current, current)) {
      const usable = allowsDigitalSignature(Buffer.from(leaf.raw)) ?? (leaf.keyUsage ?? []).includes(CODE_SIGNING_EKU);
      if (!usable) throw new ModelCheckError('signer-not-allowed', 'the signing certificate is not allowed to sign (no digitalSignature key usage)');
      return { key: leaf.publicKey, subject: oneLine(leaf.subject), path: path.map((c) => oneLine(c.subject)) };
    }
    const anchor = anchors.find((a) => a !== current && issuedBy(current, a));
    const next = anchor ?? (trusted ? undefined : certs.slice(1).find((c) => c !== current && issuedBy(current, c)));
    if (!next) throw new ModelCheckError('signer-not-allowed', `no trusted issuer for ${oneLine(current.subject)}: the chain does not lead to a configured CA`);
    if (!next.ca) throw new ModelCheckError('signer-not-allowed', `issuer ${oneLine(next.subject)} is not a CA`);
    trusted ||= anchor !== undefined;
    path.push(next);
    current = next;
  }
  throw new ModelCheckError('signer-not-allowed', 'the certificate chain is too long');
}
