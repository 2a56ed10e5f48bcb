import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RouteHandler, RouteRegistry } from '../collector/contract.js';

export interface HealthSource {
  ready(): boolean;
  /** Lines /readyz adds under its verdict: conditions worth seeing that do not make the daemon unready. */
  notes?(): string[];
  metrics(): Promise<{ contentType: string; body: string }>;
}

function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

export class RouteError extends Error {
  override name = 'RouteError';
}

const ROUTE_PATH = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/;

/** The path prefix of one collector's routes. */
export function collectorRoutePrefix(collectorId: string): string {
  return `/collectors/${collectorId}`;
}

/** /healthz (process alive), /readyz (store checked, scheduler running), /metrics, and the routes collectors mount. */
export class DaemonServer {
  private readonly routes = new Map<string, RouteHandler>();
  private server: Server | undefined;

  constructor(
    private readonly health: HealthSource,
    private readonly log: Logger,
  ) {}

  /**
   * The routes of one collector, all under `/collectors/<id>`: ids are unique
   * in a config, so two collectors never take the same route.
   */
  routesFor(collectorId: string): RouteRegistry {
    const prefix = collectorRoutePrefix(collectorId);
    return {
      route: (method, path, handler) => {
        if (!ROUTE_PATH.test(path))
          throw new RouteError(`collector ${collectorId}: route path "${path}" must start with / and hold no spaces, queries or empty segments`);
        const key = `${method.toUpperCase()} ${prefix}${path}`;
        if (this.routes.has(key)) throw new RouteError(`collector ${collectorId}: ${key} is already mounted`);
        this.routes.set(key, handler);
      },
    };
  }

  /** Removes every route of a collector (on reload or shutdown). */
  unmount(collectorId: string): void {
    const prefix = `${collectorRoutePrefix(collectorId)}/`;
    for (const key of [...this.routes.keys()]) if (key.slice(key.indexOf(' ') + 1).startsWith(prefix)) this.routes.delete(key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (req.method === 'GET' && path === '/readyz') {
      const ready = this.health.ready();
      const notes = (this.health.notes?.() ?? []).map((n) => `${n}\n`).join('');
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${ready ? 'ready' : 'not ready'}\n${notes}`);
    } else if (req.method === 'GET' && path === '/metrics') {
      const { contentType, body } = await this.health.metrics();
      res.writeHead(200, { 'content-type': contentType }).end(body);
    } else {
      const handler = this.routes.get(`${req.method} ${path}`);
      if (handler) await handler(req, res);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  listen(listen: string): Promise<{ host: string; port: number }> {
    const { host, port } = parseListen(listen);
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log.error({ err, url: req.url }, 'request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve({ host, port: (server.address() as { port: number }).port }));
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
