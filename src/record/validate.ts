import { existsSync } from 'node:fs';
import { createAjv, describeErrors, readJsonSchema, type ValidateFunction } from '../json-schema.js';
import { packagePath } from '../package-root.js';

const ajv = createAjv();
const recordValidator = ajv.compile(readJsonSchema(packagePath('evidence-schema', 'v1', 'record.schema.json')));
const payloadValidators = new Map<string, ValidateFunction | null>();

const TYPE_NAME = /^[a-z0-9][a-z0-9-]*$/;

function payloadValidator(collectorType: string): ValidateFunction | null {
  const cached = payloadValidators.get(collectorType);
  if (cached !== undefined) return cached;
  const file = packagePath('evidence-schema', 'v1', 'payloads', `${collectorType}.schema.json`);
  const v = TYPE_NAME.test(collectorType) && existsSync(file) ? ajv.compile(readJsonSchema(file)) : null;
  payloadValidators.set(collectorType, v);
  return v;
}

/**
 * Checks a record against the v1 record schema and, where its collector type
 * publishes one and the record is not an `error`, the payload schema of its
 * `data`. Returns the problems found.
 */
export function validateRecord(record: unknown): string[] {
  if (!recordValidator(record)) return describeErrors(recordValidator.errors);
  const r = record as { collector: { type: string }; data: unknown; status: string };
  // An error record says why the collector could not collect; its data is the core's, not the collector's payload.
  const payload = r.status === 'error' ? null : payloadValidator(r.collector.type);
  if (payload && !payload(r.data)) return describeErrors(payload.errors, ['data']);
  return [];
}
