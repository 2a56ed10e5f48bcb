import type { Finding } from '../../../src/collector/contract.js';
import type { Manifest } from '../format/statement.js';
import type { LedgerEntry } from '../schema.js';
import { modelFinding } from './findings.js';

export function findApproval(ledger: readonly LedgerEntry[], name: string, subjectDigest: string): LedgerEntry | undefined {
  return ledger.find((e) => e.name === name && e.digest === `sha256:${subjectDigest}`);
}

export interface LedgerApproval {
  /** Whether a ledger was given. */
  checked: boolean;
  /** The entry that approves the model's signed subject digest under its name. */
  entry: LedgerEntry | null;
  /** `not-in-ledger` when a ledger was given, the model's statement was read, and no entry approves it. */
  findings: Finding[];
}

/** Whether the approved-models ledger approves what was signed; without a ledger, or without a signed statement, there is nothing to judge. */
export function ledgerApproval(ledger: readonly LedgerEntry[] | null, name: string, manifest: Manifest | undefined): LedgerApproval {
  const entry = ledger && manifest ? (findApproval(ledger, name, manifest.subjectDigest) ?? null) : null;
  const findings =
    ledger && manifest && !entry
      ? [modelFinding('not-in-ledger', `subject digest sha256:${manifest.subjectDigest} of ${name} is not approved in the ledger`, name)]
      : [];
  return { checked: ledger !== null, entry, findings };
}
