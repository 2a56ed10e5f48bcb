import Type, { type Static } from 'typebox';
import { ChaosExperiment, ChaosOptions } from './observe/chaos/schema.js';

const HttpAction = Type.Object(
  {
    http: Type.Object(
      {
        method: Type.Optional(Type.String({ pattern: '^[A-Z]+$', description: 'HTTP method; default POST.' })),
        url: Type.String({ format: 'uri', description: 'The chaos endpoint to call; any 2xx answer is success.' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const CommandAction = Type.Object(
  {
    command: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'A program and its arguments, run without a shell (argv only); exit status 0 is success.',
    }),
  },
  { additionalProperties: false },
);

export const DrillAction = Type.Union([HttpAction, CommandAction]);
export type DrillAction = Static<typeof DrillAction>;

export const Expectation = Type.Object(
  {
    status: Type.Integer({ minimum: 100, maximum: 599, default: 200, description: 'The HTTP status a healthy answer has.' }),
    servedByHeader: Type.Optional(Type.String({ minLength: 1, description: 'Response header naming the backend that served the answer (e.g. x-served-by).' })),
    bodyIncludes: Type.Optional(Type.String({ minLength: 1, description: 'Text a healthy answer body contains.' })),
  },
  { additionalProperties: false },
);
export type Expectation = Static<typeof Expectation>;

export const ServiceOptions = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "The record's subject id: one record per service and run." }),
    url: Type.String({ format: 'uri', description: 'The front door clients use.' }),
    expect: Type.Object(Expectation.properties, { additionalProperties: false, default: {} }),
    targets: Type.Object(
      {
        primary: Type.String({ format: 'uri', description: "The primary's own health endpoint." }),
        standby: Type.String({ format: 'uri', description: "The standby's own health endpoint." }),
      },
      { additionalProperties: false },
    ),
    slo: Type.Object(
      {
        p95Ms: Type.Number({ exclusiveMinimum: 0, description: 'Highest acceptable 95th-percentile latency of the front door.' }),
        rtoSeconds: Type.Number({ minimum: 0, description: 'Recovery time objective: longest acceptable time from fault to healthy on the standby.' }),
        maxErrorRate: Type.Number({ minimum: 0, maximum: 1, default: 0.05, description: 'Highest acceptable share of failed front-door probes.' }),
      },
      { additionalProperties: false },
    ),
    drill: Type.Optional(
      Type.Object(
        {
          enabled: Type.Boolean({ default: false, description: 'Run a failover drill; also needs --allow-drills or allowDrills: true.' }),
          trigger: DrillAction,
          restore: DrillAction,
          probeIntervalMs: Type.Integer({ minimum: 1, default: 200, description: 'Time between probes during the drill.' }),
          maxSeconds: Type.Number({ exclusiveMinimum: 0, default: 300, description: 'Longest wait for recovery, and for the primary to come back.' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ServiceOptions = Static<typeof ServiceOptions>;

export const optionsSchema = Type.Object(
  {
    services: Type.Array(ServiceOptions, { minItems: 1 }),
    probes: Type.Integer({ minimum: 1, default: 10, description: 'Probes of the front door and of each target per run (probe mode), and per drill phase.' }),
    probeIntervalMs: Type.Integer({ minimum: 0, default: 100, description: 'Time between probe-mode probes.' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 5000, description: 'Timeout of every probe and of every trigger or restore action.' }),
    chaos: Type.Optional(ChaosOptions),
    tls: Type.Optional(
      Type.Object(
        {
          caFile: Type.String({
            minLength: 1,
            'x-evidence-input': 'file',
            description: 'PEM file of CA certificates to trust for https URLs (relative to the config file).',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type FailoverOptions = Static<typeof optionsSchema>;

const LatencyStats = Type.Object(
  {
    probes: Type.Integer({ minimum: 0, description: 'Probes made.' }),
    errors: Type.Integer({ minimum: 0, description: 'Probes that were not healthy (wrong status or body, timeout, connection error).' }),
    errorRate: Type.Number({ minimum: 0, maximum: 1, description: 'errors / probes (0 with no probes).' }),
    p50Ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'Median latency of the healthy probes; null with none.' }),
    p95Ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: '95th-percentile latency of the healthy probes; null with none.' }),
    maxMs: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'Highest latency of the healthy probes; null with none.' }),
  },
  { additionalProperties: false },
);

export { LatencyStats };
export type LatencyStats = Static<typeof LatencyStats>;

const ActionOutcome = Type.Object(
  {
    ok: Type.Boolean({ description: 'Whether the action succeeded (2xx, or exit status 0).' }),
    detail: Type.String({ description: 'HTTP status or exit status, or the error; never a response body.' }),
  },
  { additionalProperties: false },
);

export const payloadSchema = Type.Object(
  {
    source: Type.Union([Type.Literal('probe'), Type.Literal('drill'), Type.Literal('aws-fis'), Type.Literal('litmus')], {
      description: 'Who produced the evidence: our probes alone, a drill we ran, or an experiment imported from a chaos tool.',
    }),
    url: Type.Optional(Type.String({ description: 'The front door probed.' })),
    frontDoor: Type.Optional(Type.Object(LatencyStats.properties, { additionalProperties: false, description: 'Probe-mode statistics of the front door.' })),
    targets: Type.Optional(
      Type.Object(
        {
          primary: Type.Object(LatencyStats.properties, { additionalProperties: false }),
          standby: Type.Object(LatencyStats.properties, { additionalProperties: false }),
        },
        { additionalProperties: false, description: 'Probe-mode statistics of each target.' },
      ),
    ),
    servedBy: Type.Optional(
      Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'Healthy front-door answers per served-by header value (probe mode).' }),
    ),
    slo: Type.Optional(
      Type.Object(
        { p95Ms: Type.Number(), rtoSeconds: Type.Number(), maxErrorRate: Type.Number() },
        { additionalProperties: false, description: 'The objectives judged against.' },
      ),
    ),
    drillOutcome: Type.Optional(
      Type.Union(
        [
          Type.Literal('recovered'),
          Type.Literal('not-recovered'),
          Type.Literal('aborted-unhealthy'),
          Type.Literal('trigger-failed'),
          Type.Literal('not-allowed'),
          Type.Literal('imported'),
        ],
        { description: 'How the drill went; not-allowed when drill.enabled but drills were not allowed for this run.' },
      ),
    ),
    startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the drill (or imported experiment) started.' })),
    endedAt: Type.Optional(Type.String({ format: 'date-time', description: 'When it ended.' })),
    secondsToFirstError: Type.Optional(
      Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'From the fault to the first failed front-door probe; null if none failed.' }),
    ),
    recoverySeconds: Type.Optional(
      Type.Union([Type.Number({ minimum: 0 }), Type.Null()], {
        description: 'From the fault to the first healthy front-door answer served by the standby; null if it never came.',
      }),
    ),
    errorsDuring: Type.Optional(Type.Integer({ minimum: 0, description: 'Failed front-door probes between the fault and recovery (or the end of the wait).' })),
    latency: Type.Optional(
      Type.Object(
        {
          before: Type.Optional(Type.Object(LatencyStats.properties, { additionalProperties: false })),
          during: Type.Optional(Type.Object(LatencyStats.properties, { additionalProperties: false })),
          after: Type.Optional(Type.Object(LatencyStats.properties, { additionalProperties: false })),
        },
        { additionalProperties: false, description: 'Front-door latency before the fault, from fault to restore, and after the primary is back.' },
      ),
    ),
    trigger: Type.Optional(Type.Object(ActionOutcome.properties, { additionalProperties: false, description: 'The fault injection.' })),
    restore: Type.Optional(
      Type.Object(ActionOutcome.properties, { additionalProperties: false, description: 'The restore; always attempted once a drill starts.' }),
    ),
    primaryBack: Type.Optional(Type.Boolean({ description: 'Whether the primary answered healthy after the restore.' })),
    experiment: Type.Optional(ChaosExperiment),
  },
  { additionalProperties: false },
);
export type FailoverPayload = Static<typeof payloadSchema>;
