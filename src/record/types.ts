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

/** A file the config points to (a ledger, a public key, a collector module), and the SHA-256 of its bytes when the run began. */
export interface InputFile {
  /** Where the config names it: `collectors[2].options.ledger`, `collectors[0].use`. */
  at: string;
  /** The path as the config writes it (relative to the config's folder unless absolute). */
  path: string;
  /** Lowercase hex; null when the file could not be read (the collector reports why). */
  sha256: string | null;
}

/** Which build of the agent ran: the package version is `version`; these say which bytes it was. */
export interface BuildIdentity {
  /** The git commit, when run from a checkout (or as stated by the image it was built into). */
  commit?: string;
  /** The npm integrity (`sha512-…`) of the installed package, from the lockfile that installed it. */
  integrity?: string;
  /** The container image digest (`sha256:…`), as the image's deployment states it in EVIDENCE_AGENT_IMAGE_DIGEST. */
  image?: string;
}

export interface AgentInfo {
  id: string;
  version: string;
  host: string;
  /** SHA-256 of the config file's bytes. */
  configSha256: string;
  /** SHA-256 of the resolved config (after `${ENV}` substitution, secrets redacted) as RFC 8785 JSON; absent in records written before. */
  resolvedConfigSha256?: string;
  /** Every input file the config points to; absent in records written before. */
  inputs?: InputFile[];
  build?: BuildIdentity;
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

/** How often an entry of the config `cadence` option says a snapshot-only collector runs. */
export const CADENCE_EVERY = ['hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'annually'] as const;
export type CadenceEvery = (typeof CADENCE_EVERY)[number];

/**
 * The cadence a record was collected under, so an auditor holding only the store knows which periods
 * should have evidence: the entry's cron `schedule` and its IANA `timezone`, or the `every` of a
 * snapshot-only entry.
 */
export type RecordCadence = { schedule: string; timezone: string } | { every: CadenceEvery };

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
  /** Absent when the config entry states neither a schedule nor a cadence. */
  cadence?: RecordCadence;
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
