import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { createAjv, describeErrors } from '../json-schema.js';

/** One approval in the registry of models allowed in production. */
export interface LedgerEntry {
  name: string;
  version?: string;
  digest: string;
  approvedBy: string;
  approvedAt: string;
}

const validate = createAjv().compile({
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'digest', 'approvedBy', 'approvedAt'],
    properties: {
      name: { type: 'string', minLength: 1 },
      version: { type: 'string' },
      digest: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' },
      approvedBy: { type: 'string', minLength: 1 },
      approvedAt: { type: 'string', format: 'date-time' },
    },
  },
});

export class LedgerError extends Error {
  override name = 'LedgerError';
}

/** Reads the approved-models ledger (YAML or JSON: a list of entries); errors name the file and entry. */
export async function readLedger(file: string): Promise<LedgerEntry[]> {
  let value: unknown;
  try {
    value = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new LedgerError(`ledger ${file}: ${(err as Error).message}`);
  }
  if (!validate(value)) throw new LedgerError(`ledger ${file}: ${describeErrors(validate.errors).join('; ')}`);
  return value as LedgerEntry[];
}

export function findApproval(ledger: readonly LedgerEntry[], name: string, subjectDigest: string): LedgerEntry | undefined {
  return ledger.find((e) => e.name === name && e.digest === `sha256:${subjectDigest}`);
}
