import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { type ClockStep, type StreamWriter, StreamWriters } from '../chain/stream-writer.js';
import { readJsonSchema } from '../json-schema.js';
import { packagePath } from '../package-root.js';
import type { AgentInfo, EvidenceRecord, RecordCadence, RecordDraft, RecordStatus } from '../record/types.js';
import { type EvidenceStore, StoreError } from '../store/types.js';
import { storeAttachment } from './attachments.js';
import type { Clock, Collector, CollectorContext, InstanceContext } from './contract.js';
import { ensureSchemaStored, PayloadSchemaError, type StoredSchema, storedSchema } from './payload-schema.js';

/** A collector of any option and payload types, as the runner holds it. */
export type AnyCollector = Collector<unknown, unknown>;

/** One configured use of a collector. */
export interface CollectorInstance {
  id: string;
  collector: AnyCollector;
  options: unknown;
  controls: readonly string[];
  timeoutMs: number;
  /** The operator let this collector act on the systems it observes (see CollectorContext.drillsAllowed). */
  drillsAllowed: boolean;
  /** Stated on every record of this instance, the agent's notices included; none when the config states none. */
  cadence?: RecordCadence | undefined;
}

export interface RunEnvironment {
  store: EvidenceStore;
  agent: AgentInfo;
  clock: Clock;
  log: Logger;
  configDir: string;
  concurrency: number;
  signal?: AbortSignal | undefined;
  onRecord?: (record: EvidenceRecord) => void;
  onCollectorDone?: (outcome: RunOutcome) => void;
  /** Writers shared across runs (the daemon); a snapshot opens its own. */
  writers?: StreamWriters;
}

export interface RunOutcome {
  id: string;
  stream: string;
  written: number;
  statuses: Record<RecordStatus, number>;
  /** The stream's newest record after the run, for checkpoints. */
  head: { seq: number; hash: string } | null;
  /** Set when the run could not write its evidence at all (the store refused or failed). */
  storeFailure?: string;
}

class CollectorTimeout extends Error {
  override name = 'CollectorTimeout';
}

const MAX_MESSAGE = 2000;

/** The subject kind of the agent's own records about a stream; a collector may not claim it. */
export const AGENT_SUBJECT_KIND = 'collector';
/** The subject kind of the agent's config-change records (stream `<agentId>/agent`); reserved as well. */
export const CONFIG_CHANGE_KIND = 'agent-config';

/** The schema of the agent's own records (a failed, skipped or missed run), published in evidence-schema/. */
const AGENT_NOTICE_SCHEMA = storedSchema(readJsonSchema(packagePath('evidence-schema', 'v1', 'agent-notice.schema.json')));

