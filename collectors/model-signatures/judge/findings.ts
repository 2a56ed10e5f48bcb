import type { Finding, Severity } from '../../../src/record/types.js';
import type { ModelProblemCode } from '../problems.js';

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
