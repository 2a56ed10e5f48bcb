import type { ServiceOptions } from '../schema.js';
import type { ProbeSample } from './probe.js';
import { type ProbeContext, probeSeries } from './series.js';

/** Probe mode: `count` probes each of the front door, the primary and the standby, interleaved per round. */
export async function probeService(service: ServiceOptions, count: number, intervalMs: number, ctx: ProbeContext): Promise<ProbeSample[]> {
  const [front, primary, standby] = await Promise.all([
    probeSeries(service.url, service.expect, count, intervalMs, { ...ctx, target: 'front-door', phase: 'probe' }),
    probeSeries(service.targets.primary, service.expect, count, intervalMs, { ...ctx, target: 'primary', phase: 'probe' }),
    probeSeries(service.targets.standby, service.expect, count, intervalMs, { ...ctx, target: 'standby', phase: 'probe' }),
  ]);
  return [...front, ...primary, ...standby];
}
