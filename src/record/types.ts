/** The evidence record, version 1. `evidence-schema/v1/record.schema.json` is its normative form. */
import type { JsonObject } from '../json.js';
import type { StorageNote } from '../store/types.js';

export type { StorageNote };

export const RECORD_SCHEMA_ID = 'evidence-agent/record/v1';

export type { JsonObject, JsonValue } from '../json.js';

export type RecordStatus = 'pass' | 'fail' | 'error' | 'info';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  ref?: string;
}

export interface Subject {
  kind: string;
  id: string;
}

export interface Attachment {
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  key: string;
}

export interface AgentInfo {
  id: string;
  version: string;
  host: string;
  configSha256: string;
}

/** The collector that wrote a record, and the schema its `data` was written under. */
export interface CollectorRef {
  type: string;
  version: string;
  /**
   * `sha256:<hex>` of the payload schema, stored as the blob `blobs/sha256/<hex>`;
   * absent in records written before payload schemas were named.
   */
  payloadSchema?: string;
}

export interface EvidenceRecord {
  schema: typeof RECORD_SCHEMA_ID;
  id: string;
  stream: string;
  seq: number;
  prev: string | null;
  observedAt: string;
  collector: CollectorRef;
  controls: string[];
  subject: Subject;
  status: RecordStatus;
  summary: string;
  findings: Finding[];
  data: JsonObject;
  attachments: Attachment[];
  agent: AgentInfo;
  storage?: StorageNote;
  hash: string;
}

/**
 * What a collector yields; the core fills in identity, time, chain and hash.
 * `Data` is the collector's payload type, checked against its payload schema
 * when the record is written.
 */
export interface RecordDraft<Data = JsonObject> {
  subject: Subject;
  status: RecordStatus;
  summary: string;
  findings?: Finding[];
  data?: Data;
  attachments?: Attachment[];
  /** Overrides the collector instance's controls for this one record. */
  controls?: string[];
}
