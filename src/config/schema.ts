import Type, { type Static } from 'typebox';
import { WitnessSettings } from '../checkpoint/witness-settings.js';
import { CADENCE_EVERY } from '../record/types.js';
import { SigningSettings } from '../signing/settings.js';
import { StoreSettings } from '../store/settings.js';

const ID = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';

export const CollectorEntry = Type.Object(
  {
    id: Type.String({ pattern: ID, description: 'Unique in this file; the stream is <agent.id>/<id>.' }),
    use: Type.String({ minLength: 1, description: 'A built-in collector type, a path to a module (./ or /), or an npm package name.' }),
    controls: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, description: "Overrides the collector's default control ids." })),
    timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400, description: 'Default 300.' })),
    options: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "Checked against the collector's own options schema." })),
    schedule: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Cron expression (5 fields, or 6 with seconds first) for the daemon. Without it, the collector runs only in snapshots.',
      }),
    ),
    timezone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone of the schedule. Default UTC.' })),
    cadence: Type.Optional(
      Type.Enum([...CADENCE_EVERY], {
        description:
          'For a collector without a schedule (snapshot only): how often it is meant to run, stated on each of its records so coverage knows which periods need evidence. Not with schedule, which states it already.',
      }),
    ),
    allowDrills: Type.Optional(
      Type.Boolean({
        description:
          'Lets this collector act on the systems it observes (a failover drill, fault injection) when the daemon runs it; a snapshot needs --allow-drills. Default false.',
      }),
    ),
    jitterSeconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: 3600, description: "Random delay of up to this many seconds before each scheduled run, to spread a fleet's load." }),
    ),
  },
  { additionalProperties: false },
);
export type CollectorEntry = Static<typeof CollectorEntry>;

/** The config file's schema; `config/config.schema.json` is written from it (`npm run config-schema`) for editors. */
export const configSchema = Type.Object(
  {
    agent: Type.Optional(
      Type.Object(
        { id: Type.Optional(Type.String({ pattern: ID, description: "Names this agent's streams (<agent.id>/<collector id>). Default: the host name." })) },
        { additionalProperties: false },
      ),
    ),
    store: Type.Optional(StoreSettings),
    signing: Type.Optional(SigningSettings),
    witness: Type.Optional(WitnessSettings),
    server: Type.Optional(
      Type.Object(
        {
          listen: Type.Optional(
            Type.String({ pattern: '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$', description: 'host:port. Default 127.0.0.1:9464.' }),
          ),
        },
        { additionalProperties: false, description: "The daemon's HTTP server: /healthz, /readyz, /metrics, and routes collectors mount." },
      ),
    ),
    runner: Type.Optional(
      Type.Object(
        { concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'Collectors run at once. Default 4.' })) },
        { additionalProperties: false },
      ),
    ),
    collectors: Type.Array(CollectorEntry),
  },
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://evidence-agent.dev/schema/config.schema.json',
    title: 'evidence-agent configuration',
    additionalProperties: false,
  },
);
export type RawConfig = Static<typeof configSchema>;
