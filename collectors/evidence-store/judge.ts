import type { Finding, RecordDraft } from '../../src/collector/contract.js';
import type { Immutability } from '../../src/store/types.js';
import type { EvidenceStorePayload } from './schema.js';

type Details = Immutability['details'];

/** Hardening beyond the lock itself, judged from the provider details the store reports. */
export function hardeningFindings(details: Details): Finding[] {
  const findings: Finding[] = [];
  if (details.provider === 's3') {
    if (Array.isArray(details.encryption) && details.encryption.length === 0) {
      findings.push({ code: 'no-default-encryption', severity: 'medium', message: 'the bucket has no default server-side encryption' });
    }
    if (details.publicAccessBlock === false) {
      findings.push({ code: 'public-access-not-blocked', severity: 'medium', message: 'the bucket does not block all public access' });
    }
  }
  if (details.provider === 'gcs') {
    if (details.uniformBucketLevelAccess === false) {
      findings.push({ code: 'no-uniform-access', severity: 'medium', message: 'uniform bucket-level access is off, so object ACLs can grant access' });
    }
    if (details.publicAccessPrevention !== undefined && details.publicAccessPrevention !== 'enforced') {
      findings.push({ code: 'public-access-not-prevented', severity: 'medium', message: 'public access prevention is not enforced' });
    }
  }
  return findings;
}

/** `pass` when the store locks what is written to it; hardening gaps are findings that do not fail the record. */
export function judgeStore(posture: Immutability & { url: string }): RecordDraft<EvidenceStorePayload> {
  const findings: Finding[] = [];
  if (!posture.locked) {
    findings.push({
      code: 'store-mutable',
      severity: 'high',
      message: posture.warnings.length > 0 ? posture.warnings.join(' ') : `${posture.url} does not lock what is written to it`,
      ref: posture.url,
    });
  }
  findings.push(...hardeningFindings(posture.details));
  return {
    subject: { kind: 'evidence-store', id: posture.url },
    status: posture.locked ? 'pass' : 'fail',
    summary: posture.locked
      ? `The evidence store locks every object (${posture.mechanism}, at least ${posture.retentionDays ?? '?'} days).`
      : `The evidence store ${posture.url} can be changed or emptied: ${posture.mechanism} is not a lock.`,
    findings,
    data: {
      url: posture.url,
      mechanism: posture.mechanism,
      writeOnce: posture.writeOnce,
      locked: posture.locked,
      retentionDays: posture.retentionDays ?? null,
      details: posture.details,
    },
  };
}
