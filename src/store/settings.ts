import Type, { type Static } from 'typebox';

/**
 * How to reach a bucket: the one definition of these settings, used by the
 * store config, the backends, and collectors that read buckets.
 */
export const S3Settings = Type.Object(
  {
    region: Type.Optional(Type.String({ minLength: 1 })),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'For S3-compatible servers, e.g. http://127.0.0.1:9000.' })),
    forcePathStyle: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type S3Settings = Static<typeof S3Settings>;

export const GcsSettings = Type.Object(
  {
    projectId: Type.Optional(Type.String({ minLength: 1 })),
    apiEndpoint: Type.Optional(
      Type.String({
        format: 'uri',
        description: 'For a test server or a private endpoint, e.g. http://127.0.0.1:4443; requests to it are sent without credentials.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type GcsSettings = Static<typeof GcsSettings>;

/** The settings beside a bucket URL, for whichever provider the URL names. */
export const BucketSettings = Type.Object({ s3: Type.Optional(S3Settings), gcs: Type.Optional(GcsSettings) }, { additionalProperties: false });
export type BucketSettings = Static<typeof BucketSettings>;

export const StoreSettings = Type.Object(
  {
    url: Type.String({
      description: 'file:<folder> (relative to the config file), s3://bucket/prefix or gs://bucket/prefix.',
      pattern: '^(file:.+|s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?|gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/.*)?)$',
    }),
    ...BucketSettings.properties,
    retention: Type.Optional(
      Type.Object(
        {
          mode: Type.Optional(Type.Literal('COMPLIANCE', { description: 'Only COMPLIANCE: governance-mode locks can be lifted.' })),
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: 36500, description: 'Minimum retention of every object. Default 400.' })),
          perObject: Type.Optional(
            Type.Boolean({
              description: 'Set retention on each object instead of relying on the bucket default (needs permission to set retention). Default false.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    spool: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Local folder where records wait until the bucket confirms them. Default ./.evidence-spool next to the config file.',
      }),
    ),
    allowMutable: Type.Optional(Type.Boolean({ description: 'Write even when the bucket cannot lock objects; every record then says so. Default false.' })),
    retries: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Attempts per request on network errors, throttling and 5xx. Default 6.' })),
  },
  { additionalProperties: false },
);
export type StoreSettings = Static<typeof StoreSettings>;
