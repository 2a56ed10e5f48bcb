import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { defineCollector } from '../../src/collector/contract.js';
import { judgeDrill } from './judge/drill.js';
import { judgeProbes } from './judge/probe.js';
import { serviceRecord } from './judge/service.js';
import { importedDrills } from './observe/chaos/index.js';
import { runDrill } from './observe/drill.js';
import { probeService } from './observe/probe-mode.js';
import { optionsSchema, payloadSchema } from './schema.js';

export type { FailoverOptions, FailoverPayload } from './schema.js';

export default defineCollector({
  type: 'failover',
  version: '1.0.0',
  description: 'Health probes of model endpoints against their SLO, and failover drills measured against the RTO (restore always runs).',
  controls: ['A1.2', 'A1.3'],
  optionsSchema,
  payloadSchema,

  async *collect(ctx) {
    const o = ctx.options;
    const ca = o.tls
      ? await readFile(ctx.resolvePath(o.tls.caFile), 'utf8').catch((e: Error) => {
          throw new Error(`options.tls.caFile ${ctx.resolvePath(o.tls!.caFile)} cannot be read (${e.message}); give the path of a PEM CA file`);
        })
      : undefined;
    for (const service of o.services) {
      const probeCtx = { timeoutMs: o.timeoutMs, ca, signal: ctx.signal, origin: performance.now() };
      const samples = await probeService(service, o.probes, o.probeIntervalMs, probeCtx);
      const probes = judgeProbes(service, samples);
      let drill = null;
      if (service.drill?.enabled && !ctx.drillsAllowed) drill = 'not-allowed' as const;
      else if (service.drill?.enabled) {
        const input = { url: service.url, expect: service.expect, targets: service.targets, plan: service.drill, baselineProbes: o.probes };
        const observed = await runDrill(input, { ...probeCtx, clock: ctx.clock });
        samples.push(...observed.samples);
        drill = judgeDrill(service, observed);
      }
      ctx.log.info(
        { service: service.name, probes: samples.length, drill: drill === null ? 'none' : typeof drill === 'string' ? drill : drill.data.drillOutcome },
        'service checked',
      );
      const timeline = await ctx.attach({
        name: `${service.name}-probes.jsonl`,
        mediaType: 'application/jsonl',
        body: samples.map((s) => `${JSON.stringify(s)}\n`).join(''),
      });
      yield serviceRecord(service, probes, drill, timeline);
    }
    // Drills that chaos tools ran (AWS FIS, LitmusChaos): one record per imported experiment, same subject and data shape.
    yield* importedDrills(ctx);
  },
});
