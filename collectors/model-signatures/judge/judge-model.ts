import type { RecordDraft } from '../../../src/collector/contract.js';
import type { ModelObservation } from '../observe/observe-model.js';
import type { LedgerEntry, ModelSignaturesPayload } from '../schema.js';
import { failsModel } from './findings.js';
import { ledgerApproval } from './ledger-approval.js';
import { recordData } from './record-data.js';
import { signatureFindings } from './signature-findings.js';

export interface JudgeOptions {
  /** The approved-models ledger; null when none is configured. */
  ledger: readonly LedgerEntry[] | null;
  allowUnsignedFiles: boolean;
}

/** The record of one model: pass when nothing but informational findings came out of its observation. */
export function judgeModel(name: string, observed: ModelObservation, options: JudgeOptions): RecordDraft<ModelSignaturesPayload> {
  const approval = ledgerApproval(options.ledger, name, observed.manifest);
  const findings = [...signatureFindings(observed, options.allowUnsignedFiles), ...approval.findings];
  const failing = findings.filter(failsModel);
  return {
    subject: { kind: 'model', id: name },
    status: failing.length === 0 ? 'pass' : 'fail',
    summary:
      failing.length === 0
        ? `${name}: signature verified, ${observed.fileCount} files match${approval.entry ? ', approved in the ledger' : ''}.`
        : `${name}: ${failing.length} problem${failing.length > 1 ? 's' : ''} (${[...new Set(failing.map((f) => f.code))].join(', ')}).`,
    findings,
    data: recordData(name, observed, approval),
  };
}
