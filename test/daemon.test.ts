import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { records, fileStoreDaemon as setup, startDaemon, until } from './helpers/daemon.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const ROUTE = new URL('./fixtures/collectors/route.mjs', import.meta.url).pathname;

const EVERY_2S = `  - { id: items, use: ${GATE}, schedule: "*/2 * * * * *", options: { count: 1 } }\n`;

describe('evidence-agent daemon (real process)', () => {
  it('writes records on schedule, answers /healthz /readyz /metrics, and exits cleanly on SIGTERM within the limit', async () => {
    const { dir, config, port } = await setup(EVERY_2S);
    const d = startDaemon(config);
    try {
      await until('two scheduled records', async () => ((await records(dir, 'd1/items')).length >= 2 ? true : undefined));
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      for (const name of [
        'evidence_agent_runs_total{collector="items",status="ok"}',
        'evidence_agent_records_written_total{collector="items"}',
        'evidence_agent_spool_records 0',
        'evidence_agent_last_success_timestamp_seconds{collector="items"}',
        'evidence_agent_run_duration_seconds_bucket',
      ]) {
        expect(metrics).toContain(name);
      }
      const started = Date.now();
      d.child.kill('SIGTERM');
      const { code } = await d.exited;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      d.child.kill('SIGKILL');
    }
  });

  it('continues every chain after kill -9 and a restart, and records the runs it missed', async () => {
    const { dir, config } = await setup(EVERY_2S);
    const first = startDaemon(config);
    await until('a record', async () => ((await records(dir, 'd1/items')).length >= 1 ? true : undefined));
    first.child.kill('SIGKILL');
    await first.exited;
    const before = (await records(dir, 'd1/items')).length;
    await new Promise((r) => setTimeout(r, 4500));
    const second = startDaemon(config);
    try {
      await until('a record after restart', async () => ((await records(dir, 'd1/items')).length >= before + 2 ? true : undefined));
      const all = await records(dir, 'd1/items');
      const notice = all.find((r) => r.data.notice === 'missed-runs');
      expect(notice).toMatchObject({ status: 'info', data: { missedRuns: expect.any(Number), schedule: '*/2 * * * * *' } });
      expect(notice!.data.missedRuns as number).toBeGreaterThanOrEqual(1);
      expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i));
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
    const verify = await runCli(['verify', '--config', config]);
    expect(verify.code).toBe(0);
  });

  it('keeps running the old config when SIGHUP brings a broken one, and takes a good one', async () => {
    const { dir, config } = await setup(EVERY_2S);
    const d = startDaemon(config);
    try {
      await until('a record', async () => ((await records(dir, 'd1/items')).length >= 1 ? true : undefined));
      const good = await readFile(config, 'utf8');
      await writeFile(config, good.replace('collectors:', 'colectors:'));
      d.child.kill('SIGHUP');
      await until('the rejection', async () => (/new config rejected/.test(d.stderr()) ? true : undefined));
      const count = (await records(dir, 'd1/items')).length;
      await until('records under the old config', async () => ((await records(dir, 'd1/items')).length > count ? true : undefined));
      // A zone node-cron cannot use: refused with the rest of the config, not found when the old tasks are already gone.
      await writeFile(config, good.replace('options: { count: 1 }', 'timezone: Mars/Olympus, options: { count: 1 }'));
      d.child.kill('SIGHUP');
      await until('the second rejection', async () => (d.stderr().match(/new config rejected/g)!.length === 2 ? true : undefined));
      expect(d.stderr()).toMatch(/agent\.yaml:5: collectors\[0\]\.timezone: \\"Mars\/Olympus\\" is not a time zone/);
      const after = (await records(dir, 'd1/items')).length;
      await until('records under the old config again', async () => ((await records(dir, 'd1/items')).length > after ? true : undefined));
      await writeFile(config, `${good}  - { id: more, use: ${GATE}, schedule: "*/2 * * * * *", options: { count: 1 } }\n`);
      d.child.kill('SIGHUP');
      await until('the new collector', async () => ((await records(dir, 'd1/more')).length >= 1 ? true : undefined));
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });

  it('skips a run while the previous one is still going, and says so in the stream', async () => {
    const { dir, config } = await setup(`  - { id: slow, use: ${GATE}, schedule: "* * * * * *", options: { count: 1, delayMs: 2500 } }\n`);
    const d = startDaemon(config);
    try {
      const skipped = await until('a skipped-run notice', async () => (await records(dir, 'd1/slow')).find((r) => r.data.notice === 'run-skipped'));
      expect(skipped.status).toBe('info');
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
    expect((await runCli(['verify', '--config', config])).code).toBe(0);
  });

  it("serves a collector's routes between runs under /collectors/<id>, removes them on a reload that drops it, and closes it on reload and SIGTERM", async () => {
    // No schedule: the route must answer although no run of the collector ever happens.
    const hooks = (marker: string) => `  - { id: hooks, use: ${ROUTE}, options: { closedMarker: ${marker} } }\n`;
    const { dir, config, port } = await setup(hooks('closed-1.txt') + EVERY_2S);
    const d = startDaemon(config);
    const url = `http://127.0.0.1:${port}/collectors/hooks/hooks/hello`;
    try {
      const body = await until('the mounted route', async () => {
        const res = await fetch(url);
        return res.status === 200 ? res.text() : undefined;
      });
      expect(body).toBe('hello from d1/hooks');
      expect((await fetch(`http://127.0.0.1:${port}/hooks/hello`)).status).toBe(404);
      expect(await records(dir, 'd1/hooks')).toEqual([]);

      // A reload that drops the collector closes it and takes its route away.
      await writeFile(config, (await readFile(config, 'utf8')).replace(hooks('closed-1.txt'), ''));
      d.child.kill('SIGHUP');
      expect(await until('the route to go', async () => ((await fetch(url)).status === 404 ? true : undefined))).toBe(true);
      expect(await readFile(join(dir, 'closed-1.txt'), 'utf8')).toBe('closed hooks\n');

      // Back again, then SIGTERM: close() runs before the process exits.
      await writeFile(config, (await readFile(config, 'utf8')).replace('collectors:\n', `collectors:\n${hooks('closed-2.txt')}`));
      d.child.kill('SIGHUP');
      await until('the route to come back', async () => ((await fetch(url)).status === 200 ? true : undefined));
      d.child.kill('SIGTERM');
      expect((await d.exited).code).toBe(0);
      expect(await readFile(join(dir, 'closed-2.txt'), 'utf8')).toBe('closed hooks\n');
    } finally {
      d.child.kill('SIGKILL');
    }
  });

  it('refuses a config with an unknown time zone, exit 2, naming the line', async () => {
    const { config } = await setup(`  - id: items\n    use: ${GATE}\n    schedule: "*/2 * * * * *"\n    timezone: Mars/Olympus\n    options: { count: 1 }\n`);
    const r = await runCli(['daemon', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/agent\.yaml:8: collectors\[0\]\.timezone: "Mars\/Olympus" is not a time zone/);
  });

  it('refuses a config with a bad cron expression, exit 2, naming the line', async () => {
    const { config } = await setup(
      `  - { id: items, use: ${GATE}, options: { count: 1 } }\n  - id: bad\n    use: ${GATE}\n    schedule: "every day"\n    options: { count: 1 }\n`,
    );
    const r = await runCli(['daemon', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/agent\.yaml:8: collectors\[1\]\.schedule: "every day" is not a cron expression/);
  });
});
