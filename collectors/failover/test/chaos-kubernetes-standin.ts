import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loopbackCertificate } from './loopback-cert.js';

export interface KubernetesStandIn {
  host: string;
  port: string;
  requests: { path: string; query: URLSearchParams }[];
  close(): Promise<void>;
}

/** Writes `token` and `ca.crt` into `serviceAccountDir` and serves `items` as the ChaosResults of `namespace`. */
export async function startKubernetesStandIn(
  serviceAccountDir: string,
  namespace: string,
  items: unknown[],
  token: string,
  pageSize = 500,
): Promise<KubernetesStandIn> {
  const key = join(serviceAccountDir, 'server.key');
  const cert = join(serviceAccountDir, 'ca.crt');
  const tls = await loopbackCertificate('kubernetes-standin', key, cert);
  await writeFile(join(serviceAccountDir, 'token'), `${token}\n`);
  const requests: KubernetesStandIn['requests'] = [];
  const path = `/apis/litmuschaos.io/v1alpha1/namespaces/${namespace}/chaosresults`;
  const server = createServer(tls, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    requests.push({ path: url.pathname, query: url.searchParams });
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${token}`)
      return reply(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    if (req.method !== 'GET' || url.pathname !== path)
      return reply(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    // The server may return fewer than limit items with a continue token; a small pageSize makes the client page.
    const limit = Math.min(Number(url.searchParams.get('limit') ?? items.length), pageSize);
    const from = Number(url.searchParams.get('continue') ?? 0);
    const rest = from + limit < items.length ? { continue: String(from + limit) } : {};
    return reply(200, {
      apiVersion: 'litmuschaos.io/v1alpha1',
      kind: 'ChaosResultList',
      metadata: { resourceVersion: '4242', ...rest },
      items: items.slice(from, from + limit),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: String((server.address() as AddressInfo).port),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
