import Type, { type Static } from 'typebox';

export const DEFAULT_REQUIRED = ['access-control', 'data-retention', 'incident-response', 'model-governance'];

const RequiredPolicy = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    pattern: Type.Optional(Type.String({ minLength: 1, description: "Glob on the file's base name; by default the id must appear in it." })),
  },
  { additionalProperties: false },
);
export type RequiredPolicy = Static<typeof RequiredPolicy>;

export const optionsSchema = Type.Object(
  {
    paths: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    required: Type.Array(Type.Union([Type.String({ minLength: 1 }), RequiredPolicy]), { default: DEFAULT_REQUIRED }),
  },
  { additionalProperties: false },
);
export type PolicyDocumentsOptions = Static<typeof optionsSchema>;

const Document = Type.Object(
  {
    path: Type.String({ description: "Relative to the config file's folder." }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 0 }),
    modifiedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type PolicyDocument = Static<typeof Document>;

const Unreadable = Type.Object(
  {
    path: Type.String({ description: "Relative to the config file's folder." }),
    reason: Type.String({
      minLength: 1,
      description: 'Why it has no fingerprint: a dangling symbolic link, a symbolic link loop, permission denied, not a regular file (a FIFO)…',
    }),
  },
  { additionalProperties: false },
);
export type UnreadableDocument = Static<typeof Unreadable>;

export const payloadSchema = Type.Object(
  {
    documents: Type.Array(Document),
    unreadable: Type.Array(Unreadable, { description: 'Files the paths matched that could not be read; each is also a document-unreadable finding.' }),
    required: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          document: Type.Union([Type.String(), Type.Null()], { description: 'Path of the document that covers it, or null when none does.' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'policy-documents payload' },
);
export type PolicyDocumentsPayload = Static<typeof payloadSchema>;
