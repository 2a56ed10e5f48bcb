/**
 * The receiver on the daemon's own HTTP server class, started and closed by the daemon's lifecycle
 * class, on loopback; the spool it writes is then read by a run of the collector.
 */

import { readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { checkCollector, checkOptions } from '../../../src/collector/registry.js';
import { DaemonServer } from '../../../src/daemon/http-server.js';
import { CollectorLifecycles } from '../../../src/daemon/lifecycle.js';
import { runCollectorOnce } from '../../../src/testing.js';
import { silentLog } from '../../../test/helpers/fixtures.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import lineage from '../index.js';
import { runEvent, trainingRun } from './events.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const clock = { now: () => NOW };
const TOKEN = 'lineage-test-token-0123456789';

interface Answer {
  status: number;
  body: string;
}

/** A POST with node:http, so the body can be sent chunked (no Content-Length) as well. */
function post(url: string, body: Buffer | string, headers: Record<string, string> = {}, chunked = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(bytes.length) }), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    if (chunked) {
      // Several writes, so the server sees the body arrive in pieces.
      for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(bytes);
  });
}

const started: { lifecycles: CollectorLifecycles; server: DaemonServer }[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) {
    await s.lifecycles.close(5000);
    await s.server.close();
  }
});

/** Starts the collector as the daemon does, on a server on a free loopback port. */
async function receiver(dir: string, receiverOptions: Record<string, unknown>) {
  const collector = checkCollector(lineage, 'lineage');
  const { options, problems } = checkOptions(collector, { receiver: { enabled: true, ...receiverOptions } });
  expect(problems).toEqual([]);
  const server = new DaemonServer({ ready: () => true, metrics: async () => ({ contentType: 'text/plain', body: '' }) }, silentLog);
  const { port } = await server.listen('127.0.0.1:0');
  const instance = { id: 'lineage', collector, options, controls: collector.controls, timeoutMs: 60_000, drillsAllowed: false };
  const lifecycles = await CollectorLifecycles.start([instance], server, {
    agent: { id: 'd1', version: '0.0.0-test', host: 'test-host', configSha256: '0'.repeat(64) },
    log: silentLog,
    clock,
    configDir: dir,
  });
  started.push({ lifecycles, server });
  const spool = join(dir, '.lineage-spool/lineage');
  return {
    url: `http://127.0.0.1:${port}/collectors/lineage/api/v1/lineage`,
    spool,
    spooled: () => readFile(join(spool, 'events-2026-11-20.ndjson'), 'utf8').catch(() => ''),
  };
}

describe('the OpenLineage HTTP receiver', () => {
  it('spools a valid event before answering 201, and refuses a missing or wrong token, bad JSON and events that are not run events with a 4xx', async () => {
    const dir = await tempDir();
    const r = await receiver(dir, { token: TOKEN });
    const [start, complete] = trainingRun(NOW);
    const auth = { authorization: `Bearer ${TOKEN}` };

    expect(await post(r.url, JSON.stringify(start), auth)).toEqual({ status: 201, body: '' });
    // Pretty-printed by its sender, spooled as one line.
    expect((await post(r.url, JSON.stringify(complete, null, 2), auth)).status).toBe(201);
    expect(await r.spooled()).toBe(`${JSON.stringify(start)}\n${JSON.stringify(complete)}\n`);

    const refused = [
      await post(r.url, JSON.stringify(start)),
      await post(r.url, JSON.stringify(start), { authorization: `Bearer ${TOKEN}x` }),
      await post(r.url, JSON.stringify(start), { authorization: TOKEN }),
      await post(r.url, JSON.stringify(start).slice(0, 100), auth),
      await post(r.url, JSON.stringify({ ...start, run: { runId: 'run-1' } }), auth),
      await post(r.url, JSON.stringify({ ...start, eventType: 'DONE' }), auth),
      await post(r.url, JSON.stringify([start]), auth),
      await post(r.url, Buffer.from([0x7b, 0xff, 0x7d]), auth),
    ];
    expect(refused.map((a) => [a.status, (JSON.parse(a.body) as { error: string }).error])).toEqual([
      [401, expect.stringMatching(/bearer token is required/)],
      [401, expect.stringMatching(/bearer token is required/)],
      [401, expect.stringMatching(/bearer token is required/)],
      [400, 'the body is not JSON: send one OpenLineage run event'],
      [400, 'not an OpenLineage run event: run.runId: not a UUID'],
      [400, 'not an OpenLineage run event: eventType: not one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER'],
      [400, 'not an OpenLineage run event: event: not an object'],
      [400, 'the body is not JSON: send one OpenLineage run event'],
    ]);
    expect((await r.spooled()).split('\n')).toHaveLength(3);

    const info = await stat(r.spool);
    expect(info.mode & 0o777).toBe(0o700);
    expect((await stat(join(r.spool, 'events-2026-11-20.ndjson'))).mode & 0o777).toBe(0o600);
  });

  it('refuses bodies over the limit with 413, declared, streamed or inflated, and takes gzip', async () => {
    const dir = await tempDir();
    const r = await receiver(dir, { maxBodyBytes: 4096 });
    const [start] = trainingRun(NOW);
    const padded = JSON.stringify({ ...start, padding: 'x'.repeat(8000) });

    expect(await post(r.url, padded)).toMatchObject({ status: 413, body: expect.stringContaining('the limit is 4096') });
    expect(await post(r.url, padded.repeat(200), {}, true)).toMatchObject({ status: 413, body: expect.stringContaining('over the limit of 4096') });
    expect(await post(r.url, gzipSync(padded), { 'content-encoding': 'gzip' })).toMatchObject({ status: 413, body: expect.stringContaining('inflates past') });
    expect(await post(r.url, 'not gzip', { 'content-encoding': 'gzip' })).toMatchObject({ status: 400, body: expect.stringContaining('not valid gzip') });
    expect(await post(r.url, JSON.stringify(start), { 'content-encoding': 'br' })).toMatchObject({ status: 415 });
    expect(await r.spooled()).toBe('');

    expect((await post(r.url, gzipSync(JSON.stringify(start)), { 'content-encoding': 'gzip' })).status).toBe(201);
    expect(await r.spooled()).toBe(`${JSON.stringify(start)}\n`);
  });

  it('keeps every one of many events sent at once whole, and the next run of the collector folds them', async () => {
    const dir = await tempDir();
    const r = await receiver(dir, {});
    const events = Array.from({ length: 60 }, (_, i) =>
      runEvent({
        type: i % 2 ? 'COMPLETE' : 'START',
        time: NOW,
        runId: `70000000-0000-4000-8000-${String(Math.floor(i / 2)).padStart(12, '0')}`,
        job: ['etl', 'load'],
      }),
    );
    const answers = await Promise.all(events.map((e) => post(r.url, JSON.stringify(e))));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    const lines = (await r.spooled()).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown).sort()).toHaveLength(60);

    const { records } = await runCollectorOnce(lineage, { receiver: { enabled: true } }, { configDir: dir, clock, id: 'lineage' });
    expect(records[0]!.data).toMatchObject({ events: { folded: 60, invalid: 0 }, runs: { total: 30, completed: 30 } });
  });

  it('is gone once the collector closes', async () => {
    const dir = await tempDir();
    const r = await receiver(dir, {});
    const { lifecycles } = started[0]!;
    await lifecycles.close(5000);
    expect((await post(r.url, JSON.stringify(trainingRun(NOW)[0]))).status).toBe(404);
  });
});
