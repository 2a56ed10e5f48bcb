import type { Attachment, Finding, RecordDraft } from '../../../src/collector/contract.js';
import type { FailoverPayload, ServiceOptions } from '../schema.js';
import type { DrillVerdict } from './drill.js';
import type { ProbeVerdict } from './probe.js';

/** One record per service and run: probe mode always, the drill when one ran (or was refused). */
export function serviceRecord(
  service: ServiceOptions,
  probes: ProbeVerdict,
  drill: DrillVerdict | 'not-allowed' | null,
  timeline: Attachment,
): RecordDraft<FailoverPayload> {
  const findings: Finding[] = [...probes.findings];
  let drillData: Partial<FailoverPayload> = {};
  if (drill === 'not-allowed') {
    drillData = { drillOutcome: 'not-allowed' };
    findings.push({
      code: 'drill-not-allowed',
      severity: 'low',
      message: 'drill.enabled is set, but drills were not allowed for this run: pass --allow-drills, or set allowDrills: true on the collector.',
    });
  } else if (drill) {
    drillData = drill.data;
    findings.push(...drill.findings);
  }
  // A refused drill is noted, not failed: the probes still judge the service, and the drill needs a person's consent.
  const failing = findings.filter((f) => f.code !== 'drill-not-allowed');
  const failed = failing.length > 0;
  const ran = drill !== null && drill !== 'not-allowed';
  const what = ran
    ? `failover drill (${drillData.drillOutcome}${drillData.recoverySeconds != null ? ` in ${drillData.recoverySeconds} s` : ''})`
    : 'health probes';
  return {
    subject: { kind: 'service', id: service.name },
    status: failed ? 'fail' : 'pass',
    summary: failed ? `${service.name}: ${what} failed: ${failing.map((f) => f.code).join(', ')}.` : `${service.name}: ${what} within objectives.`,
    findings,
    data: {
      source: ran ? 'drill' : 'probe',
      url: service.url,
      ...probes.data,
      slo: { p95Ms: service.slo.p95Ms, rtoSeconds: service.slo.rtoSeconds, maxErrorRate: service.slo.maxErrorRate },
      ...drillData,
    },
    attachments: [timeline],
  };
}
