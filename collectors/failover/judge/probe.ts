import type { Finding } from '../../../src/collector/contract.js';
import type { ProbeSample } from '../observe/probe.js';
import type { FailoverPayload, ServiceOptions } from '../schema.js';
import { latencyStats } from './stats.js';

export interface ProbeVerdict {
  data: Pick<FailoverPayload, 'frontDoor' | 'targets' | 'servedBy'>;
  findings: Finding[];
}

/** Probe mode: the front door meets its latency and error SLO, and both targets answer. */
export function judgeProbes(service: ServiceOptions, samples: readonly ProbeSample[]): ProbeVerdict {
  const of = (target: ProbeSample['target']) => samples.filter((s) => s.target === target && s.phase === 'probe');
  const frontDoor = latencyStats(of('front-door'));
  const targets = { primary: latencyStats(of('primary')), standby: latencyStats(of('standby')) };
  const servedBy: Record<string, number> = {};
  for (const s of of('front-door')) if (s.healthy && s.servedBy !== undefined) servedBy[s.servedBy] = (servedBy[s.servedBy] ?? 0) + 1;
  const findings: Finding[] = [];
  const { slo } = service;
  if (frontDoor.errorRate > slo.maxErrorRate) {
    findings.push({
      code: 'error-rate-exceeded',
      severity: 'high',
      message: `${frontDoor.errors} of ${frontDoor.probes} probes of ${service.url} failed (${pct(frontDoor.errorRate)}), above the budget of ${pct(slo.maxErrorRate)}.`,
      ref: service.url,
    });
  }
  if (frontDoor.p95Ms !== null && frontDoor.p95Ms > slo.p95Ms) {
    findings.push({
      code: 'latency-slo-missed',
      severity: 'medium',
      message: `p95 latency of ${service.url} is ${frontDoor.p95Ms} ms, above the objective of ${slo.p95Ms} ms.`,
      ref: service.url,
    });
  }
  for (const [name, stats] of Object.entries(targets)) {
    if (stats.probes > 0 && stats.errors === stats.probes) {
      findings.push({
        code: 'target-down',
        severity: 'high',
        message: `The ${name} (${service.targets[name as keyof typeof targets]}) failed all ${stats.probes} probes: there is nothing to fail over ${name === 'standby' ? 'to' : 'from'}.`,
        ref: service.targets[name as keyof typeof targets],
      });
    }
  }
  return { data: { frontDoor, targets, servedBy }, findings };
}

export function pct(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}
