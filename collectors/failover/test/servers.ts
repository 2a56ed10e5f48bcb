import type { Stack } from '../demo/pair.js';

export { type Stack, startStack } from '../demo/pair.js';

export function options(stack: Stack, overrides: { rtoSeconds?: number; maxErrorRate?: number; drill?: boolean; maxSeconds?: number } = {}) {
  return {
    probes: 3,
    probeIntervalMs: 10,
    timeoutMs: 2000,
    services: [
      {
        name: 'fraud-api',
        url: stack.front,
        expect: { status: 200, servedByHeader: 'x-served-by', bodyIncludes: 'ok' },
        targets: { primary: stack.primary, standby: stack.standby },
        slo: { p95Ms: 5000, rtoSeconds: overrides.rtoSeconds ?? 60, maxErrorRate: overrides.maxErrorRate ?? 0.5 },
        drill: {
          enabled: overrides.drill ?? true,
          trigger: { http: { method: 'POST', url: `${stack.chaos}/fail/primary` } },
          restore: { http: { method: 'POST', url: `${stack.chaos}/restore/primary` } },
          probeIntervalMs: 10,
          maxSeconds: overrides.maxSeconds ?? 10,
        },
      },
    ],
  };
}
