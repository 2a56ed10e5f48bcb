import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import { fileStoreDaemon, records } from './helpers/daemon.js';
import { silentLog } from './helpers/fixtures.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('daemon reloads (in process)', () => {
  it('runs overlapping reloads one after another: no tick fires twice, stop() ends every task, and a reload after stop is ignored', async () => {
    const { dir, config } = await fileStoreDaemon(`  - { id: items, use: ${GATE}, schedule: "* * * * * *", options: { count: 1 } }\n`);
    const daemon = new Daemon({ configPath: config, catalog: {}, log: silentLog });
    await daemon.start();
    try {
      // Two SIGHUPs in quick succession.
      expect(await Promise.all([daemon.reload(), daemon.reload()])).toEqual([true, true]);
      await sleep(3500);
    } finally {
      await daemon.stop(1000);
    }
    const written = await records(dir, 'd1/items');
    expect(written.length).toBeGreaterThanOrEqual(3);
    // A second set of tasks would tick with the first and find its run still going.
    expect(written.filter((r) => r.data.notice === 'run-skipped')).toEqual([]);
    expect(cron.getTasks().size).toBe(0);
    expect(await daemon.reload()).toBe(false);
    await sleep(1500);
    expect(await records(dir, 'd1/items')).toHaveLength(written.length);
  });
});
