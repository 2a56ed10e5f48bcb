import { readFile } from 'node:fs/promises';
import Type from 'typebox';
import { parse } from 'yaml';
import { createAjv, describeErrors } from '../../../src/json-schema.js';
import { LedgerEntry } from '../schema.js';

export type { LedgerEntry };

const validate = createAjv().compile(Type.Array(LedgerEntry));

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
