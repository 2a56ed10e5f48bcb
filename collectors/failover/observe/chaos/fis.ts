import { type Experiment, FisClient, GetExperimentCommand, ListExperimentsCommand } from '@aws-sdk/client-fis';
import type { FisOptions } from './schema.js';

export class ChaosSourceError extends Error {
  override name = 'ChaosSourceError';
}

const REQUEST_TIMEOUT_MS = 60_000;
const TERMINAL = new Set(['completed', 'stopped', 'failed', 'cancelled']);

export interface FisDrill {
  service: string;
  experiment: Experiment;
}

/**
 * The finished experiments of the configured templates that ended after `since`, oldest first, each with
 * its detail (GetExperiment: actions, stop conditions). ListExperiments filters by template only in newer
 * API versions, so the whole list is paged through and filtered here. Experiments still running are left
 * for a later run, when their end is known.
 */
export async function fisDrills(settings: FisOptions, since: Date, signal: AbortSignal): Promise<FisDrill[]> {
  const client = new FisClient({
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    maxAttempts: 3,
  });
  const serviceOf = new Map(settings.templates.map((t) => [t.id, t.service]));
  const where = settings.endpoint ?? `FIS in ${settings.region ?? 'the default region'}`;
  try {
    const wanted: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await send(
        () => client.send(new ListExperimentsCommand({ maxResults: 100, ...(nextToken ? { nextToken } : {}) }), { abortSignal: timed(signal) }),
        where,
        signal,
      );
      for (const summary of page.experiments ?? []) {
        if (summary.id && summary.experimentTemplateId && serviceOf.has(summary.experimentTemplateId) && TERMINAL.has(summary.state?.status ?? '')) {
          wanted.push(summary.id);
        }
      }
      nextToken = page.nextToken;
    } while (nextToken);
    const drills: FisDrill[] = [];
    for (const id of wanted) {
      const { experiment } = await send(() => client.send(new GetExperimentCommand({ id }), { abortSignal: timed(signal) }), where, signal);
      const service = serviceOf.get(experiment?.experimentTemplateId ?? '');
      const ended = experiment?.endTime ?? experiment?.startTime ?? experiment?.creationTime;
      if (!experiment || !service || !ended || ended <= since) continue;
      drills.push({ service, experiment });
    }
    return drills.sort((a, b) => time(a.experiment) - time(b.experiment));
  } finally {
    client.destroy();
  }
}

function time(e: Experiment): number {
  return (e.endTime ?? e.startTime ?? e.creationTime)?.getTime() ?? 0;
}

function timed(signal: AbortSignal): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]);
}

async function send<T>(call: () => Promise<T>, where: string, signal: AbortSignal): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (signal.aborted) throw err;
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const hint =
      e.name === 'CredentialsProviderError'
        ? 'give the agent AWS credentials (environment, profile or role)'
        : status === 403 || e.name === 'AccessDeniedException'
          ? 'allow fis:ListExperiments and fis:GetExperiment'
          : 'check chaos.awsFis.region and endpoint';
    throw new ChaosSourceError(`AWS FIS (${where}) failed: ${e.name}${status ? ` ${status}` : ''}: ${e.message}; ${hint}`);
  }
}
