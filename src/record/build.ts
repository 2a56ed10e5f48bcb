import { monotonicFactory } from 'ulid';
import { recordHash } from './hash.js';
import { RECORD_SCHEMA_ID, type AgentInfo, type EvidenceRecord, type RecordDraft, type StorageNote } from './types.js';

const nextId = monotonicFactory();

export interface ChainPosition {
  seq: number;
  hash: string;
}

export interface BuildInput {
  draft: RecordDraft;
  stream: string;
  /** The stream's previous record, or null for its first. */
  previous: ChainPosition | null;
  collector: { type: string; version: string };
  controls: readonly string[];
  agent: AgentInfo;
  observedAt: Date;
  storage?: StorageNote;
}

/** Turns a collector's draft into a complete, hashed record at the next position of its stream. */
export function buildRecord(input: BuildInput): EvidenceRecord {
  const { draft } = input;
  const body: Omit<EvidenceRecord, 'hash'> = {
    schema: RECORD_SCHEMA_ID,
    id: nextId(input.observedAt.getTime()),
    stream: input.stream,
    seq: input.previous ? input.previous.seq + 1 : 0,
    prev: input.previous ? input.previous.hash : null,
    observedAt: input.observedAt.toISOString(),
    collector: { type: input.collector.type, version: input.collector.version },
    controls: [...new Set(draft.controls ?? input.controls)],
    subject: { kind: draft.subject.kind, id: draft.subject.id },
    status: draft.status,
    summary: draft.summary,
    findings: draft.findings ?? [],
    data: draft.data ?? {},
    attachments: draft.attachments ?? [],
    agent: input.agent,
    ...(input.storage ? { storage: input.storage } : {}),
  };
  return { ...body, hash: recordHash(body) };
}
