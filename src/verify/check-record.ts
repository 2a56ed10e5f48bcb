import { createHash } from 'node:crypto';
import { recordHash } from '../record/hash.js';
import { parseStrictJson } from '../record/strict-json.js';
import type { Attachment, EvidenceRecord, RecordStatus } from '../record/types.js';
import { validateRecord } from '../record/validate.js';
import type { RecordKeyParts } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';
import type { PayloadSchemas } from './payload-schemas.js';
import type { VerifyProblem } from './problems.js';

/** What the chain check needs of one record, kept instead of the record so memory stays small. */
export interface RecordFacts {
  key: string;
  seq: number;
  hash: string | null;
  prev: string | null;
  observedAt: string | null;
  status: RecordStatus | null;
  attachments: Attachment[];
  /** Whether the record names the schema of its data (records of version 0.1 do not). */
  namesPayloadSchema: boolean;
}

/**
 * Reads one record and checks it on its own: strict JSON, record schema, its data
 * against the payload schema it names, hash, and that it sits at the key its
 * content names.
 */
export async function checkRecord(
  store: EvidenceStore,
  key: string,
  parts: RecordKeyParts,
  problems: VerifyProblem[],
  payloads: PayloadSchemas,
  versionId?: string,
): Promise<RecordFacts> {
  const facts: RecordFacts = { key, seq: parts.seq, hash: null, prev: null, observedAt: null, status: null, attachments: [], namesPayloadSchema: false };
  const at = { key, stream: parts.stream, seq: parts.seq };
  const bytes = await store.get(key, versionId);
  if (!bytes) {
    problems.push({ ...at, kind: 'unreadable', message: 'listed but could not be read' });
    return facts;
  }
  let record: EvidenceRecord;
  try {
    record = parseStrictJson(bytes, 'the record') as EvidenceRecord;
  } catch (err) {
    problems.push({ ...at, kind: 'unreadable', message: (err as Error).message });
    return facts;
  }
  const recordProblems = validateRecord(record);
  for (const message of recordProblems) problems.push({ ...at, kind: 'schema', message });
  if (typeof record !== 'object' || record === null) return facts;
  if (recordProblems.length === 0)
    for (const message of await payloads.check(record.collector, record.data)) problems.push({ ...at, kind: 'payload-schema', message });
  facts.hash = typeof record.hash === 'string' ? record.hash : null;
  facts.prev = typeof record.prev === 'string' ? record.prev : null;
  facts.observedAt = typeof record.observedAt === 'string' ? record.observedAt : null;
  facts.status = record.status ?? null;
  facts.attachments = Array.isArray(record.attachments) ? record.attachments : [];
  facts.namesPayloadSchema = typeof record.collector?.payloadSchema === 'string';
  try {
    const computed = recordHash(record);
    if (computed !== record.hash) {
      problems.push({ ...at, kind: 'hash-mismatch', message: `content hashes to ${computed} but the record says ${String(record.hash)}` });
    }
  } catch (err) {
    problems.push({ ...at, kind: 'hash-mismatch', message: `cannot be canonicalised: ${(err as Error).message}` });
  }
  const where = `${record.stream}#${record.seq} on ${facts.observedAt?.slice(0, 10)}`;
  if (record.stream !== parts.stream || record.seq !== parts.seq || facts.observedAt?.slice(0, 10) !== parts.day) {
    problems.push({ ...at, kind: 'key-mismatch', message: `content says ${where}, which belongs at another key` });
  }
  return facts;
}

/** Streams an attachment and checks its size and SHA-256. */
export async function checkAttachment(
  store: EvidenceStore,
  attachment: Attachment,
  referencedBy: string,
  problems: VerifyProblem[],
  versionId?: string,
): Promise<void> {
  if (attachment.key !== `blobs/sha256/${attachment.sha256}`) {
    problems.push({
      kind: 'attachment-mismatch',
      key: attachment.key,
      message: `attachment "${attachment.name}" of ${referencedBy} names a key that is not its own hash; not followed`,
    });
    return;
  }
  const stream = await store.open(attachment.key, versionId);
  if (!stream) {
    problems.push({ kind: 'attachment-missing', key: attachment.key, message: `attachment "${attachment.name}" of ${referencedBy} is missing` });
    return;
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const hex = hash.digest('hex');
  if (hex !== attachment.sha256 || size !== attachment.size) {
    problems.push({
      kind: 'attachment-mismatch',
      key: attachment.key,
      message: `attachment "${attachment.name}" of ${referencedBy} is ${size} bytes with sha256 ${hex}; the record says ${attachment.size} bytes, ${attachment.sha256}`,
    });
  }
}
