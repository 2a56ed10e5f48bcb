import type { CollectorContext, RecordDraft } from '../../../../src/collector/contract.js';
import { chaosSourceFailed, judgeFisExperiment, judgeLitmusResult } from '../../judge/chaos.js';
import type { FailoverPayload } from '../../schema.js';
import { ChaosSourceError, fisDrills } from './fis.js';
import { chaosResultsFromFiles } from './litmus-files.js';
import { chaosResultsFromKubernetes, type InCluster, inClusterFromEnv } from './litmus-kubernetes.js';
import { readChaosResult } from './litmus-result.js';
import type { ChaosOptions, LitmusOptions } from './schema.js';

const HOUR_MS = 3_600_000;

/**
 * One record per experiment a chaos engine ran against a configured service. A source that cannot be read
 * gives an error record for each service it drills instead of ending the run, so the service probes and the
 * other sources are still recorded. `inCluster` is where the Kubernetes API and service account are (tests).
 */
export async function* importedDrills(
  ctx: CollectorContext<{ readonly chaos?: ChaosOptions | undefined }>,
  inCluster: InCluster = inClusterFromEnv(),
): AsyncIterable<RecordDraft<FailoverPayload>> {
  const fis = ctx.options.chaos?.awsFis;
  if (fis) {
    // Experiments that ended before the previous record were recorded by the previous run.
    const since = ctx.previous ? new Date(ctx.previous.observedAt) : new Date(ctx.clock.now().getTime() - fis.lookbackHours * HOUR_MS);
    try {
      const drills = await fisDrills(fis, since, ctx.signal);
      ctx.log.info({ experiments: drills.length, since: since.toISOString() }, 'AWS FIS experiments read');
      for (const d of drills) yield judgeFisExperiment(d.service, d.experiment);
    } catch (err) {
      if (!(err instanceof ChaosSourceError)) throw err;
      for (const service of new Set(fis.templates.map((t) => t.service))) yield chaosSourceFailed(service, 'aws-fis', err.message);
    }
  }
  const litmus = ctx.options.chaos?.litmus;
  if (litmus) yield* litmusDrills(ctx, litmus, inCluster);
}

async function* litmusDrills(ctx: CollectorContext<unknown>, litmus: LitmusOptions, inCluster: InCluster): AsyncIterable<RecordDraft<FailoverPayload>> {
  const serviceOf = new Map(litmus.engines.map((e) => [e.engine, e.service]));
  const sources: [string, () => Promise<unknown[]>][] = [];
  if (litmus.files) {
    const files = litmus.files;
    sources.push(['files', () => chaosResultsFromFiles(files, (p) => ctx.resolvePath(p))]);
  }
  if (litmus.kubernetes) {
    const namespace = litmus.kubernetes.namespace;
    sources.push([`namespace ${namespace}`, () => chaosResultsFromKubernetes(namespace, inCluster, ctx.signal)]);
  }
  for (const [where, read] of sources) {
    let results: unknown[];
    try {
      results = await read();
    } catch (err) {
      if (!(err instanceof ChaosSourceError)) throw err;
      for (const service of new Set(serviceOf.values())) yield chaosSourceFailed(service, 'litmus', err.message);
      continue;
    }
    let passedOver = 0;
    for (const value of results) {
      const result = readChaosResult(value);
      if (typeof result === 'string') {
        ctx.log.warn({ source: where }, `ChaosResult passed over: ${result}`);
        continue;
      }
      const service = serviceOf.get(result.engine);
      if (service === undefined) passedOver++;
      else yield judgeLitmusResult(service, result);
    }
    ctx.log.info({ source: where, results: results.length, otherEngines: passedOver }, 'Litmus ChaosResults read');
  }
}
