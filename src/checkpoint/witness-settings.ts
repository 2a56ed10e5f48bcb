import Type, { type Static } from 'typebox';
import { BucketSettings } from '../store/settings.js';

/** The URLs a witness can have. */
export const WITNESS_URL = /^(file:.+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?|gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/.*)?|https?:\/\/\S+)$/;

export const WitnessSettings = Type.Object(
  {
    url: Type.String({
      description:
        'Where each signed checkpoint is also written, at checkpoints/<agentId>/<seq>.json: file:<folder>, s3://bucket/prefix, gs://bucket/prefix, or https://host/path (an HTTP PUT). A location the auditor controls, which the agent may write to but not read or delete.',
      pattern: WITNESS_URL.source,
    }),
    ...BucketSettings.properties,
    retries: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, description: 'Attempts per checkpoint on network errors, throttling and 5xx. Default 6.' })),
  },
  {
    additionalProperties: false,
    description: 'Pushes every signed checkpoint (stream heads and signatures, no evidence content) to a witness the auditor controls.',
  },
);
export type WitnessSettings = Static<typeof WitnessSettings>;
