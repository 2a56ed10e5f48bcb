import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Static, TSchema } from 'typebox';
import type { JsonSchema } from '../json-schema.js';
import type { Attachment, EvidenceRecord, JsonObject, RecordDraft } from '../record/types.js';
import type { Immutability } from '../store/types.js';

export type { JsonSchema } from '../json-schema.js';
export type { Attachment, EvidenceRecord, Finding, JsonObject, JsonValue, RecordDraft, RecordStatus, Severity, Subject } from '../record/types.js';

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

/** Routes a collector mounts on the daemon's HTTP server, all under `/collectors/<collector id>`. */
export interface RouteRegistry {
  /** Mounts a handler at `/collectors/<id><path>`; `path` starts with `/`. Mounting one method and path twice is an error. */
  route(method: string, path: string, handler: RouteHandler): void;
}

/** What every context shares: which configured collector this is, and its checked options. */
export interface InstanceContext<Options = unknown> {
  /** The collector's id in the config; the stream is `<agentId>/<id>`. */
  readonly id: string;
  readonly stream: string;
  /** Options after schema validation, with the schema's defaults filled in. */
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  /** The folder of the config file; relative paths in options resolve against it. */
  readonly configDir: string;
  resolvePath(path: string): string;
}

/** What the core hands a collector for one run. Collectors reach the store and the clock only through it. */
export interface CollectorContext<Options = unknown> extends InstanceContext<Options> {
  readonly controls: readonly string[];
  /**
   * Whether the operator lets this collector act on the systems it observes
   * (a failover drill, fault injection) rather than only read them: the
   * config entry's `allowDrills: true` in the daemon, `--allow-drills` in a
   * snapshot. Collectors that only observe ignore it.
   */
  readonly drillsAllowed: boolean;
  /** Aborted when the run times out or the agent shuts down. */
  readonly signal: AbortSignal;
  /** Stores content once, by its SHA-256, and returns the reference to put in a draft's `attachments`. */
  attach(input: AttachmentInput): Promise<Attachment>;
  /** How the evidence store protects what is written to it (read-only: collectors never write to the store). */
  describeStore(): Promise<Immutability & { url: string }>;
  /**
   * The newest record this collector produced in its stream before this run,
   * for incremental collection. Records the agent writes about the stream (a
   * failed, skipped or missed run; subject kind `collector`, reserved for
   * them) are passed over.
   */
  readonly previous: EvidenceRecord | null;
}

/** What a collector's `start` and `close` get in the daemon: the instance, and its own routes on the daemon's server. */
export interface StartContext<Options = unknown> extends InstanceContext<Options> {
  readonly http: RouteRegistry;
}

/**
 * A collector: one plugin per control family. It declares what it is and what
 * it needs; the registry checks the declaration and the options at load time.
 */
export interface Collector<Options = unknown, Payload = JsonObject> {
  /** Lowercase kebab-case, unique among collectors. */
  readonly type: string;
  readonly version: string;
  readonly description?: string;
  /** Control ids (SOC 2 Trust Services Criteria) its records support by default. */
  readonly controls: readonly string[];
  /** JSON Schema (2020-12) of `options`. */
  readonly optionsSchema: JsonSchema;
  /**
   * JSON Schema (2020-12) of the `data` of every record it yields. The agent
   * stores it once, by its SHA-256, and names it in each record, so `data` can
   * be checked against it for as long as the record lives.
   */
  readonly payloadSchema: JsonSchema;
  collect(ctx: CollectorContext<Options>): AsyncIterable<RecordDraft<Payload>>;
  /**
   * Daemon only: called once when the daemon loads the collector, before any
   * run, for what must live between runs (a receiver of pushed events). Not
   * called in a snapshot.
   */
  start?(ctx: StartContext<Options>): void | Promise<void>;
  /** Daemon only: releases what `start` took, on reload and on shutdown; its routes are removed by the daemon. */
  close?(ctx: StartContext<Options>): void | Promise<void>;
}

/** A collector whose option and payload types come from its schemas (TypeBox), so the two cannot drift. */
export type TypedCollector<O extends TSchema, P extends TSchema> = Collector<Static<O>, Static<P>> & {
  readonly optionsSchema: O;
  readonly payloadSchema: P;
};

/** Gives a collector object its types: `ctx.options` from `optionsSchema`, each draft's `data` from `payloadSchema`. */
export function defineCollector<O extends TSchema, P extends TSchema>(collector: TypedCollector<O, P>): TypedCollector<O, P> {
  return collector;
}
