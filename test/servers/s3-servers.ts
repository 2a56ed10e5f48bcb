import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { motoAvailable, startMoto } from './moto.js';
import { TEST_CREDENTIALS, testClient } from './s3-buckets.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

const run = promisify(execFile);
const CEPH_SCRIPT = new URL('./ceph-rgw.sh', import.meta.url).pathname;

export interface S3TestServer {
  endpoint: string;
  stop(): Promise<void>;
}

export interface S3ServerKind {
  name: 'moto' | 'ceph-rgw';
  /** Why the suite is skipped here, or null when the server can run. */
  unavailable: string | null;
  start(): Promise<S3TestServer>;
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, cmd)));
}

export const S3_SERVERS: S3ServerKind[] = [
  {
    name: 'moto',
    unavailable: motoAvailable() ? null : 'moto_server is not installed (pip install "moto[server]")',
    start: async () => {
      const m = await startMoto();
      return { endpoint: m.endpoint, stop: m.stop };
    },
  },
  {
    name: 'ceph-rgw',
    unavailable: onPath('radosgw') && onPath('ceph-mon') ? null : 'Ceph RGW is not installed (bash test/servers/ceph-rgw.sh install, as .ci/run does)',
    start: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ea-rgw-'));
      try {
        await run('bash', [CEPH_SCRIPT, 'start', dir], { timeout: 240_000 });
      } catch (err) {
        await run('bash', [CEPH_SCRIPT, 'stop', dir]).catch(() => undefined);
        throw new Error(`Ceph RGW did not start: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`);
      }
      const env = Object.fromEntries(
        (await readFile(join(dir, 'env'), 'utf8'))
          .trim()
          .split('\n')
          .map((l) => l.split('=', 2) as [string, string]),
      );
      if (env.RGW_ACCESS_KEY !== TEST_CREDENTIALS.accessKeyId) throw new Error('Ceph RGW test user has unexpected keys');
      return {
        endpoint: env.RGW_ENDPOINT!,
        stop: async () => {
          await run('bash', [CEPH_SCRIPT, 'stop', dir]);
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

/** Sets the SDK's default credential chain to the fixed test keys (the store never takes keys from config). */
export function useTestCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
}

/** The server a suite runs against and an SDK client for it; read their fields inside hooks and tests, once the suite has started. */
export interface S3Suite {
  readonly server: S3TestServer;
  readonly client: S3Client;
}

/**
 * Starts a server of `kind` before the enclosing describe's tests, with the test keys in this
 * process's environment, and stops it after them. With `proxy`, also a TCP proxy in front of the
 * server, so a test can take the bucket off the network.
 */
export function useS3Server(kind: S3ServerKind): S3Suite;
export function useS3Server(kind: S3ServerKind, options: { proxy: true }): S3Suite & { readonly proxy: TcpProxy };
export function useS3Server(kind: S3ServerKind, options: { proxy?: boolean } = {}): S3Suite & { readonly proxy: TcpProxy } {
  const suite: { server?: S3TestServer; client?: S3Client; proxy?: TcpProxy } = {};
  beforeAll(async () => {
    useTestCredentials();
    const server = await kind.start();
    suite.server = server;
    suite.client = testClient(server.endpoint);
    if (options.proxy) suite.proxy = await startTcpProxy(Number(new URL(server.endpoint).port));
  }, 240_000);
  afterAll(async () => {
    await suite.proxy?.close();
    suite.client?.destroy();
    await suite.server?.stop();
  }, 60_000);
  return {
    get server() {
      return started(suite.server);
    },
    get client() {
      return started(suite.client);
    },
    get proxy() {
      return started(suite.proxy);
    },
  };
}

function started<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the S3 test server is not started yet: use it inside a hook or test of the describe that called useS3Server');
  return value;
}
