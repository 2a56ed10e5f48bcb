import { createHash } from 'node:crypto';

/**
 * The namespace of every UUID this export derives (RFC 4122 name-based, version 5). Fixed forever: the same
 * record gets the same observation UUID in every document, which is what OSCAL asks of a UUID ("consistently used
 * to identify the same subject across revisions").
 */
const NAMESPACE = Buffer.from('bee57bac-3b35-4c0c-bed8-defff189c12d'.replaceAll('-', ''), 'hex');

/** A version 5 UUID of `name` in the export's namespace: deterministic, so two exports of one store are identical. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
