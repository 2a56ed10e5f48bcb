/**
 * The option and payload fragments of drills imported from chaos engines, one definition each; the failover
 * collector's schema.ts takes them into its optionsSchema (`chaos`) and payloadSchema (`experiment`).
 */
import Type, { type Static } from 'typebox';

const ServiceName = Type.String({ minLength: 1, description: 'The service (services[].name) whose failover the experiment drills; the record subject.' });

export const FisOptions = Type.Object(
  {
    templates: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, description: 'An AWS FIS experiment template id (EXT...).' }),
          service: ServiceName,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'The experiment templates whose experiments are failover drills, each mapped to the service it drills.' },
    ),
    region: Type.Optional(Type.String({ minLength: 1, description: 'AWS region. Default: from the environment (AWS_REGION).' })),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'FIS endpoint, for a VPC endpoint. Default: the regional endpoint.' })),
    lookbackHours: Type.Number({
      exclusiveMinimum: 0,
      default: 168,
      description: 'On the first run, experiments that ended this long ago or less are recorded; later runs record those that ended since the previous record.',
    }),
  },
  { additionalProperties: false },
);
export type FisOptions = Static<typeof FisOptions>;

export const LitmusOptions = Type.Object(
  {
    engines: Type.Array(
      Type.Object(
        {
          engine: Type.String({ minLength: 1, description: 'A ChaosEngine name (ChaosResult spec.engine).' }),
          service: ServiceName,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'The ChaosEngines that drill failover, each mapped to its service; ChaosResults of other engines are passed over.' },
    ),
    files: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Exported ChaosResult YAML or JSON files (kubectl get chaosresults -o yaml), relative to the config file.',
      }),
    ),
    kubernetes: Type.Optional(
      Type.Object(
        {
          namespace: Type.String({ minLength: 1, description: 'Namespace whose ChaosResults are read with the in-cluster service account.' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type LitmusOptions = Static<typeof LitmusOptions>;

export const ChaosOptions = Type.Object(
  {
    awsFis: Type.Optional(FisOptions),
    litmus: Type.Optional(LitmusOptions),
  },
  { additionalProperties: false, description: 'Failover drills run by chaos engines, recorded as drills of the mapped service.' },
);
export type ChaosOptions = Static<typeof ChaosOptions>;

const Time = Type.String({ format: 'date-time' });

/**
 * What a chaos engine says about one experiment it ran: the tool-specific part of an imported drill's record
 * (`data.experiment`; `data.source` names the tool, `data.startedAt` / `endedAt` its times).
 */
export const ChaosExperiment = Type.Object(
  {
    id: Type.String({ description: 'FIS experiment id, or the ChaosResult namespace/name.' }),
    template: Type.Optional(Type.String({ description: 'FIS experiment template id, or the ChaosEngine name.' })),
    state: Type.String({ description: 'FIS state.status, or the ChaosResult experimentStatus.phase.' }),
    reason: Type.Optional(Type.String({ description: 'FIS state.reason, or the ChaosResult failStep / errorOutput reason.' })),
    verdict: Type.Optional(Type.String({ description: 'Litmus verdict (Pass, Fail, Stopped, Awaited, Error).' })),
    probeSuccessPercentage: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: 'Litmus: share of resilience probes that passed.' })),
    runs: Type.Optional(
      Type.Object(
        { passed: Type.Integer({ minimum: 0 }), failed: Type.Integer({ minimum: 0 }), stopped: Type.Integer({ minimum: 0 }) },
        { additionalProperties: false, description: 'Litmus ChaosResult history: runs of this engine and experiment so far.' },
      ),
    ),
    actions: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          action: Type.String({ description: 'FIS actionId (aws:ec2:stop-instances), or the Litmus experiment (pod-delete).' }),
          state: Type.Optional(Type.String()),
          startedAt: Type.Optional(Time),
          endedAt: Type.Optional(Time),
        },
        { additionalProperties: false },
      ),
      { description: 'The faults injected.' },
    ),
    stopConditions: Type.Array(Type.String(), { description: 'FIS stop conditions configured (alarm ARNs, or "none").' }),
    stoppedByStopCondition: Type.Boolean({ description: 'FIS stopped the experiment because a stop condition fired.' }),
    probes: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), type: Type.Optional(Type.String()), verdict: Type.String() }, { additionalProperties: false }), {
        description: 'Litmus resilience probes and their verdicts.',
      }),
    ),
  },
  { additionalProperties: false, description: 'An experiment imported from a chaos engine, as the engine reports it.' },
);
export type ChaosExperiment = Static<typeof ChaosExperiment>;
