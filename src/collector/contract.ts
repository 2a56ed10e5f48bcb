import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { JsonSchema } from '../json-schema.js';
import type { Attachment, EvidenceRecord, RecordDraft } from '../record/types.js';
import type { Immutability } from '../store/types.js';

export type { Attachment, EvidenceRecord, Finding, JsonObject, JsonValue, RecordDraft, RecordStatus, Severity, Subject } from '../record/types.js';
export type { JsonSchema } from '../json-schema.js';

export interface Clock {
  now(): Date;
}

export interface AttachmentInput {
  name: string;
  mediaType: string;
  /** Small content in memory, or a stream for anything that could be large. */
  body: Uint8Array | string | AsyncIterable<Uint8Array>;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Routes a collector adds to the daemon's HTTP server (for example a receiver of OpenLineage events). */
export interface RouteRegistry {
  /** Mounts (or replaces) a handler; it stays mounted while the daemon runs. */
  route(method: string, path: string, handler: RouteHandler): void;
}

/** What the core hands a collector for one run. Collectors reach the store and the clock only through it. */
export interface CollectorContext<Options = unknown> {
  /** The collector's id in the config; the stream is `<agentId>/<id>`. */
  readonly id: string;
  readonly stream: string;
  /** Options after schema validation, with the schema's defaults filled in. */
  readonly options: Options;
  readonly controls: readonly string[];
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborted when the run times out or the agent shuts down. */
  readonly signal: AbortSignal;
  /** The folder of the config file; relative paths in options resolve against it. */
  readonly configDir: string;
  resolvePath(path: string): string;
  /** Stores content once, by its SHA-256, and returns the reference to put in a draft's `attachments`. */
  attach(input: AttachmentInput): Promise<Attachment>;
  /** How the evidence store protects what is written to it (read-only: collectors never write to the store). */
  describeStore(): Promise<Immutability & { url: string }>;
  /** The daemon's HTTP server; absent in a snapshot, which serves nothing. */
  readonly http?: RouteRegistry;
  /**
   * The newest record this collector produced in its stream before this run,
   * for incremental collection. Records the agent writes about the stream (a
   * failed, skipped or missed run; subject kind `collector`, reserved for
   * them) are passed over.
   */
  readonly previous: EvidenceRecord | null;
}

/**
 * A collector: one plugin per control family. It declares what it is and what
 * it needs; the registry checks the declaration and the options at load time.
 */
export interface Collector<Options = unknown> {
  /** Lowercase kebab-case, unique among collectors. */
  readonly type: string;
  readonly version: string;
  readonly description?: string;
  /** Control ids (SOC 2 Trust Services Criteria) its records support by default. */
  readonly controls: readonly string[];
  /** JSON Schema (2020-12) of `options`. */
  readonly optionsSchema: JsonSchema;
  collect(ctx: CollectorContext<Options>): AsyncIterable<RecordDraft>;
}

/** Identity function that gives a collector object its types. */
export function defineCollector<Options>(collector: Collector<Options>): Collector<Options> {
  return collector;
}
