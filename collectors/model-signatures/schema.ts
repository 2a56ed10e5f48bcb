import Type, { type Static } from 'typebox';
import { BucketSettings } from '../../src/store/settings.js';

export const VerifyOptions = Type.Object(
  {
    method: Type.Union([Type.Literal('key'), Type.Literal('certificate'), Type.Literal('sigstore')]),
    publicKeys: Type.Optional(Type.Array(Type.String({ 'x-evidence-input': 'file' }), { minItems: 1 })),
    certificateChain: Type.Optional(
      Type.Array(Type.String({ 'x-evidence-input': 'file' }), { minItems: 1, description: 'PEM files of the trusted CA certificates.' }),
    ),
    identity: Type.Optional(Type.String({ minLength: 1 })),
    issuer: Type.Optional(Type.String({ minLength: 1 })),
    trustedRoot: Type.Optional(Type.String({ 'x-evidence-input': 'file', description: 'trusted_root.json for offline or private Sigstore instances.' })),
  },
  {
    additionalProperties: false,
    allOf: [
      { if: { properties: { method: { const: 'key' } } }, then: { required: ['publicKeys'] } },
      { if: { properties: { method: { const: 'certificate' } } }, then: { required: ['certificateChain'] } },
      { if: { properties: { method: { const: 'sigstore' } } }, then: { required: ['identity', 'issuer'] } },
    ],
  },
);
export type VerifyOptions = Static<typeof VerifyOptions>;

export const optionsSchema = Type.Object(
  {
    models: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          path: Type.String({ minLength: 1, description: 'A folder or file, or s3:// / gs:// prefix.' }),
          signature: Type.Optional(Type.String({ minLength: 1, description: 'Default: <path>/model.sig.' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    verify: VerifyOptions,
    ledger: Type.Optional(Type.String({ 'x-evidence-input': 'file', description: 'YAML or JSON list of {name, version?, digest, approvedBy, approvedAt}.' })),
    ignorePaths: Type.Array(Type.String(), { default: [] }),
    allowUnsignedFiles: Type.Boolean({ default: false }),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'Hashing threads. Default: the number of cores.' })),
    ...BucketSettings.properties,
  },
  { additionalProperties: false },
);
export type ModelSignaturesOptions = Static<typeof optionsSchema>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** One approval in the registry of models allowed in production; the record copies the entry that approved its model. */
export const LedgerEntry = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    version: Type.Optional(Type.String()),
    digest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
    approvedBy: Type.String({ minLength: 1 }),
    approvedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type LedgerEntry = Static<typeof LedgerEntry>;

export const payloadSchema = Type.Object(
  {
    name: Type.String(),
    path: Type.String({ description: 'The model folder or file, or s3:// / gs:// prefix.' }),
    signature: Type.String(),
    subjectDigest: Nullable(
      Type.String({
        pattern: '^sha256:[0-9a-f]{64}$',
        description: "sha256 over the raw resource digests in signed order: the model's identity in the ledger. Null when the signature could not be read.",
      }),
    ),
    format: Nullable(Type.Union([Type.Literal('v1.0'), Type.Literal('legacy-v0.1')])),
    method: Nullable(Type.Union([Type.Literal('key'), Type.Literal('certificate'), Type.Literal('sigstore')])),
    serialization: Nullable(Type.Union([Type.Literal('files'), Type.Literal('shards')])),
    signer: Nullable(
      Type.Object(
        {
          keyHint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
          certificateSubject: Type.Optional(Type.String()),
          identity: Type.Optional(Type.String()),
          issuer: Type.Optional(Nullable(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    transparencyLogIndex: Nullable(Type.Integer()),
    fileCount: Type.Integer({ minimum: 0 }),
    totalBytes: Type.Integer({ minimum: 0 }),
    ledgerChecked: Type.Boolean(),
    ledgerEntry: Nullable(LedgerEntry),
    hashSeconds: Type.Number({ minimum: 0 }),
    throughputMBps: Nullable(Type.Integer()),
  },
  // One record is one model: the record is its own single item (evidence-schema/README.md, "Items and ranges").
  { additionalProperties: false, title: 'model-signatures payload', 'x-evidence-items': { path: '', id: '/name' } },
);
export type ModelSignaturesPayload = Static<typeof payloadSchema>;
