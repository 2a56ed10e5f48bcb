import Type, { type Static } from 'typebox';
import { BucketSettings } from '../../src/store/settings.js';

export const LogSource = Type.Object(
  {
    name: Type.String({ minLength: 1, description: "The record's subject id: one record per source." }),
    kind: Type.Union([
      Type.Literal('otel-collector'),
      Type.Literal('fluent-bit'),
      Type.Literal('vector'),
      Type.Literal('litellm'),
      Type.Literal('vllm'),
      Type.Literal('nginx'),
    ]),
    config: Type.Optional(
      Type.String({ minLength: 1, description: 'The configuration file (relative to the config file); for vllm, a vLLM YAML config (--config).' }),
    ),
    args: Type.Optional(Type.Array(Type.String(), { description: 'vllm only: the server arguments, as a list.' })),
    argsFile: Type.Optional(Type.String({ minLength: 1, description: 'vllm only: a file holding the server arguments (shell words, `\\` continuations).' })),
    logs: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Log files, globs, folders, or s3:// / gs:// prefixes (JSON Lines or plain text, gzip too) to scan.',
    }),
  },
  { additionalProperties: false },
);
export type LogSource = Static<typeof LogSource>;

export const optionsSchema = Type.Object(
  {
    sources: Type.Array(LogSource, { minItems: 1 }),
    promptFields: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['prompt', 'messages', 'completion', 'response', 'gen_ai.prompt', 'gen_ai.completion'],
      description: 'Record fields that carry prompts or completions: looked for in logs, and in Fluent Bit and Vector configs.',
    }),
    promptAttributes: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['gen_ai.prompt', 'gen_ai.completion', 'gen_ai.input.messages', 'gen_ai.output.messages', 'llm.prompts'],
      description: 'OpenTelemetry attributes that carry prompts or completions: every one must be removed or masked before an exporter.',
    }),
    sampleLines: Type.Integer({ minimum: 0, default: 10_000, description: 'Lines sampled per source (seeded reservoir); 0 scans everything.' }),
    seed: Type.Optional(
      Type.String({ minLength: 1, description: 'Seed of the sample. Default: the collector id, so runs over the same logs sample the same lines.' }),
    ),
    patterns: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Names the finding kind pattern:<name>.' }),
          regex: Type.String({ minLength: 1, description: 'A JavaScript regular expression.' }),
        },
        { additionalProperties: false },
      ),
      { default: [], description: 'Further secrets to look for in logs.' },
    ),
    keyFile: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'File holding the HMAC key (hex or base64, at least 32 bytes). Default: $LOG_REDACTION_HMAC_KEY, else a generated key.',
      }),
    ),
    stateDir: Type.Optional(
      Type.String({ minLength: 1, description: 'Where a generated HMAC key is kept. Default .log-redaction/<collector id> beside the config file.' }),
    ),
    ...BucketSettings.properties,
  },
  { additionalProperties: false },
);
export type LogRedactionOptions = Static<typeof optionsSchema>;

const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const VerdictSchema = Type.Object(
  {
    pipeline: Type.String({ description: 'The pipeline, route, output, sink, callback or log the verdict is about.' }),
    verdict: Type.Union([Type.Literal('drops'), Type.Literal('redacts'), Type.Literal('passes-prompts'), Type.Literal('unknown')]),
    reason: Type.String({ description: 'Why, naming the processors, filters, settings or fields involved.' }),
    lines: Type.Array(Type.Integer({ minimum: 1 }), { description: 'The 1-based config lines that decided it (for vLLM `args`: positions in the list).' }),
  },
  { additionalProperties: false },
);

export const payloadSchema = Type.Object(
  {
    source: Type.String({ description: 'The configured source name (the subject id).' }),
    kind: Type.String({ description: 'Its configuration format: otel-collector, fluent-bit, vector, litellm, vllm or nginx.' }),
    config: Nullable(
      Type.Object(
        {
          location: Type.String({ description: 'The config or args file as configured, or "args" for an inline argument list.' }),
          sha256: Nullable(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of its bytes (inline args: of their JSON); null when unreadable.' })),
          problem: Nullable(Type.String({ description: 'Why it could not be read or analysed; null when it was.' })),
        },
        { additionalProperties: false, description: 'The configuration analysed; null when the source has none.' },
      ),
    ),
    verdicts: Type.Array(VerdictSchema, { description: 'One verdict per pipeline or route the configuration defines.' }),
    logs: Nullable(
      Type.Object(
        {
          locations: Count('Files and objects read.'),
          linesScanned: Count('Lines the detectors looked at.'),
          bytesScanned: Count('Bytes read, after decompression.'),
          sampled: Type.Boolean({ description: 'Whether a seeded sample of sampleLines lines was scanned instead of every line.' }),
          sampleLines: Count('The sample size asked for; 0 for every line.'),
          unreadable: Type.Array(Type.Object({ location: Type.String(), reason: Type.String() }, { additionalProperties: false }), {
            description: 'Locations that could not be read (fully), and why.',
          }),
        },
        { additionalProperties: false, description: 'The log scan; null when the source names no logs.' },
      ),
    ),
    findingsByKind: Type.Record(Type.String(), Type.Integer({ minimum: 1 }), {
      description:
        'Matches per kind (prompt-field, email, api-key, aws-access-key, bearer-token, jwt, card-number, pattern:<name>); kinds not seen are absent.',
    }),
    hits: Type.Array(
      Type.Object(
        {
          location: Type.String({ description: 'The log file or object.' }),
          line: Type.Integer({ minimum: 1, description: 'Line in the (decompressed) log.' }),
          kind: Type.String({ description: 'What was found.' }),
          field: Type.Optional(Type.String({ description: 'The prompt field name, for prompt-field hits.' })),
          hmac: Type.String({
            pattern: '^[0-9a-f]{64}$',
            description: 'HMAC-SHA-256 of the matched text under the agent key: recognises a repeat without revealing the value.',
          }),
        },
        { additionalProperties: false },
      ),
      { description: 'The first matches, in location then line order; never the matched text.' },
    ),
    hitsOmitted: Count('Matches found beyond those listed in hits.'),
    hmacKey: Nullable(
      Type.Union([Type.Literal('environment'), Type.Literal('key-file'), Type.Literal('generated'), Type.Literal('state')], {
        description: 'Where the HMAC key came from (never the key); null when no logs were scanned.',
      }),
    ),
  },
  // Each pipeline's verdict is an item an auditor samples (evidence-schema/README.md, "Items and ranges").
  { additionalProperties: false, 'x-evidence-items': { path: '/verdicts', id: '/pipeline' } },
);
export type LogRedactionPayload = Static<typeof payloadSchema>;
export type VerdictData = Static<typeof VerdictSchema>;
