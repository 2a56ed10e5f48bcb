import type { Finding } from '../../../src/collector/contract.js';
import type { ModelObservation } from '../observe/observe-model.js';
import { modelFinding } from './findings.js';
import { compareSignedFiles } from './signed-files.js';

/**
 * What one model's check against its signature found: a legacy format (accepted), then either the
 * problem that stopped the reading or every file that does not match what was signed.
 */
export function signatureFindings(observed: ModelObservation, allowUnsignedFiles: boolean): Finding[] {
  const findings: Finding[] = [];
  if (observed.manifest && (observed.manifest.format === 'legacy-v0.1' || observed.signer?.encoding === 'legacy')) {
    findings.push(modelFinding('legacy-format', 'signed in a legacy model_signing format (Digests/v0.1 predicate or the 0.2 encoding); accepted'));
  }
  if (observed.problem) findings.push(modelFinding(observed.problem.code, observed.problem.message, observed.problem.ref));
  else findings.push(...compareSignedFiles(observed.manifest, observed.resources, allowUnsignedFiles));
  return findings;
}
