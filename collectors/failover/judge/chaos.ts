/**
 * Drills run by chaos engines, judged by the engine's own verdict: an auditor sees what the engine said,
 * with the service it drilled as the subject, in the same data shape as the drills this collector runs.
 */
import type { Experiment } from '@aws-sdk/client-fis';
import type { Finding, RecordDraft } from '../../../src/collector/contract.js';
import type { LitmusChaosResult } from '../observe/chaos/litmus-result.js';
import type { ChaosExperiment } from '../observe/chaos/schema.js';
import type { FailoverPayload } from '../schema.js';

type Draft = RecordDraft<FailoverPayload>;

const iso = (d: Date | undefined) => (d ? { startedAt: d.toISOString() } : {});
const isoEnd = (d: Date | undefined) => (d ? { endedAt: d.toISOString() } : {});

/** FIS's reason when an alarm stop condition ended the experiment early. */
const STOP_CONDITION = /stop condition/i;

/** An AWS FIS experiment: `completed` passes; stopped (by a stop condition or by hand) and failed do not. */
export function judgeFisExperiment(service: string, e: Experiment): Draft {
  const id = e.id ?? '(no id)';
  const state = e.state?.status ?? 'unknown';
  const reason = e.state?.reason;
  const alarms = (e.stopConditions ?? []).filter((c) => c.source !== 'none').map((c) => c.value ?? c.source ?? '');
  const stoppedByStopCondition = state === 'stopped' && reason !== undefined && STOP_CONDITION.test(reason);
  const experiment: ChaosExperiment = {
    id,
    ...(e.experimentTemplateId ? { template: e.experimentTemplateId } : {}),
    state,
    ...(reason ? { reason } : {}),
    actions: Object.entries(e.actions ?? {}).map(([name, a]) => ({
      name,
      action: a.actionId ?? 'unknown',
      ...(a.state?.status ? { state: a.state.status } : {}),
      ...(a.startTime ? { startedAt: a.startTime.toISOString() } : {}),
      ...(a.endTime ? { endedAt: a.endTime.toISOString() } : {}),
    })),
    stopConditions: alarms.length > 0 ? alarms : ['none'],
    stoppedByStopCondition,
  };
  const findings: Finding[] = [];
  const ref = `aws-fis:${id}`;
  if (stoppedByStopCondition) {
    findings.push({
      code: 'drill-stop-condition',
      severity: 'high',
      message: `FIS experiment ${id} was stopped by its stop condition (${experiment.stopConditions.join(', ')}): ${reason}. The service left its safe range during the drill.`,
      ref,
    });
  } else if (state === 'stopped') {
    findings.push({
      code: 'drill-stopped',
      severity: 'medium',
      message: `FIS experiment ${id} was stopped before it completed${reason ? `: ${reason}` : ''}.`,
      ref,
    });
  } else if (state === 'failed') {
    findings.push({
      code: 'drill-failed',
      severity: 'high',
      message: `FIS experiment ${id} failed${reason ? `: ${reason}` : ''}; the fault may not have been injected.`,
      ref,
    });
  } else if (state !== 'completed') {
    findings.push({ code: 'drill-unfinished', severity: 'low', message: `FIS experiment ${id} ended in state ${state}.`, ref });
  }
  const status = state === 'completed' ? 'pass' : state === 'stopped' || state === 'failed' ? 'fail' : 'info';
  return {
    subject: { kind: 'service', id: service },
    status,
    summary: `${service}: AWS FIS experiment ${id} (template ${e.experimentTemplateId ?? 'unknown'}) ${state}${stoppedByStopCondition ? ' by its stop condition' : ''}`,
    findings,
    data: { source: 'aws-fis', drillOutcome: 'imported', ...iso(e.startTime), ...isoEnd(e.endTime), experiment },
  };
}

/** A Litmus ChaosResult: verdict Pass passes, Fail fails, anything else (Awaited, Stopped, Error) is reported as it is. */
export function judgeLitmusResult(service: string, r: LitmusChaosResult): Draft {
  const id = `${r.namespace}/${r.name}`;
  const reason = r.errorReason ?? r.failStep;
  const experiment: ChaosExperiment = {
    id,
    template: r.engine,
    state: r.phase,
    ...(reason ? { reason } : {}),
    verdict: r.verdict,
    ...(r.probeSuccessPercentage !== null ? { probeSuccessPercentage: r.probeSuccessPercentage } : {}),
    ...(r.runs ? { runs: r.runs } : {}),
    actions: [{ name: r.experiment, action: r.experiment, state: r.phase }],
    stopConditions: [],
    stoppedByStopCondition: false,
    probes: r.probes,
  };
  const ref = `litmus:${id}`;
  const findings: Finding[] = [];
  const verdict = r.verdict.toLowerCase();
  if (verdict === 'fail') {
    const failed = r.probes.filter((p) => p.verdict.toLowerCase() === 'failed').map((p) => p.name);
    findings.push({
      code: 'drill-failed',
      severity: 'high',
      message: `Litmus ChaosResult ${id} (engine ${r.engine}, ${r.experiment}) failed${reason ? ` at: ${reason}` : ''}${
        failed.length > 0 ? `; failed probes: ${failed.join(', ')}` : ''
      }${r.probeSuccessPercentage !== null ? ` (${r.probeSuccessPercentage}% of probes passed)` : ''}.`,
      ref,
    });
  } else if (verdict === 'error' || verdict === 'stopped') {
    findings.push({
      code: 'drill-stopped',
      severity: 'medium',
      message: `Litmus ChaosResult ${id} ended with verdict ${r.verdict}${reason ? `: ${reason}` : ''}.`,
      ref,
    });
  } else if (verdict !== 'pass') {
    findings.push({ code: 'drill-unfinished', severity: 'low', message: `Litmus ChaosResult ${id} has no verdict yet (${r.verdict}, phase ${r.phase}).`, ref });
  }
  return {
    subject: { kind: 'service', id: service },
    status: verdict === 'pass' ? 'pass' : verdict === 'fail' || verdict === 'error' || verdict === 'stopped' ? 'fail' : 'info',
    summary: `${service}: Litmus ${r.experiment} (engine ${r.engine}) verdict ${r.verdict}, phase ${r.phase}`,
    findings,
    data: { source: 'litmus', drillOutcome: 'imported', experiment },
  };
}

/** A chaos source that could not be read: an error record for each service it drills, so the gap is in the evidence. */
export function chaosSourceFailed(service: string, source: 'aws-fis' | 'litmus', message: string): Draft {
  return {
    subject: { kind: 'service', id: service },
    status: 'error',
    summary: `${service}: drills run by ${source === 'aws-fis' ? 'AWS FIS' : 'LitmusChaos'} could not be read`,
    findings: [{ code: 'chaos-source-unreadable', severity: 'high', message }],
    data: { source, drillOutcome: 'imported' },
  };
}
