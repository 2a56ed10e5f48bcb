import Type, { type Static } from 'typebox';

export const optionsSchema = Type.Object({}, { additionalProperties: false });

export const payloadSchema = Type.Object(
  {
    url: Type.String({ description: 'The store, as configured (file:, s3:// or gs://).' }),
    mechanism: Type.String({ description: 'local-write-once, s3-retention or gcs-retention.' }),
    writeOnce: Type.Boolean(),
    locked: Type.Boolean({ description: "True when not even the store's administrator can change or delete objects before retention ends." }),
    retentionDays: Type.Union([Type.Integer(), Type.Null()]),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Provider settings: versioning, Object Lock or retention policy, encryption, public access.',
    }),
  },
  { additionalProperties: false, title: 'evidence-store payload' },
);
export type EvidenceStorePayload = Static<typeof payloadSchema>;
