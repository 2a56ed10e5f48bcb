import Type, { type Static } from 'typebox';
import { AwsKmsSettings, GcpKmsSettings } from './kms/settings.js';

const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

/** An RFC 3161 Time-Stamping Authority that timestamps every checkpoint signature. */
export const TsaSettings = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', description: 'Where RFC 3161 requests (application/timestamp-query) are POSTed.' }),
    certificates: Type.String({
      minLength: 1,
      description: "PEM file of the TSA's certificate (extendedKeyUsage timeStamping) and the CA certificates it chains to, relative to the config file.",
    }),
  },
  { additionalProperties: false, description: 'Trusted time: an RFC 3161 timestamp over every checkpoint signature.' },
);
export type TsaSettings = Static<typeof TsaSettings>;

export const SigningSettings = Type.Object(
  {
    key: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of an ECDSA P-256 private key, relative to the config file.' })),
    keyEnv: Type.Optional(Type.String({ pattern: ENV_NAME, description: 'Name of an environment variable holding the PEM instead.' })),
    keyless: Type.Optional(
      Type.Object(
        {
          identityTokenEnv: Type.String({ pattern: ENV_NAME }),
          fulcioURL: Type.Optional(Type.String({ format: 'uri' })),
          rekorURL: Type.Optional(Type.String({ format: 'uri' })),
        },
        { additionalProperties: false, description: 'Sigstore keyless signing: a Fulcio certificate for an OIDC identity, witnessed by Rekor.' },
      ),
    ),
    kms: Type.Optional(AwsKmsSettings),
    gcpKms: Type.Optional(GcpKmsSettings),
    tsa: Type.Optional(TsaSettings),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    // One way of signing, and with a TSA, that too.
    if: { required: ['tsa'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a promise.
    then: { minProperties: 2, maxProperties: 2 },
    else: { maxProperties: 1 },
    description:
      'Signs a checkpoint of every stream head at the end of each run (a DSSE envelope in a Sigstore bundle). Exactly one of key, keyEnv, keyless, kms or gcpKms, and optionally tsa.',
  },
);
export type SigningSettings = Static<typeof SigningSettings>;
