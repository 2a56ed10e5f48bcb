import type { JsonSchema } from '../../src/collector/contract.js';

const bucketSettings = {
  s3: {
    type: 'object',
    additionalProperties: false,
    properties: { region: { type: 'string' }, endpoint: { type: 'string' }, forcePathStyle: { type: 'boolean' } },
  },
  gcs: {
    type: 'object',
    additionalProperties: false,
    properties: { projectId: { type: 'string' }, apiEndpoint: { type: 'string' } },
  },
};

export const optionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['models', 'verify'],
  properties: {
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'path'],
        properties: {
          name: { type: 'string', minLength: 1 },
          path: { type: 'string', minLength: 1, description: 'A folder or file, or s3:// / gs:// prefix.' },
          signature: { type: 'string', minLength: 1, description: 'Default: <path>/model.sig.' },
        },
      },
    },
    verify: {
      type: 'object',
      additionalProperties: false,
      required: ['method'],
      properties: {
        method: { enum: ['key', 'certificate', 'sigstore'] },
        publicKeys: { type: 'array', minItems: 1, items: { type: 'string' } },
        certificateChain: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'PEM files of the trusted CA certificates.' },
        identity: { type: 'string', minLength: 1 },
        issuer: { type: 'string', minLength: 1 },
        trustedRoot: { type: 'string', description: 'trusted_root.json for offline or private Sigstore instances.' },
      },
      allOf: [
        { if: { properties: { method: { const: 'key' } } }, then: { required: ['publicKeys'] } },
        { if: { properties: { method: { const: 'certificate' } } }, then: { required: ['certificateChain'] } },
        { if: { properties: { method: { const: 'sigstore' } } }, then: { required: ['identity', 'issuer'] } },
      ],
    },
    ledger: { type: 'string', description: 'YAML or JSON list of {name, version?, digest, approvedBy, approvedAt}.' },
    ignorePaths: { type: 'array', items: { type: 'string' }, default: [] },
    allowUnsignedFiles: { type: 'boolean', default: false },
    concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Hashing threads. Default: the number of cores.' },
    ...bucketSettings,
  },
};
