import { defineCollector, type Finding, type JsonObject } from '../../src/collector/contract.js';

type Details = Record<string, unknown>;

/** Hardening beyond the lock itself, judged from the provider details the store reports. */
function hardeningFindings(details: Details): Finding[] {
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

export default defineCollector<Record<string, never>>({
  type: 'evidence-store',
  version: '1.0.0',
  description: "Records the evidence store's own immutability: lock mode and retention, versioning, encryption, public access.",
  controls: ['CC6.1', 'A1.2'],
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },

  async *collect(ctx) {
    const posture = await ctx.describeStore();
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
    yield {
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
      } as JsonObject,
    };
  },
});