class ReservedSubjectError extends Error {
  override name = 'ReservedSubjectError';
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function failureDraft(instance: CollectorInstance, err: Error, written: number): RecordDraft {
  const timedOut = err instanceof CollectorTimeout;
  const message = (err.message || String(err)).slice(0, MAX_MESSAGE);
  return {
    subject: { kind: AGENT_SUBJECT_KIND, id: instance.id },
    status: 'error',
    summary: timedOut
      ? `Collector ${instance.id} (${instance.collector.type}) timed out after ${instance.timeoutMs / 1000} s; evidence for this run is incomplete.`
      : `Collector ${instance.id} (${instance.collector.type}) failed; evidence for this run is incomplete.`,
    findings: [{ code: timedOut ? 'collector-timeout' : 'collector-error', severity: 'high', message }],
    data: { error: { name: err.name, message }, recordsBeforeFailure: written },
  };
}

/**
 * The notice that the clock stepped back: records are still stamped no earlier than their predecessor (so the chain
 * stays in order), and this says by how much and from which record on, so the held-back times are not taken at face value.
 */
function clockStepDraft(instance: CollectorInstance, step: ClockStep): RecordDraft {
  const seconds = (step.behindMs / 1000).toFixed(3);
  const message =
    `The clock read ${step.clockReading}, ${seconds} s before the previous record of this stream (${step.previousObservedAt}); ` +
    `record ${step.seq}, and records after it until the clock catches up, are stamped ${step.previousObservedAt} instead.`;
  return {
    subject: { kind: AGENT_SUBJECT_KIND, id: instance.id },
    status: 'info',
    summary: `The clock stepped back by ${seconds} s; records of ${instance.id} from seq ${step.seq} carry the previous record's time.`,
    findings: [{ code: 'clock-stepped-back', severity: 'medium', message }],
    data: { notice: 'clock-stepped-back', ...step },
  };
}

/**
 * Completes a draft with the collector's identity, the schema its data was
 * written under, the agent and the time, at the next position of its stream.
 * The schema is stored before the first record that names it.
 */
async function appendDraft(
  writer: StreamWriter,
  instance: CollectorInstance,
  draft: RecordDraft<unknown>,
  schema: StoredSchema,
  env: RunEnvironment,
  controls?: readonly string[],
): Promise<EvidenceRecord> {
  const problems = schema.check(draft.data ?? {});
  if (problems.length > 0) {
    throw new PayloadSchemaError(
      `a ${draft.status} record about ${draft.subject.kind} ${draft.subject.id} does not match the payload schema: ${problems.join('; ')}`,
    );
  }
  await ensureSchemaStored(env.store, schema);
  return writer.append({
    draft,
    collector: { type: instance.collector.type, version: instance.collector.version, payloadSchema: schema.ref },
    controls: controls ?? instance.controls,
    agent: env.agent,
    observedAt: env.clock.now(),
    cadence: instance.cadence,
  });
}

/** A draft the collector yields, checked against its declaration before it is written. */
function collectedDraft(_instance: CollectorInstance, draft: RecordDraft<unknown>): RecordDraft<unknown> {
  const kind = draft.subject?.kind;
  if (kind === AGENT_SUBJECT_KIND || kind === CONFIG_CHANGE_KIND) {
    throw new ReservedSubjectError(
      `it yielded a record with subject kind "${kind}", which is reserved for the agent's own records; use a kind that names what the evidence is about`,
    );
  }
  return draft;
}

/** What both a run's and the daemon's start context say about a configured collector. */
export function instanceContext(instance: CollectorInstance, env: Pick<RunEnvironment, 'agent' | 'log' | 'clock' | 'configDir'>): InstanceContext {
  return {
    id: instance.id,
    stream: `${env.agent.id}/${instance.id}`,
    options: instance.options,
    log: env.log.child({ collector: instance.id, type: instance.collector.type }),
    clock: env.clock,
    configDir: env.configDir,
    resolvePath: (p) => (isAbsolute(p) ? p : resolve(env.configDir, p)),
  };
}

async function runOne(instance: CollectorInstance, env: RunEnvironment): Promise<RunOutcome> {
  const base = instanceContext(instance, env);
  const { stream, log } = base;
  const outcome: RunOutcome = { id: instance.id, stream, written: 0, statuses: { pass: 0, fail: 0, error: 0, info: 0 }, head: null };
  let writer: StreamWriter;
  try {
    writer = await (env.writers ?? new StreamWriters(env.store)).get(stream);
  } catch (err) {
    outcome.storeFailure = (err as Error).message;
    log.error({ err }, 'cannot read the head of the stream');
    return outcome;
  }
  const timeout = AbortSignal.timeout(instance.timeoutMs);
  const signal = env.signal ? AbortSignal.any([env.signal, timeout]) : timeout;
  const runSignal = new AbortController();
  signal.addEventListener('abort', () => runSignal.abort(timeout.aborted ? new CollectorTimeout(`no result within ${instance.timeoutMs} ms`) : signal.reason), {
    once: true,
  });

  const write = async (draft: RecordDraft<unknown>, schema: StoredSchema, controls?: readonly string[]): Promise<void> => {
    const record = await appendDraft(writer, instance, draft, schema, env, controls);
    outcome.written++;
    outcome.statuses[record.status]++;
    outcome.head = { seq: record.seq, hash: record.hash };
    env.onRecord?.(record);
    const step = writer.takeClockStep();
    if (step) await write(clockStepDraft(instance, step), AGENT_NOTICE_SCHEMA, instance.controls);
  };

  const ctx: CollectorContext = {
    ...base,
    controls: instance.controls,
    drillsAllowed: instance.drillsAllowed,
    signal: runSignal.signal,
    attach: (input) => storeAttachment(env.store, input, runSignal.signal),
    describeStore: async () => ({ url: env.store.url, ...(await env.store.describe()) }),
    previous: writer.lastCollected,
  };

  let iterator: AsyncIterator<RecordDraft<unknown>> | undefined;
  try {
    const schema = storedSchema(instance.collector.payloadSchema);
    iterator = instance.collector.collect(ctx)[Symbol.asyncIterator]();
    for (;;) {
      const next = await abortable(iterator.next(), runSignal.signal);
      if (next.done) break;
      await write(collectedDraft(instance, next.value), schema);
    }
    log.info({ records: outcome.written }, 'collector finished');
  } catch (caught) {
    const err = caught instanceof Error ? caught : new Error(String(caught));
    if (err instanceof StoreError) {
      outcome.storeFailure = err.message;
      log.error({ err }, 'the store refused a record');
      return outcome;
    }
    // A collector that ignores its signal keeps running; ask it to stop, but do not wait for it.
    void iterator?.return?.()?.catch(() => undefined);
    log.error({ err }, 'collector failed');
    try {
      await write(failureDraft(instance, err, outcome.written), AGENT_NOTICE_SCHEMA, instance.controls);
    } catch (writeErr) {
      outcome.storeFailure = (writeErr as Error).message;
      log.error({ err: writeErr }, 'cannot record the collector failure');
    }
  }
  return outcome;
}

/**
 * Appends a record the agent itself writes about a collector's stream (a
 * skipped or missed run), through the same writer as the collector's runs.
 */
export async function writeNotice(instance: CollectorInstance, draft: RecordDraft, env: RunEnvironment): Promise<EvidenceRecord> {
  const writer = await (env.writers ?? new StreamWriters(env.store)).get(`${env.agent.id}/${instance.id}`);
  const record = await appendDraft(writer, instance, draft, AGENT_NOTICE_SCHEMA, env);
  env.onRecord?.(record);
  const step = writer.takeClockStep();
  if (step) env.onRecord?.(await appendDraft(writer, instance, clockStepDraft(instance, step), AGENT_NOTICE_SCHEMA, env));
  return record;
}

/** Runs collectors, at most `concurrency` at a time; a failing one becomes an `error` record and the rest carry on. */
export async function runCollectors(instances: readonly CollectorInstance[], env: RunEnvironment): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = new Array<RunOutcome>(instances.length);
  let next = 0;
  const worker = async () => {
    while (next < instances.length) {
      const i = next++;
      outcomes[i] = await runOne(instances[i]!, env);
      env.onCollectorDone?.(outcomes[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(env.concurrency, instances.length)) }, worker));
  return outcomes;
}
