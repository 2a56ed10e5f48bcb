import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { records, fileStoreDaemon as setup, startDaemon, until } from './helpers/daemon.js';
import { preparedDemo } from './helpers/demo.js';
import { tempDir } from './helpers/tmp.js';
import { freePort } from './servers/moto.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const logLines = (stderr: string): LogLine[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('what a daemon runs on its schedules (real process)', () => {
  it('says so at start, in a warning that names what to add and in the startup line', async () => {
    const { dir, config } = await setup(`  - { id: items, use: ${GATE}, options: { count: 1 } }\n  - { id: more, use: ${GATE}, options: { count: 1 } }\n`);
    const d = startDaemon(config);
    try {
      const started = await until('the startup line', async () => logLines(d.stderr()).find((l) => l.msg.startsWith('daemon started')));
      expect(started).toMatchObject({ level: 30, msg: 'daemon started with no scheduled collector', collectors: [], unscheduled: ['items', 'more'] });
      const warning = logLines(d.stderr()).find((l) => l.level === 40);
      expect(warning).toMatchObject({ config, unscheduled: ['items', 'more'] });
      expect(warning!.msg).toBe(
        `no collector has a schedule, so this daemon collects no evidence: add schedule: "<cron>" (for example "0 0 2 * * *", daily at 02:00 UTC) to the collectors in ${config}, or run evidence-agent snapshot instead`,
      );
      expect(await records(dir, 'd1/items')).toEqual([]);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });

  it('names the collectors that run only in a snapshot when others are scheduled, without the warning', async () => {
    const { config } = await setup(
      `  - { id: items, use: ${GATE}, schedule: "0 0 2 * * *", options: { count: 1 } }\n  - { id: once, use: ${GATE}, options: { count: 1 } }\n`,
    );
    const d = startDaemon(config);
    try {
      const started = await until('the startup line', async () => logLines(d.stderr()).find((l) => l.msg.startsWith('daemon started')));
      expect(started).toMatchObject({ level: 30, msg: 'daemon started', collectors: ['items'], unscheduled: ['once'] });
      expect(logLines(d.stderr()).filter((l) => l.level >= 40)).toEqual([]);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });

  it('runs every collector of the bundled demo on a schedule', async () => {
    const config = await preparedDemo(await tempDir('ea-demo-daemon-'));
    await appendFile(config, `server: { listen: "127.0.0.1:${await freePort()}" }\n`);
    const d = startDaemon(config);
    try {
      const started = await until('the startup line', async () => logLines(d.stderr()).find((l) => l.msg.startsWith('daemon started')));
      const demo = parse(await readFile(join(ROOT, 'config/demo.yaml'), 'utf8')) as { collectors: { id: string }[] };
      expect(demo.collectors.length).toBeGreaterThan(5);
      expect(started).toMatchObject({ msg: 'daemon started', collectors: demo.collectors.map((c) => c.id), unscheduled: [] });
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  });
});
