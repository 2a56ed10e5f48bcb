/** The evidence record, version 1. `evidence-schema/v1/record.schema.json` is its normative form. */

export const RECORD_SCHEMA_ID = 'evidence-agent/record/v1';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

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

/** How the store protects a record, stated in the record itself (remote stores only). */
export interface StorageNote {
  retention: 'bucket-default' | 'per-object' | 'none';
  mode?: 'COMPLIANCE';
  days?: number;
  mutable?: boolean;
}

export interface EvidenceRecord {
  schema: typeof RECORD_SCHEMA_ID;
  id: string;
  stream: string;
  seq: number;
  prev: string | null;
  observedAt: string;
  collector: { type: string; version: string };
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
  signature?: JsonValue;
}

/** What a collector yields; the core fills in identity, time, chain and hash. */
export interface RecordDraft {
  subject: Subject;
  status: RecordStatus;
  summary: string;
  findings?: Finding[];
  data?: JsonObject;
  attachments?: Attachment[];
  /** Overrides the collector instance's controls for this one record. */
  controls?: string[];
}
