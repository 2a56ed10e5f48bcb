import { createAjv, describeErrors, readJsonSchema } from '../json-schema.js';
import { packagePath } from '../package-root.js';

const recordValidator = createAjv().compile(readJsonSchema(packagePath('evidence-schema', 'v1', 'record.schema.json')));

/**
 * Checks a record against the v1 record schema; returns the problems found.
 * Its `data` is checked against the payload schema the record names, by the
 * runner when it is written and by verify when it is read back.
 */
export function validateRecord(record: unknown): string[] {
  return recordValidator(record) ? [] : describeErrors(recordValidator.errors);
}
