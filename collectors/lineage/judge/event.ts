/**
 * What an OpenLineage 2-0-2 run event must hold for this collector to fold it,
 * and the little of it the graph needs. Messages name the field, never its
 * content: events may carry free text (SQL, user names) that must not reach
 * the evidence.
 */

export const EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface DatasetRef {
  namespace: string;
  name: string;
  /** From the `version` dataset facet (`datasetVersion`), when it gives one. */
  version: string | null;
  /** From the `datasetType` dataset facet, upper-cased, when it gives one. */
  type: string | null;
}

/** A valid run event, reduced to what the lineage graph is built from. */
export interface RunEvent {
  /** Milliseconds since the epoch. */
  time: number;
  type: EventType;
  /** Lower-case, without a `urn:uuid:` prefix. */
  runId: string;
  job: { namespace: string; name: string };
  inputs: DatasetRef[];
  outputs: DatasetRef[];
}

export type EventVerdict = { ok: true; event: RunEvent } | { ok: false; reason: string };

// As JSON Schema's `uuid`, `date-time` and `uri` formats are checked by ajv-formats, which the spec's schema is validated with.
const UUID = /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;
const URI = /^[a-z][a-z0-9+.-]*:[^\s]*$/i;
const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
/** JSON may escape one; RFC 8785, which the graph is hashed in, cannot hold it. */
const LONE_SURROGATE = /\p{Surrogate}/u;

type Json = Record<string, unknown>;

class Invalid extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, field: string): Json {
  if (!isObject(value)) throw new Invalid(value === undefined ? `${field}: missing` : `${field}: not an object`);
  return value;
}

function text(value: unknown, field: string, format?: { pattern: RegExp; what: string }): string {
  if (value === undefined) throw new Invalid(`${field}: missing`);
  if (typeof value !== 'string') throw new Invalid(`${field}: not a string`);
  // Stricter than the spec, which allows empty names: an empty name makes a node nobody can recognise.
  if (value === '') throw new Invalid(`${field}: empty`);
  if (LONE_SURROGATE.test(value)) throw new Invalid(`${field}: not well-formed Unicode (a lone surrogate)`);
  if (format && !format.pattern.test(value)) throw new Invalid(`${field}: not ${format.what}`);
  return value;
}

/** A facet's string field, or null when the facet is absent or does not hold a usable one (facets are not validated further). */
function facetString(facets: Json | undefined, facet: string, field: string): string | null {
  const f = facets?.[facet];
  if (!isObject(f)) return null;
  const value = f[field];
  return typeof value === 'string' && value !== '' && !LONE_SURROGATE.test(value) ? value : null;
}

function datasets(value: unknown, field: string): DatasetRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Invalid(`${field}: not an array`);
  return value.map((item, i) => {
    const d = object(item, `${field}[${i}]`);
    const facets = d.facets === undefined ? undefined : object(d.facets, `${field}[${i}].facets`);
    return {
      namespace: text(d.namespace, `${field}[${i}].namespace`),
      name: text(d.name, `${field}[${i}].name`),
      version: facetString(facets, 'version', 'datasetVersion'),
      type: facetString(facets, 'datasetType', 'datasetType')?.toUpperCase() ?? null,
    };
  });
}

/**
 * Checks one parsed value as a run event. Stricter than the spec's schema in
 * two places, both documented: `eventType` is required (the spec leaves it
 * optional, but a run's state cannot be told without it) and names may not
 * be empty. Dataset and job events (no `run`) are not run events.
 */
export function checkEvent(value: unknown): EventVerdict {
  try {
    const e = object(value, 'event');
    if (e.run === undefined && e.eventType === undefined && (e.job !== undefined || e.dataset !== undefined)) {
      throw new Invalid('a job or dataset event (no run): only run events are folded');
    }
    const eventTime = text(e.eventTime, 'eventTime', { pattern: DATE_TIME, what: 'an RFC 3339 date-time' });
    const time = Date.parse(eventTime.replace(' ', 'T'));
    if (Number.isNaN(time)) throw new Invalid('eventTime: not an RFC 3339 date-time');
    text(e.producer, 'producer', { pattern: URI, what: 'a URI' });
    text(e.schemaURL, 'schemaURL', { pattern: URI, what: 'a URI' });
    const type = text(e.eventType, 'eventType');
    if (!TYPES.has(type)) throw new Invalid(`eventType: not one of ${EVENT_TYPES.join(', ')}`);
    const run = object(e.run, 'run');
    const runId = text(run.runId, 'run.runId', { pattern: UUID, what: 'a UUID' });
    if (run.facets !== undefined) object(run.facets, 'run.facets');
    const job = object(e.job, 'job');
    if (job.facets !== undefined) object(job.facets, 'job.facets');
    return {
      ok: true,
      event: {
        time,
        type: type as EventType,
        runId: runId.toLowerCase().replace(/^urn:uuid:/, ''),
        job: { namespace: text(job.namespace, 'job.namespace'), name: text(job.name, 'job.name') },
        inputs: datasets(e.inputs, 'inputs'),
        outputs: datasets(e.outputs, 'outputs'),
      },
    };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Where JSON.parse stopped, without the snippet of content V8 puts in its message. */
function parseFailure(err: unknown): string {
  const at = /at position (\d+)/.exec((err as Error).message)?.[1];
  return at ? `not valid JSON (stops at character ${Number(at) + 1})` : 'not valid JSON (truncated or malformed)';
}

/** The events of one JSON text: an event, or an array of events (as some files hold); each judged on its own. */
export function parseEvents(json: string): EventVerdict[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return [{ ok: false, reason: parseFailure(err) }];
  }
  if (!Array.isArray(value)) return [checkEvent(value)];
  return value.map((item, i) => {
    const verdict = checkEvent(item);
    return verdict.ok ? verdict : { ok: false, reason: `[${i}] ${verdict.reason}` };
  });
}
