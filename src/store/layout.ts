/**
 * Where things live in a store (documented in evidence-schema/README.md):
 *
 *   records/<agentId>/<collectorId>/<YYYY-MM-DD>/<seq, 12 digits>.json
 *   blobs/sha256/<hex>
 *   checkpoints/<agentId>/<seq, 12 digits>.json   (src/checkpoint/checkpoint.ts)
 *
 * A stream is one prefix, a day of a stream another, and zero-padded
 * sequence numbers list in chain order, so the head of a stream is found by
 * listing its newest day only.
 */
export const RECORDS_PREFIX = 'records/';
export const BLOBS_PREFIX = 'blobs/';
const SEQ_DIGITS = 12;
/** An agent or collector id, as the config allows them: so a key with any other segment was not written by an agent. */
const ID = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';
const RECORD_KEY = new RegExp(`^records/(${ID})/(${ID})/(\\d{4}-\\d{2}-\\d{2})/(\\d{12})\\.json$`);
const BLOB_KEY = /^blobs\/sha256\/[0-9a-f]{64}$/;
const ID_ONLY = new RegExp(`^${ID}$`);

export function isId(segment: string): boolean {
  return ID_ONLY.test(segment);
}

export function streamPrefix(stream: string): string {
  return `${RECORDS_PREFIX}${stream}/`;
}

export function recordKey(stream: string, seq: number, observedAt: string): string {
  return `${streamPrefix(stream)}${observedAt.slice(0, 10)}/${String(seq).padStart(SEQ_DIGITS, '0')}.json`;
}

export interface RecordKeyParts {
  stream: string;
  day: string;
  seq: number;
}

export function parseRecordKey(key: string): RecordKeyParts | null {
  const m = RECORD_KEY.exec(key);
  if (!m) return null;
  return { stream: `${m[1]}/${m[2]}`, day: m[3]!, seq: Number(m[4]) };
}

export function blobKey(sha256Hex: string): string {
  return `${BLOBS_PREFIX}sha256/${sha256Hex}`;
}

export function isBlobKey(key: string): boolean {
  return BLOB_KEY.test(key);
}
