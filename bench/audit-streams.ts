/**
 * The streams of the audit bench's synthetic store: who writes them, what they
 * hold, how often, and the events (runs, failures, skipped and missed runs)
 * each one goes through, generated deterministically so every build is the
 * same store but for record ids.
 */
import { CronExpressionParser } from 'cron-parser';
import type { JsonSchema } from '../src/json-schema.js';
import type { RecordCadence } from '../src/record/types.js';

export const START = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type Kind = 'model' | 'commits' | 'logs' | 'access' | 'lineage' | 'failover' | 'scan' | 'events';

export interface StreamSpec {
  agent: string;
  id: string;
  kind: Kind;
  controls: string[];
  /** A collector that states its cadence: candidates finest first; the finest whose runs fit `share` of the records is taken. */
  cadences?: RecordCadence[];
  /** Of all records: a cap for a stream with a cadence, a weight among the others. */
  share: number;
  /** The part of the days it runs (0..1), for an agent replaced mid-window. */
  span?: [number, number];
}

const utc = (schedule: string): RecordCadence => ({ schedule, timezone: 'UTC' });
const paris = (schedule: string): RecordCadence => ({ schedule, timezone: 'Europe/Paris' });

/**
 * Twenty streams of five agents (a web fleet of two, the agent that replaced web-2's access reviews halfway, an ML
 * host, CI), most important first so that STREAMS=5 still has commits, models, a stated cadence and events. CC7.2
 * is carried by nearly every record (the record population), CC8.1 by the streams that hold items.
 */
const STREAMS: StreamSpec[] = [
  {
    agent: 'ci-1',
    id: 'commits',
    kind: 'commits',
    controls: ['CC8.1'],
    cadences: [utc('*/10 * * * *'), utc('*/30 * * * *'), utc('0 * * * *'), utc('0 */6 * * *'), utc('0 3 * * *')],
    share: 0.03,
  },
  { agent: 'web-1', id: 'model-signatures', kind: 'model', controls: ['CC8.1', 'CC7.2'], share: 1 },
  {
    agent: 'web-1',
    id: 'endpoint-check',
    kind: 'events',
    controls: ['CC6.8', 'CC7.2'],
    cadences: [utc('*/5 * * * *'), utc('*/30 * * * *'), utc('0 */2 * * *'), utc('0 6 * * *')],
    share: 0.06,
  },
  {
    agent: 'web-2',
    id: 'access-review',
    kind: 'access',
    controls: ['CC6.1', 'CC6.2'],
    cadences: [{ every: 'daily' }, { every: 'weekly' }],
    share: 0.005,
    span: [0, 0.5],
  },
  { agent: 'web-1', id: 'api-audit', kind: 'events', controls: ['CC7.2', 'CC6.8'], share: 1 },
  {
    agent: 'ml-1',
    id: 'commits',
    kind: 'commits',
    controls: ['CC8.1'],
    cadences: [paris('*/15 * * * *'), paris('0 * * * *'), paris('0 3 * * *')],
    share: 0.02,
  },
  {
    agent: 'web-3',
    id: 'access-review',
    kind: 'access',
    controls: ['CC6.1', 'CC6.2'],
    cadences: [{ every: 'daily' }, { every: 'weekly' }],
    share: 0.005,
    span: [0.5, 1],
  },
  { agent: 'web-2', id: 'model-signatures', kind: 'model', controls: ['CC8.1', 'CC7.2'], share: 1 },
  { agent: 'ml-1', id: 'lineage', kind: 'lineage', controls: ['CC8.1', 'PI1.1'], cadences: [{ every: 'hourly' }, { every: 'daily' }], share: 0.01 },
  { agent: 'web-1', id: 'log-redaction', kind: 'logs', controls: ['CC6.7', 'CC7.2'], share: 1 },
  { agent: 'ml-1', id: 'failover', kind: 'failover', controls: ['A1.2', 'A1.3'], cadences: [{ every: 'weekly' }], share: 0.001 },
  { agent: 'ci-1', id: 'dependency-scan', kind: 'scan', controls: ['CC7.1'], cadences: [utc('0 */4 * * *'), paris('0 2 * * *')], share: 0.005 },
  { agent: 'ml-1', id: 'model-signatures', kind: 'model', controls: ['CC8.1', 'CC7.2'], share: 1 },
  { agent: 'web-2', id: 'log-redaction', kind: 'logs', controls: ['CC6.7', 'CC7.2'], share: 1 },
  { agent: 'web-2', id: 'api-audit', kind: 'events', controls: ['CC7.2', 'CC6.8'], share: 1 },
  {
    agent: 'web-2',
    id: 'endpoint-check',
    kind: 'events',
    controls: ['CC6.8', 'CC7.2'],
    cadences: [utc('*/5 * * * *'), utc('*/30 * * * *'), utc('0 */2 * * *'), utc('0 6 * * *')],
    share: 0.06,
  },
  { agent: 'ml-1', id: 'inference-audit', kind: 'events', controls: ['CC7.2'], share: 1 },
  { agent: 'ci-1', id: 'build-audit', kind: 'events', controls: ['CC7.2', 'CC8.1'], share: 1 },
  { agent: 'ci-1', id: 'secrets-scan', kind: 'events', controls: ['CC6.1', 'CC7.2'], share: 1 },
  { agent: 'ml-1', id: 'model-eval', kind: 'events', controls: ['PI1.1', 'CC7.2'], share: 1 },
];

