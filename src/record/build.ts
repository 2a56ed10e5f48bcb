import { monotonicFactory } from 'ulid';
import { recordHash } from './hash.js';
import {
  type AgentInfo,
  type CollectorRef,
  type EvidenceRecord,
  type JsonObject,
  RECORD_SCHEMA_ID,
  type RecordCadence,
  type RecordDraft,
  type StorageNote,
} from './types.js';

const nextId = monotonicFactory();

export interface ChainPosition {
  seq: number;
  hash: string;
}

export interface BuildInput {
  /** Its data has been checked against the schema `collector.payloadSchema` names; canonicalisation refuses what is not JSON. */
  draft: RecordDraft<unknown>;
  stream: string;
  /** The stream's previous record, or null for its first. */
  previous: ChainPosition | null;
  collector: CollectorRef;
  controls: readonly string[];
  agent: AgentInfo;
  observedAt: Date;
  storage?: StorageNote | undefined;
  /** The cadence of the collector instance, stated on each of its records (agent notices included). */
  cadence?: RecordCadence | undefined;
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
    collector: { ...input.collector },
    controls: [...new Set(draft.controls ?? input.controls)],
    subject: { kind: draft.subject.kind, id: draft.subject.id },
    status: draft.status,
    summary: draft.summary,
    findings: draft.findings ?? [],
    data: (draft.data ?? {}) as JsonObject,
    attachments: draft.attachments ?? [],
    agent: input.agent,
    ...(input.storage ? { storage: input.storage } : {}),
    ...(input.cadence ? { cadence: { ...input.cadence } } : {}),
  };
  return { ...body, hash: recordHash(body) };
}
