import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Expectation } from '../schema.js';

/** One probe of one URL, as seen: `t` is milliseconds since the run's origin (monotonic), not wall time. */
export interface ProbeSample {
  target: 'front-door' | 'primary' | 'standby';
  phase: 'probe' | 'before' | 'during' | 'after' | 'primary-back' | 'pre-check';
  t: number;
  healthy: boolean;
  latencyMs: number;
  status?: number;
  servedBy?: string;
  error?: string;
}

export interface HttpOptions {
  timeoutMs: number;
  /** PEM CA certificates for https URLs. */
  ca?: string | undefined;
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Longest body kept to look for `bodyIncludes`: health answers are small, and a probe must not buffer a large one. */
const MAX_BODY = 64 * 1024;

/** One HTTP(S) request with a timeout; rejects on connection errors, timeouts and aborts. */
export function httpCall(method: string, url: string, opts: HttpOptions): Promise<HttpAnswer> {
  const u = new URL(url);
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]);
    const req = request(u, { method, signal, ...(opts.ca ? { ca: opts.ca } : {}), headers: { 'user-agent': 'evidence-agent/failover' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(signal.aborted && !opts.signal.aborted ? new Error(`no answer within ${opts.timeoutMs} ms`) : e));
    req.end();
  });
}

/** Probes `url` once and says whether the answer is healthy by `expect`; only `opts.signal` aborting makes it throw. */
export async function probe(
  url: string,
  expect: Expectation,
  opts: HttpOptions & { origin: number; target: ProbeSample['target']; phase: ProbeSample['phase'] },
): Promise<ProbeSample> {
  const started = performance.now();
  const base = { target: opts.target, phase: opts.phase, t: Math.round(started - opts.origin) };
  try {
    const answer = await httpCall('GET', url, opts);
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const header = expect.servedByHeader ? answer.headers[expect.servedByHeader.toLowerCase()] : undefined;
    const servedBy = Array.isArray(header) ? header[0] : header;
    const healthy = answer.status === expect.status && (expect.bodyIncludes === undefined || answer.body.includes(expect.bodyIncludes));
    return { ...base, healthy, latencyMs, status: answer.status, ...(servedBy !== undefined ? { servedBy } : {}) };
  } catch (e) {
    if (opts.signal.aborted) throw opts.signal.reason;
    return { ...base, healthy: false, latencyMs: Math.round((performance.now() - started) * 10) / 10, error: (e as Error).message };
  }
}
