import Type, { type Static } from 'typebox';

export const AwsKmsSettings = Type.Object(
  {
    keyId: Type.String({
      minLength: 1,
      description: 'An asymmetric AWS KMS key (ECC_NIST_P256, SIGN_VERIFY): key ARN, alias ARN, alias/<name> or key id.',
    }),
    region: Type.Optional(Type.String({ minLength: 1, description: "Default: the key ARN's region, else AWS_REGION." })),
    endpoint: Type.Optional(Type.String({ format: 'uri', description: 'A VPC endpoint or a test server, e.g. http://127.0.0.1:5000.' })),
  },
  { additionalProperties: false, description: 'Signs with an AWS KMS key; the private key never leaves KMS. Credentials come from the default AWS chain.' },
);
export type AwsKmsSettings = Static<typeof AwsKmsSettings>;

export const GcpKmsSettings = Type.Object(
  {
    keyVersion: Type.String({
      pattern: '^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+/cryptoKeyVersions/[^/]+$',
      description: 'A Cloud KMS key version (EC_SIGN_P256_SHA256): projects/…/locations/…/keyRings/…/cryptoKeys/…/cryptoKeyVersions/N.',
    }),
    endpoint: Type.Optional(
      Type.String({
        format: 'uri',
        description:
          'A private endpoint (https://…, with credentials) or a test server (http://127.0.0.1:…, sent without credentials). Default: cloudkms.googleapis.com.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Signs with a Google Cloud KMS key version; the private key never leaves Cloud KMS. Credentials: Application Default Credentials.',
  },
);
export type GcpKmsSettings = Static<typeof GcpKmsSettings>;

/** Which KMS key signs: exactly one of the two. */
export type KmsSettings = { kms: AwsKmsSettings } | { gcpKms: GcpKmsSettings };
