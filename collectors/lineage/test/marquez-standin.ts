/**
 * A loopback stand-in for the Marquez API, not Marquez: it replays the shape
 * of the one endpoint the collector reads, as Marquez 0.30+ serves it
 * (marquez.api.OpenLineageResource#getLineageEvents):
 *
 *   GET /api/v1/events/lineage?before&after&sortDirection=asc|desc&limit&offset
 *       -> 200 {"events": [<raw OpenLineage events>], "totalCount": <n>}
 *
 * with Marquez's defaults (limit 100, offset 0, newest first). Anything else answers 404 as Marquez
 * does for an unknown path. Every request is recorded, so tests can see the paging and headers.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MarquezStandIn {
  url: string;
  requests: { path: string; query: URLSearchParams; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startMarquezStandIn(events: unknown[], options: { requireToken?: string; failAtOffset?: number } = {}): Promise<MarquezStandIn> {
  const requests: MarquezStandIn['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    if (req.method !== 'GET' || url.pathname !== '/api/v1/events/lineage') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":404,"message":"HTTP 404 Not Found"}');
      return;
    }
    if (options.requireToken && req.headers.authorization !== `Bearer ${options.requireToken}`) {
      res.writeHead(401).end();
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    if (options.failAtOffset !== undefined && offset >= options.failAtOffset) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":500,"message":"There was an error processing your request."}');
      return;
    }
    const ordered = url.searchParams.get('sortDirection') === 'asc' ? events : [...events].reverse();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ events: ordered.slice(offset, offset + limit), totalCount: events.length }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
