import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { ChaosSourceError } from './fis.js';
import { chaosResultsIn } from './litmus-result.js';

/** Where a pod finds its API server and service account; tests point these at a stand-in. */
export interface InCluster {
  /** Folder holding `token` and `ca.crt`. */
  serviceAccountDir: string;
  host: string | undefined;
  port: string | undefined;
}

export function inClusterFromEnv(env: NodeJS.ProcessEnv = process.env): InCluster {
  return {
    serviceAccountDir: '/var/run/secrets/kubernetes.io/serviceaccount',
    host: env.KUBERNETES_SERVICE_HOST,
    port: env.KUBERNETES_SERVICE_PORT,
  };
}

const REQUEST_TIMEOUT_MS = 60_000;
const PAGE = 100;

/** The ChaosResults of one namespace, read page by page (limit/continue) with the pod's service account. */
export async function chaosResultsFromKubernetes(namespace: string, cluster: InCluster, signal: AbortSignal): Promise<unknown[]> {
  if (!cluster.host)
    throw new ChaosSourceError('KUBERNETES_SERVICE_HOST is not set: chaos.litmus.kubernetes works only inside a pod; use chaos.litmus.files outside one');
  const [token, ca] = await Promise.all(
    ['token', 'ca.crt'].map((f) =>
      readFile(join(cluster.serviceAccountDir, f), 'utf8').catch((err: NodeJS.ErrnoException) => {
        throw new ChaosSourceError(
          `cannot read the service account ${f} in ${cluster.serviceAccountDir} (${err.code ?? err.message}); is automountServiceAccountToken off?`,
        );
      }),
    ),
  );
  // An IPv6 address goes in brackets in a URL.
  const host = cluster.host.includes(':') ? `[${cluster.host}]` : cluster.host;
  const base = `https://${host}:${cluster.port ?? '443'}/apis/litmuschaos.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/chaosresults`;
  const results: unknown[] = [];
  let next: string | undefined;
  do {
    const url = new URL(base);
    url.searchParams.set('limit', String(PAGE));
    if (next) url.searchParams.set('continue', next);
    const page = await getJson(url, token?.trim() ?? '', ca ?? '', signal);
    results.push(...chaosResultsIn({ kind: 'ChaosResultList', ...page }));
    const meta = page.metadata as { continue?: unknown } | undefined;
    next = typeof meta?.continue === 'string' && meta.continue !== '' ? meta.continue : undefined;
  } while (next);
  return results;
}

function getJson(url: URL, token: string, ca: string, signal: AbortSignal): Promise<Record<string, unknown>> {
  const shown = `${url.origin}${url.pathname}`;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) {
            const hint =
              status === 401 || status === 403
                ? 'grant the service account get and list on chaosresults.litmuschaos.io in that namespace'
                : status === 404
                  ? 'is LitmusChaos installed (the ChaosResult CRD) and the namespace right?'
                  : 'check the API server';
            reject(new ChaosSourceError(`the Kubernetes API at ${shown} answered ${status}; ${hint}`));
            return;
          }
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
          } catch {
            reject(new ChaosSourceError(`the Kubernetes API at ${shown} answered with something other than JSON`));
          }
        });
      },
    );
    req.on('error', (err: Error) => {
      if (signal.aborted) reject(err);
      else reject(new ChaosSourceError(`the Kubernetes API at ${shown} did not answer (${err.message}); check KUBERNETES_SERVICE_HOST/PORT and ca.crt`));
    });
    req.end();
  });
}
