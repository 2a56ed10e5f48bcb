/**
 * Where things live in a store (documented in evidence-schema/README.md):
 *
 *   records/<agentId>/<collectorId>/<YYYY-MM-DD>/<seq, 12 digits>.json
 *   blobs/sha256/<hex>
 *
 * A stream is one prefix, a day of a stream another, and zero-padded
 * sequence numbers list in chain order, so the head of a stream is found by
 * listing its newest day only.
 */
export const RECORDS_PREFIX = 'records/';
const SEQ_DIGITS = 12;
const RECORD_KEY = /^records\/([^/]+)\/([^/]+)\/(\d{4}-\d{2}-\d{2})\/(\d{12})\.json$/;

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
  return `blobs/sha256/${sha256Hex}`;
}
