import type { ModelObservation } from '../observe/observe-model.js';
import type { ModelSignaturesPayload } from '../schema.js';
import type { LedgerApproval } from './ledger-approval.js';

/** The record's `data` (its payload schema is in ../schema.ts): what was observed of the model, and its ledger entry. */
export function recordData(name: string, observed: ModelObservation, ledger: Pick<LedgerApproval, 'checked' | 'entry'>): ModelSignaturesPayload {
  const { manifest, signer } = observed;
  return {
    name,
    path: observed.path,
    signature: observed.signaturePath,
    subjectDigest: manifest ? `sha256:${manifest.subjectDigest}` : null,
    format: manifest?.format ?? null,
    method: signer?.method ?? null,
    serialization: manifest?.serialization.method ?? null,
    signer: signer
      ? {
          ...(signer.keyHint ? { keyHint: signer.keyHint } : {}),
          ...(signer.certificateSubject ? { certificateSubject: signer.certificateSubject } : {}),
          ...(signer.identity ? { identity: signer.identity, issuer: signer.issuer ?? null } : {}),
        }
      : null,
    transparencyLogIndex: signer?.transparencyLogIndex ?? null,
    fileCount: observed.fileCount,
    totalBytes: observed.totalBytes,
    ledgerChecked: ledger.checked,
    ledgerEntry: ledger.entry ? { ...ledger.entry } : null,
    hashSeconds: Math.round(observed.hashSeconds * 1000) / 1000,
    throughputMBps: observed.hashSeconds > 0 ? Math.round(observed.totalBytes / 1e6 / observed.hashSeconds) : null,
  };
}
