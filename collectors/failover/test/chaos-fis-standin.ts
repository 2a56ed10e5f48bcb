/**
 * A loopback stand-in for the AWS Fault Injection Service API, not FIS: it replays the REST-JSON shapes of the
 * two operations the collector calls (FIS API reference, 2020-12-01), with times as epoch seconds as FIS sends them:
 *
 *   GET /experiments?maxResults&nextToken -> 200 {"experiments": [ExperimentSummary], "nextToken"?}
 *   GET /experiments/{id}                 -> 200 {"experiment": Experiment}
 *                                         -> 404 ResourceNotFoundException for an unknown id
 *
 * Experiments are given in the test as FIS would answer them; every request is recorded, with its
 * Authorization header, so tests can see the paging and that requests were signed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FisStandInExperiment {
  id: string;
  experimentTemplateId: string;
  state: { status: string; reason?: string };
  creationTime: number;
  startTime?: number;
  endTime?: number;
  actions?: Record<string, { actionId: string; state?: { status: string; reason?: string }; startTime?: number; endTime?: number }>;
  stopConditions?: { source: string; value?: string }[];
}

export interface FisStandIn {
  url: string;
  requests: { method: string; path: string; query: URLSearchParams; authorization: string | undefined }[];
  close(): Promise<void>;
}

export async function startFisStandIn(experiments: FisStandInExperiment[], options: { status?: number; pageSize?: number } = {}): Promise<FisStandIn> {
  const requests: FisStandIn['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const reply = (status: number, body: unknown, errorType?: string) =>
      res.writeHead(status, { 'content-type': 'application/json', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) }).end(JSON.stringify(body));
    if (options.status === 403) return reply(403, { message: 'User is not authorized to perform: fis:ListExperiments' }, 'AccessDeniedException');
    if (req.method !== 'GET') return reply(404, { message: 'Not Found' }, 'ResourceNotFoundException');
    if (url.pathname === '/experiments') {
      // FIS may answer fewer than maxResults; a small pageSize makes the client follow nextToken.
      const max = Math.min(Number(url.searchParams.get('maxResults') ?? 100), options.pageSize ?? 100);
      const from = Number(url.searchParams.get('nextToken') ?? 0);
      const page = experiments.slice(from, from + max).map((e) => ({
        id: e.id,
        experimentTemplateId: e.experimentTemplateId,
        state: e.state,
        creationTime: e.creationTime,
        tags: {},
      }));
      return reply(200, { experiments: page, ...(from + max < experiments.length ? { nextToken: String(from + max) } : {}) });
    }
    const one = /^\/experiments\/([^/]+)$/.exec(url.pathname);
    const found = one && experiments.find((e) => e.id === decodeURIComponent(one[1] ?? ''));
    if (!found) return reply(404, { message: 'Experiment not found' }, 'ResourceNotFoundException');
    return reply(200, {
      experiment: { ...found, roleArn: 'arn:aws:iam::123456789012:role/fis', targets: {}, tags: {}, experimentOptions: { accountTargeting: 'single-account' } },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
