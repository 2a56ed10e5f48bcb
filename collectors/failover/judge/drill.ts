import type { Finding } from '../../../src/collector/contract.js';
import type { DrillObservation } from '../observe/drill.js';
import type { ProbeSample } from '../observe/probe.js';
import type { FailoverPayload, ServiceOptions } from '../schema.js';
import { pct } from './probe.js';
import { latencyStats } from './stats.js';

export interface DrillVerdict {
  data: Partial<FailoverPayload>;
  findings: Finding[];
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** A drill passes when the front door was healthy on the standby within the RTO, errors stayed in budget, and the primary came back. */
export function judgeDrill(service: ServiceOptions, drill: DrillObservation): DrillVerdict {
  const front = drill.samples.filter((s) => s.target === 'front-door');
  const phase = (p: ProbeSample['phase']) => front.filter((s) => s.phase === p);
  const base: Partial<FailoverPayload> = {
    source: 'drill',
    startedAt: drill.startedAt,
    endedAt: drill.endedAt,
    ...(drill.trigger ? { trigger: drill.trigger } : {}),
    ...(drill.restore ? { restore: drill.restore } : {}),
    ...(drill.primaryBack !== null ? { primaryBack: drill.primaryBack } : {}),
  };
  if (drill.outcome === 'aborted-unhealthy') {
    return {
      data: { ...base, drillOutcome: 'aborted-unhealthy' },
      findings: [
        {
          code: 'drill-aborted-unhealthy',
          severity: 'high',
          message: `The drill did not start: ${service.url} was already unhealthy, so no fault was injected.`,
          ref: service.url,
        },
      ],
    };
  }
  const findings: Finding[] = [];
  const during = phase('during');
  const faultAt = drill.faultAt ?? 0;
  const firstError = during.find((s) => !s.healthy);
  const recovered = drill.recovered;
  const recoverySeconds = recovered ? seconds(recovered.t + recovered.latencyMs - faultAt) : null;
  const errorsDuring = during.filter((s) => !s.healthy).length;
  const all = [...phase('before'), ...during, ...phase('after')];
  const overall = latencyStats(all);
  const triggerOk = drill.trigger?.ok === true;
  const drillOutcome = !triggerOk ? 'trigger-failed' : recovered ? 'recovered' : 'not-recovered';

  if (!triggerOk) {
    findings.push({ code: 'drill-trigger-failed', severity: 'high', message: `The fault was not injected: ${drill.trigger?.detail}. Nothing was measured.` });
  } else if (!recovered) {
    findings.push({
      code: 'drill-not-recovered',
      severity: 'critical',
      message: `${service.url} was not healthy on the standby within ${service.drill?.maxSeconds} s of the fault.`,
      ref: service.url,
    });
  } else if (recoverySeconds !== null && recoverySeconds > service.slo.rtoSeconds) {
    findings.push({
      code: 'rto-exceeded',
      severity: 'high',
      message: `Recovery took ${recoverySeconds} s, above the RTO of ${service.slo.rtoSeconds} s.`,
      ref: service.url,
    });
  }
  if (triggerOk && overall.errorRate > service.slo.maxErrorRate) {
    findings.push({
      code: 'drill-error-rate-exceeded',
      severity: 'medium',
      message: `${overall.errors} of ${overall.probes} front-door probes failed during the drill (${pct(overall.errorRate)}), above the budget of ${pct(service.slo.maxErrorRate)}.`,
      ref: service.url,
    });
  }
  if (drill.restore && !drill.restore.ok) {
    findings.push({ code: 'restore-failed', severity: 'critical', message: `The restore failed: ${drill.restore.detail}. Restore the primary by hand.` });
  } else if (drill.primaryBack === false) {
    findings.push({
      code: 'primary-not-back',
      severity: 'high',
      message: `The primary (${service.targets.primary}) was not healthy within ${service.drill?.maxSeconds} s of the restore.`,
      ref: service.targets.primary,
    });
  }
  return {
    data: {
      ...base,
      drillOutcome,
      secondsToFirstError: firstError ? seconds(firstError.t - faultAt) : null,
      recoverySeconds,
      errorsDuring,
      latency: { before: latencyStats(phase('before')), during: latencyStats(during), after: latencyStats(phase('after')) },
    },
    findings,
  };
}
