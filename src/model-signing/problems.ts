import type { Finding, Severity } from '../record/types.js';

/** Finding codes of a model check, as documented in collectors/model-signatures/README.md. */
export type ModelProblemCode =
  | 'signature-missing'
  | 'signature-invalid'
  | 'signer-not-allowed'
  | 'file-digest-mismatch'
  | 'file-missing'
  | 'file-unsigned'
  | 'symlink-refused'
  | 'model-unreadable'
  | 'not-in-ledger'
  | 'legacy-format';

const SEVERITY: Record<ModelProblemCode, Severity> = {
  'signature-missing': 'critical',
  'signature-invalid': 'critical',
  'signer-not-allowed': 'critical',
  'file-digest-mismatch': 'critical',
  'file-missing': 'high',
  'file-unsigned': 'high',
  'symlink-refused': 'high',
  'model-unreadable': 'high',
  'not-in-ledger': 'high',
  'legacy-format': 'low',
};

/** Accepted, but worth saying: these do not fail a model. */
const INFORMATIONAL = new Set<ModelProblemCode>(['legacy-format']);

export function modelFinding(code: ModelProblemCode, message: string, ref?: string): Finding {
  return { code, severity: SEVERITY[code], message, ...(ref !== undefined ? { ref } : {}) };
}

export function failsModel(finding: Finding): boolean {
  return !INFORMATIONAL.has(finding.code as ModelProblemCode);
}

/** A problem that stops the check of one model; it becomes one finding. */
export class ModelCheckError extends Error {
  override name = 'ModelCheckError';
  constructor(readonly code: ModelProblemCode, message: string, readonly ref?: string) {
    super(message);
  }
}
