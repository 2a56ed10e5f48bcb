import Type, { type Static } from 'typebox';
import { BucketSettings } from '../../src/store/settings.js';

export const PathSource = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      description: 'A file or folder of .json / .ndjson / .jsonl OpenLineage events (relative to the config file), or an s3:// or gs:// prefix.',
    }),
  },
  { additionalProperties: false },
);

export const MarquezSource = Type.Object(
  {
    marquez: Type.Object(
      {
        url: Type.String({ format: 'uri', description: 'Base URL of the Marquez API, e.g. http://marquez:5000.' }),
        namespace: Type.Optional(Type.String({ minLength: 1, description: 'Only events whose job is in this namespace. Default: every namespace.' })),
        apiKey: Type.Optional(Type.String({ minLength: 1, description: 'Sent as a bearer token; take it from the environment: "${MARQUEZ_API_KEY}".' })),
        pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Events asked for per request. Default 100.' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const Source = Type.Union([PathSource, MarquezSource]);
export type Source = Static<typeof Source>;

export const ReceiverOptions = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Daemon only: serve POST /collectors/<id>/api/v1/lineage.' }),
    maxBodyBytes: Type.Integer({ minimum: 1024, maximum: 67_108_864, default: 1_048_576, description: 'Larger bodies get 413 (after decompression too).' }),
    token: Type.Optional(Type.String({ minLength: 16, description: 'Bearer token clients must send; take it from the environment: "${LINEAGE_TOKEN}".' })),
    spool: Type.Optional(
      Type.String({ minLength: 1, description: 'Folder the received events are appended to. Default: .lineage-spool/<collector id> beside the config file.' }),
    ),
  },
  { additionalProperties: false, default: {} },
);
export type ReceiverOptions = Static<typeof ReceiverOptions>;

export const RetentionRule = Type.Object(
  {
    location: Type.String({ minLength: 1, description: 'A folder (relative to the config file), or an s3:// or gs:// prefix.' }),
    days: Type.Integer({ minimum: 1, maximum: 36_500, description: 'Objects older than this must be gone.' }),
  },
  { additionalProperties: false },
);
export type RetentionRule = Static<typeof RetentionRule>;

export const optionsSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, description: "The record's subject id. Default: the collector id." })),
    sources: Type.Array(Source, { default: [] }),
    receiver: ReceiverOptions,
    models: Type.Object(
      {
        deployed: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'Names of deployed models that must have lineage.' }),
        ledger: Type.Optional(
          Type.String({
            minLength: 1,
            'x-evidence-input': 'file',
            description: "The model-signatures approved-models ledger; each entry's name is a deployed model.",
          }),
        ),
        namePatterns: Type.Array(Type.String({ minLength: 1 }), {
          default: [],
          description: 'Globs on dataset names (* within a segment, ** across): matching output datasets are models.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    incompleteAfterHours: Type.Number({
      exclusiveMinimum: 0,
      default: 24,
      description: 'A run started longer ago than this with no terminal event is incomplete.',
    }),
    retention: Type.Array(RetentionRule, { default: [] }),
    ...BucketSettings.properties,
  },
  { additionalProperties: false },
);
export type LineageOptions = Static<typeof optionsSchema>;

const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const payloadSchema = Type.Object(
  {
    name: Type.String({ description: 'The configured name of this lineage graph (the subject id).' }),
    events: Type.Object(
      {
        folded: Count('Distinct valid run events folded into the graph.'),
        duplicates: Count(
          'Valid events seen again (same run, type and time to the millisecond), e.g. in two sources or resent by a client: not counted twice.',
        ),
        invalid: Count('Lines or events that are not valid OpenLineage run events; the first few are cited in invalidExamples.'),
      },
      { additionalProperties: false, description: 'Event counts over every source and the spool.' },
    ),
    invalidExamples: Type.Array(
      Type.Object(
        {
          at: Type.String({ description: 'The file, object, spool file or Marquez endpoint.' }),
          line: Type.Integer({ minimum: 1, description: 'Line in the file (for Marquez: the position in its event list, from 1).' }),
          reason: Type.String({ description: 'Which field is wrong; never the content of the event.' }),
        },
        { additionalProperties: false },
      ),
      { description: 'The first invalid events, in reading order.' },
    ),
    runs: Type.Object(
      {
        total: Count('Distinct run ids.'),
        completed: Count('Runs whose latest terminal event is COMPLETE.'),
        failed: Count('Runs whose latest terminal event is FAIL.'),
        aborted: Count('Runs whose latest terminal event is ABORT.'),
        running: Count('Started (START or RUNNING) within the grace period, no terminal event yet.'),
        incomplete: Count('Started longer ago than incompleteAfterHours, no terminal event.'),
        other: Count('Only OTHER events.'),
      },
      { additionalProperties: false },
    ),
    incompleteAfterHours: Type.Number({ description: 'The grace period applied.' }),
    graph: Type.Object(
      {
        datasets: Count('Dataset nodes (namespace and name; versions are listed on the node).'),
        models: Count('Datasets that are models: a datasetType facet of MODEL, or a configured name pattern.'),
        jobs: Count('Job nodes.'),
        edges: Count('Dataset-to-job (input) and job-to-dataset (output) edges.'),
        sha256: Type.String({
          pattern: '^[0-9a-f]{64}$',
          description: 'SHA-256 of the RFC 8785 canonical JSON of the graph: the bytes of the lineage-graph.json attachment.',
        }),
      },
      { additionalProperties: false },
    ),
    deployedModels: Type.Array(
      Type.Object(
        {
          name: Type.String({ description: 'A deployed model, from options or the ledger.' }),
          datasets: Type.Array(Type.String(), { description: 'Model datasets in the graph that this name matches.' }),
          inputs: Type.Array(Type.String(), { description: 'Input datasets of the runs that wrote them (at most 20 listed).' }),
          lineage: Type.Boolean({ description: 'Whether at least one input dataset was found.' }),
        },
        { additionalProperties: false },
      ),
    ),
    sources: Type.Array(
      Type.Object(
        {
          source: Type.String({ description: 'A path, bucket prefix, Marquez URL (without credentials) or the spool folder.' }),
          kind: Type.Union([Type.Literal('path'), Type.Literal('bucket'), Type.Literal('marquez'), Type.Literal('spool')]),
          events: Count('Valid events read from it (before duplicates are removed).'),
          invalid: Count('Invalid lines or events in it.'),
          error: Nullable(Type.String({ description: 'Why it could not be read (fully); null when it was.' })),
        },
        { additionalProperties: false },
      ),
    ),
    retention: Type.Array(
      Type.Object(
        {
          location: Type.String({ description: 'The folder or bucket prefix of the rule.' }),
          days: Type.Integer({ minimum: 1 }),
          objectsChecked: Count('Stored objects (files, or bucket keys with at least one stored version) compared with the rule.'),
          expiredPresent: Count('Of those, objects with data older than the rule allows.'),
          found: Type.Boolean({ description: 'False when the folder does not exist (nothing was there to check).' }),
          error: Nullable(Type.String({ description: 'Why the listing failed or stopped; null when it completed.' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  // Each deployed model, traced to its datasets, is an item an auditor samples (evidence-schema/README.md, "Items and ranges").
  { additionalProperties: false, title: 'lineage payload', 'x-evidence-items': { path: '/deployedModels', id: '/name' } },
);
export type LineagePayload = Static<typeof payloadSchema>;
