import { createAjv, describeErrors, type ValidateFunction } from '../json-schema.js';
import { canonicalize } from '../record/canonical-json.js';
import { HASH_PREFIX, sha256Hex } from '../record/hash.js';
import { blobKey } from '../store/layout.js';
import type { EvidenceStore } from '../store/types.js';

export const SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * A payload schema as the agent stores it: RFC 8785 bytes under their own
 * SHA-256, so a record can name it and an auditor can fetch and check it with
 * no code of ours.
 */
export interface StoredSchema {
  /** `sha256:<hex>`, as records name it in `collector.payloadSchema`. */
  readonly ref: string;
  readonly key: string;
  readonly bytes: Buffer;
  /** Problems of `data` against the schema, as `data.<path>: <message>`; none when it conforms. */
  check(data: unknown): string[];
}

export class PayloadSchemaError extends Error {
  override name = 'PayloadSchemaError';
}

// Schemas come from plugins, which may use keywords or formats ajv's strict mode does not know; the
// dialect's own rules still apply.
const ajv = createAjv({ strict: false });
const prepared = new WeakMap<object, StoredSchema>();

/** The stored form of a schema; a schema without `$schema` is stated to be 2020-12, which the contract requires. */
export function storedSchema(schema: object): StoredSchema {
  const known = prepared.get(schema);
  if (known) return known;
  const withDialect = '$schema' in schema ? schema : { $schema: SCHEMA_DIALECT, ...schema };
  let validate: ValidateFunction;
  let bytes: Buffer;
  try {
    bytes = Buffer.from(canonicalize(withDialect), 'utf8');
    validate = ajv.compile(withDialect as Record<string, unknown>);
  } catch (err) {
    throw new PayloadSchemaError(`not a usable JSON Schema: ${(err as Error).message}`, { cause: err });
  }
  const hex = sha256Hex(bytes);
  const result: StoredSchema = {
    ref: HASH_PREFIX + hex,
    key: blobKey(hex),
    bytes,
    check: (data) => (validate(data) ? [] : describeErrors(validate.errors, ['data'])),
  };
  prepared.set(schema, result);
  return result;
}

const written = new WeakMap<EvidenceStore, Set<string>>();

/** Writes a schema blob once per store and process; the store refuses nothing for a blob it already holds. */
export async function ensureSchemaStored(store: EvidenceStore, schema: StoredSchema): Promise<void> {
  let keys = written.get(store);
  if (!keys) {
    keys = new Set();
    written.set(store, keys);
  }
  if (keys.has(schema.key)) return;
  await store.put(schema.key, schema.bytes);
  keys.add(schema.key);
}