/** The first `count` streams; beyond twenty, more event streams spread over the web fleet. */
export function streamSpecs(count: number): StreamSpec[] {
  const specs = STREAMS.slice(0, count);
  for (let i = STREAMS.length; i < count; i++) {
    specs.push({ agent: `web-${1 + (i % 2)}`, id: `api-audit-${i}`, kind: 'events', controls: ['CC7.2', 'CC6.8'], share: 1 });
  }
  return specs;
}

const string = { type: 'string' };
const integer = { type: 'integer', minimum: 0 };
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const commit = { type: 'string', pattern: '^[0-9a-f]{40}$' };
const object = (properties: Record<string, object>, required = Object.keys(properties)) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

/** The payload schemas, with the annotations the audit commands read: items inline, items in an attachment, ranges. */
export const PAYLOAD_SCHEMAS: Record<Kind, JsonSchema> = {
  model: { ...object({ name: string, digest: hex64, verified: { type: 'boolean' } }), 'x-evidence-items': { path: '', id: '/name' } },
  commits: {
    ...object(
      {
        repo: string,
        range: object({ from: object({ commit: { anyOf: [commit, { type: 'null' }] } }), to: object({ commit }) }),
        count: integer,
        commits: { type: 'array', items: object({ id: commit, author: string, agent: { type: 'boolean' }, reviewed: { type: 'boolean' } }) },
      },
      ['repo', 'range', 'count'],
    ),
    'x-evidence-items': { path: '/commits', id: '/id', attachment: 'commits.jsonl' },
    'x-evidence-range': { from: '/range/from/commit', to: '/range/to/commit' },
  },
  logs: {
    ...object({ files: { type: 'array', items: object({ path: string, lines: integer, redacted: integer }) } }),
    'x-evidence-items': { path: '/files', id: '/path' },
  },
  access: object({ system: string, accounts: integer, revoked: integer }),
  lineage: {
    ...object({ datasets: { type: 'array', items: object({ name: string, sha256: hex64 }) } }),
    'x-evidence-items': { path: '/datasets', id: '/name' },
  },
  failover: {
    ...object({ drills: { type: 'array', items: object({ id: string, service: string, rtoSeconds: integer }) } }),
    'x-evidence-items': { path: '/drills', id: '/id' },
  },
  scan: object({ packages: integer, findings: integer }),
  events: object({ event: string, actor: string, resource: string }),
};

/** A small deterministic generator, so every build writes the same store. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

export type EventType = 'run' | 'error' | 'skipped' | 'missed';

export interface StreamEvent {
  at: number;
  type: EventType;
  /** run-skipped: the fire time skipped; missed-runs: the time of the stream's last record before the outage. */
  since?: number;
  missed?: number;
}

function periodLength(c: RecordCadence): number {
  if ('every' in c) return c.every === 'hourly' ? HOUR : c.every === 'daily' ? DAY : 7 * DAY;
  const fires = CronExpressionParser.parse(c.schedule, { currentDate: new Date(START - 1), tz: c.timezone });
  const first = fires.next().getTime();
  return fires.next().getTime() - first;
}

