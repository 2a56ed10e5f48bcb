import type { Finding } from '../../../src/collector/contract.js';
import type { Manifest } from '../format/statement.js';
import type { ResourceDigest } from '../observe/hash-model.js';
import { modelFinding } from './findings.js';

/** Compares what was signed with what is there: one finding per missing, changed or unsigned file. */
export function compareSignedFiles(manifest: Manifest, actual: readonly ResourceDigest[], allowUnsigned: boolean): Finding[] {
  const findings: Finding[] = [];
  const present = new Map(actual.map((r) => [r.name, r.digest]));
  for (const [name, digest] of manifest.resources) {
    const local = present.get(name);
    if (local === undefined) findings.push(modelFinding('file-missing', `${name} was signed but is not in the model`, name));
    else if (local !== digest) findings.push(modelFinding('file-digest-mismatch', `${name} hashes to ${local}, but ${digest} was signed`, name));
  }
  if (!allowUnsigned) {
    for (const { name } of actual) {
      if (!manifest.resources.has(name)) findings.push(modelFinding('file-unsigned', `${name} is in the model but not covered by the signature`, name));
    }
  }
  return findings;
}
