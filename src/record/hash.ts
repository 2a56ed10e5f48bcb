import { hash } from 'node:crypto';
import { canonicalize } from './canonical-json.js';
import type { EvidenceRecord } from './types.js';

export const HASH_PREFIX = 'sha256:';

/** One shot: a third of createHash's time on the short strings a sample orders a million of. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/**
 * The bytes a record's hash covers: the record without `hash`, in RFC 8785 form. Every other member is
 * covered, so a member added to a stored record (version 1 has no `signature`) changes its hash too.
 */
export function hashedContent(record: Omit<EvidenceRecord, 'hash'> & { hash?: unknown }): string {
  const { hash: _hash, ...rest } = record;
  return canonicalize(rest);
}

export function recordHash(record: Omit<EvidenceRecord, 'hash'> & { hash?: unknown }): string {
  return HASH_PREFIX + sha256Hex(hashedContent(record));
}