/** The cadence a stream runs at for a store of `records` over `days`, or none for an event-driven stream. */
export function cadenceOf(spec: StreamSpec, records: number, days: number): RecordCadence | undefined {
  if (!spec.cadences) return undefined;
  const [a, b] = spec.span ?? [0, 1];
  const runs = (c: RecordCadence) => ((b - a) * days * DAY) / periodLength(c);
  return spec.cadences.find((c) => runs(c) <= spec.share * records) ?? spec.cadences.at(-1)!;
}

/** Start times of the periods of a cadence in [from, end). */
function* periodStarts(c: RecordCadence, from: number, end: number): Generator<number> {
  if ('every' in c) {
    const length = periodLength(c);
    // ISO weeks start on Monday; 1970-01-01 was a Thursday.
    const offset = c.every === 'weekly' ? -3 * DAY : 0;
    for (let t = Math.ceil((from - offset) / length) * length + offset; t < end; t += length) yield t;
    return;
  }
  const fires = CronExpressionParser.parse(c.schedule, { currentDate: new Date(from - 1), tz: c.timezone });
  for (let t = fires.next().getTime(); t < end; t = fires.next().getTime()) yield t;
}

/**
 * A stream with a stated cadence, period by period: a run early in most periods, and in a few a gap, a failed run,
 * a run skipped because the previous one was still going, or (schedules only) an outage of several periods closed
 * by a missed-runs notice, as the daemon writes them.
 */
function* cadencedEvents(c: RecordCadence, from: number, end: number, next: () => number): Generator<StreamEvent> {
  const scheduled = 'schedule' in c;
  let last: number | null = null;
  let outage = 0;
  let missed = 0;
  for (const p of periodStarts(c, from, end)) {
    if (outage > 0) {
      outage--;
      missed++;
      continue;
    }
    if (scheduled && last !== null && next() < 0.0008) {
      outage = 2 + Math.floor(next() * 24);
      missed = 1;
      continue;
    }
    if (missed > 0 && last !== null) {
      yield { at: p + 1_000, type: 'missed', since: last, missed };
      missed = 0;
    }
    const at = p + 20_000 + Math.floor(next() * 40_000);
    const r = next();
    if (r < 0.004) continue;
    if (scheduled && r < 0.007) {
      yield { at: p + 100, type: 'skipped', since: p };
      last = p + 100;
      continue;
    }
    yield { at, type: r < 0.012 ? 'error' : 'run' };
    last = at;
  }
}

/** An event-driven stream: `count` events spread over [from, end), a few of them failed runs. */
function* eventDriven(count: number, from: number, end: number, next: () => number): Generator<StreamEvent> {
  const slot = (end - from) / count;
  for (let i = 0; i < count; i++) yield { at: from + Math.floor((i + 0.05 + 0.9 * next()) * slot), type: next() < 0.02 ? 'error' : 'run' };
}

export interface PlannedStream {
  spec: StreamSpec;
  stream: string;
  cadence: RecordCadence | undefined;
  events: Generator<StreamEvent>;
}

/** Every stream's events over `days` days from START; the event-driven ones share what the cadenced ones leave of `records`. */
export function planStreams(records: number, streams: number, days: number): PlannedStream[] {
  const specs = streamSpecs(streams);
  const cadences = specs.map((s) => cadenceOf(s, records, days));
  const range = (s: StreamSpec): [number, number] => {
    const [a, b] = s.span ?? [0, 1];
    return [START + Math.round(a * days) * DAY, START + Math.round(b * days) * DAY];
  };
  // What the cadenced streams write, counted by running their (deterministic) generators once.
  let left = records;
  specs.forEach((s, i) => {
    if (cadences[i]) for (const _ of cadencedEvents(cadences[i], ...range(s), random(1000 + i))) left--;
  });
  const driven = specs.filter((_, i) => !cadences[i]);
  const weights = driven.reduce((sum, s) => sum + s.share, 0);
  const counts = driven.map((s) => Math.floor((Math.max(0, left) * s.share) / weights));
  // The rounding's remainder goes to the first, so the store holds exactly `records` when the cadenced ones leave room.
  if (counts.length > 0) counts[0]! += Math.max(0, left) - counts.reduce((a, b) => a + b, 0);
  return specs.map((spec, i) => {
    const cadence = cadences[i];
    const next = random(1000 + i);
    const events = cadence ? cadencedEvents(cadence, ...range(spec), next) : eventDriven(counts[driven.indexOf(spec)]!, ...range(spec), next);
    return { spec, stream: `${spec.agent}/${spec.id}`, cadence, events };
  });
}
