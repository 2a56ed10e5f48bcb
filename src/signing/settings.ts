import Type, { type Static } from 'typebox';

const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

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
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description:
      'Signs a checkpoint of every stream head at the end of each run (a DSSE envelope in a Sigstore bundle). Exactly one of key, keyEnv or keyless.',
  },
);
export type SigningSettings = Static<typeof SigningSettings>;
