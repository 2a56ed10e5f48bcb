import type { ProbeSample } from '../observe/probe.js';
import type { LatencyStats } from '../schema.js';

/** Nearest-rank percentile (p in 0..100) of `values`; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Error count and rate, and latency percentiles of the healthy samples (a failed probe's latency is a timeout, not a service time). */
export function latencyStats(samples: readonly ProbeSample[]): LatencyStats {
  const healthy = samples.filter((s) => s.healthy).map((s) => s.latencyMs);
  const errors = samples.length - healthy.length;
  return {
    probes: samples.length,
    errors,
    errorRate: samples.length === 0 ? 0 : errors / samples.length,
    p50Ms: percentile(healthy, 50),
    p95Ms: percentile(healthy, 95),
    maxMs: healthy.length === 0 ? null : Math.max(...healthy),
  };
}
