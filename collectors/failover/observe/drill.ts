import { performance } from 'node:perf_hooks';
import type { Clock } from '../../../src/collector/contract.js';
import type { Expectation, ServiceOptions } from '../schema.js';
import { type ActionOutcome, runAction } from './action.js';
import { type ProbeSample, probe } from './probe.js';
import { type ProbeContext, probeSeries, probeUntil } from './series.js';

export type DrillPlan = Required<Pick<ServiceOptions, 'drill'>>['drill'];

/** What a drill saw; times are milliseconds on the probe timeline, judged by judge/drill.ts. */
export interface DrillObservation {
  outcome: 'ran' | 'aborted-unhealthy';
  startedAt: string;
  endedAt: string;
  /** When the fault was triggered, on the probe timeline. */
  faultAt: number | null;
  trigger: ActionOutcome | null;
  restore: ActionOutcome | null;
  primaryBack: boolean | null;
  /** The first front-door probe after the fault that was healthy and served by the standby. */
  recovered: ProbeSample | null;
  /** Standby identity: the served-by value its own health endpoint answers with, if any. */
  standbyServedBy: string | null;
  samples: ProbeSample[];
}

export interface DrillInput {
  url: string;
  expect: Expectation;
  targets: { primary: string; standby: string };
  plan: DrillPlan;
  baselineProbes: number;
}

/**
 * Baseline, fault, probe until the front door is healthy on the standby, restore, confirm the primary is back,
 * then probe again. The restore runs whatever happens once the fault was attempted: on a failed trigger, an
 * error, or `ctx.signal` aborting (a SIGTERM or the run's timeout), with its own timeout since the run's signal
 * may be aborted by then. An abort is rethrown after the restore.
 */
export async function runDrill(input: DrillInput, ctx: ProbeContext & { clock: Clock }): Promise<DrillObservation> {
  const { plan, expect } = input;
  const startedAt = ctx.clock.now().toISOString();
  const on = (target: ProbeSample['target'], phase: ProbeSample['phase']) => ({ ...ctx, target, phase });
  const samples: ProbeSample[] = [];
  const standby = await probe(input.targets.standby, expect, on('standby', 'pre-check'));
  samples.push(standby);
  const pre = await probe(input.url, expect, on('front-door', 'pre-check'));
  samples.push(pre);
  const base = { startedAt, faultAt: null, restore: null, primaryBack: null, recovered: null, standbyServedBy: standby.servedBy ?? null };
  if (!pre.healthy) return { ...base, outcome: 'aborted-unhealthy', endedAt: ctx.clock.now().toISOString(), trigger: null, samples };
  const primaryServedBy = pre.servedBy;
  // Served by the standby: its own served-by value when it names one, else anything but what served before the fault.
  const onStandby = (s: ProbeSample) =>
    s.healthy && (expect.servedByHeader === undefined || (standby.servedBy !== undefined ? s.servedBy === standby.servedBy : s.servedBy !== primaryServedBy));

  samples.push(...(await probeSeries(input.url, expect, input.baselineProbes, plan.probeIntervalMs, on('front-door', 'before'))));
  const actionOpts = { timeoutMs: ctx.timeoutMs, ca: ctx.ca };
  let trigger: ActionOutcome | null = null;
  let restore: ActionOutcome | null = null;
  let primaryBack: boolean | null = null;
  let recovered: ProbeSample | null = null;
  const faultAt = Math.round(performance.now() - ctx.origin);
  try {
    trigger = await runAction(plan.trigger, { ...actionOpts, signal: ctx.signal });
    if (trigger.ok) {
      const during = await probeUntil(
        input.url,
        expect,
        onStandby,
        { intervalMs: plan.probeIntervalMs, maxMs: plan.maxSeconds * 1000 },
        on('front-door', 'during'),
      );
      samples.push(...during.samples);
      recovered = during.reached;
    }
  } finally {
    restore = await runAction(plan.restore, { ...actionOpts, signal: AbortSignal.timeout(ctx.timeoutMs) });
  }
  if (restore.ok) {
    const back = await probeUntil(
      input.targets.primary,
      expect,
      (s) => s.healthy,
      { intervalMs: plan.probeIntervalMs, maxMs: plan.maxSeconds * 1000 },
      on('primary', 'primary-back'),
    );
    samples.push(...back.samples);
    primaryBack = back.reached !== null;
  }
  samples.push(...(await probeSeries(input.url, expect, input.baselineProbes, plan.probeIntervalMs, on('front-door', 'after'))));
  return { ...base, outcome: 'ran', endedAt: ctx.clock.now().toISOString(), faultAt, trigger, restore, primaryBack, recovered, samples };
}
