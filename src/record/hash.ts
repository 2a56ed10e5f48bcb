import { createHash } from 'node:crypto';
import { canonicalize } from './canonical-json.js';
import type { EvidenceRecord } from './types.js';

export const HASH_PREFIX = 'sha256:';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The bytes a record's hash covers: the record without `hash` and `signature`, in RFC 8785 form. */
export function hashedContent(record: Omit<EvidenceRecord, 'hash' | 'signature'> & { hash?: unknown; signature?: unknown }): string {
  const { hash: _hash, signature: _signature, ...rest } = record;
  return canonicalize(rest);
}

export function recordHash(record: Omit<EvidenceRecord, 'hash' | 'signature'> & { hash?: unknown; signature?: unknown }): string {
  return HASH_PREFIX + sha256Hex(hashedContent(record));
}
