import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo's and the tests' loopback primary/standby pair, a front door that routes to whichever is healthy, and a chaos endpoint. */
export interface Stack {
  front: string;
  primary: string;
  standby: string;
  chaos: string;
  state: { primaryUp: boolean; standbyUp: boolean; failTrigger: boolean; failRestore: boolean; failoverLagRequests: number };
  /** Resolve when the chaos endpoint received a trigger, a restore call. */
  triggered: Promise<void>;
  restored: Promise<void>;
  calls: string[];
  close(): Promise<void>;
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Starts the stack on loopback: on free ports, or on `ports` (primary, standby, front door, chaos) for the demo. */
export async function startStack(tls?: { key: string; cert: string }, ports: readonly number[] = [0, 0, 0, 0]): Promise<Stack> {
  const state = { primaryUp: true, standbyUp: true, failTrigger: false, failRestore: false, failoverLagRequests: 1 };
  const calls: string[] = [];
  let lagLeft = 0;
  const triggered = signal();
  const restored = signal();
  const answer = (res: ServerResponse, up: boolean, name: string) => {
    res.writeHead(up ? 200 : 503, { 'x-served-by': name, 'content-type': 'text/plain' }).end(up ? 'ok' : 'down');
  };
  let next = 0;
  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<[Server, string]> => {
    const server = tls ? createHttps(tls, handler) : createHttp(handler);
    server.listen(ports[next++] ?? 0, '127.0.0.1');
    await once(server, 'listening');
    return [server, `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`];
  };
  const [p, primary] = await listen((_req, res) => answer(res, state.primaryUp, 'primary'));
  const [s, standby] = await listen((_req, res) => answer(res, state.standbyUp, 'standby'));
  // Like a load balancer's health check, the front door notices a dead primary only after a few failed requests.
  const [f, front] = await listen((_req, res) => {
    if (state.primaryUp) return answer(res, true, 'primary');
    if (lagLeft > 0) {
      lagLeft--;
      return res.writeHead(502).end('bad gateway');
    }
    if (state.standbyUp) return answer(res, true, 'standby');
    res.writeHead(503).end('no healthy backend');
  });
  const [c, chaos] = await listen((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    if (req.url === '/fail/primary') {
      triggered.resolve();
      if (state.failTrigger) return res.writeHead(500).end();
      state.primaryUp = false;
      lagLeft = state.failoverLagRequests;
    } else if (req.url === '/restore/primary') {
      restored.resolve();
      if (state.failRestore) return res.writeHead(500).end();
      state.primaryUp = true;
    }
    res.writeHead(204).end();
  });
  return {
    front: `${front}/health`,
    primary: `${primary}/health`,
    standby: `${standby}/health`,
    chaos,
    state,
    triggered: triggered.promise,
    restored: restored.promise,
    calls,
    close: async () => {
      for (const server of [p, s, f, c]) {
        server.closeAllConnections();
        server.close();
      }
    },
  };
}

/**
 * `node dist/collectors/failover/demo/pair.js <command> [args…]`: serves the demo stack on 127.0.0.1:9471-9474
 * for as long as the command (the demo snapshot) runs, then stops it and exits with the command's status, so
 * nothing is left running after `npm run demo`.
 */
async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (!command) throw new Error('usage: pair.js <command> [args…]: the command to run while the demo pair serves');
  const stack = await startStack(undefined, [9471, 9472, 9473, 9474]);
  const child = spawn(command, args, { stdio: 'inherit' });
  const [code, sig] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  await stack.close();
  process.exitCode = code ?? (sig ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main(process.argv.slice(2));
