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
 * publishes one and the record is a `pass` or `fail`, the payload schema of
 * its `data`. Returns the problems found.
 */
export function validateRecord(record: unknown): string[] {
  if (!recordValidator(record)) return describeErrors(recordValidator.errors);
  const r = record as { collector: { type: string }; data: unknown; status: string };
  // Payload schemas describe what a collector observed (pass or fail). Error and info records carry what the
  // agent says about collection itself (a failure, a skipped or missed run), in the core's own words.
  const payload = r.status === 'pass' || r.status === 'fail' ? payloadValidator(r.collector.type) : null;
  if (payload && !payload(r.data)) return describeErrors(payload.errors, ['data']);
  return [];
}
