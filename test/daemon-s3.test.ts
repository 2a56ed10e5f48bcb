import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { startDaemon, until } from './helpers/daemon.js';
import { filesUnder, tempDir } from './helpers/tmp.js';
import { freePort } from './servers/moto.js';
import { createBucket, TEST_ENV, testStoreYaml } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
const moto = S3_SERVERS.find((k) => k.name === 'moto')!;

async function spooledRecords(spool: string): Promise<number> {
  return (await filesUnder(join(spool, 'records'))).length;
}

describe.skipIf(moto.unavailable !== null)('daemon on an S3 bucket that goes away and comes back (moto, real process)', () => {
  const s3 = useS3Server(moto, { proxy: true });

  async function recordsInBucket(bucket: string): Promise<number> {
    const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'prod/records/' }));
    return out.KeyCount ?? 0;
  }

  it('sends what the outage left in the spool on the next run once the store is back, without a restart', async () => {
    const dir = await tempDir();
    const bucket = `daemon-${process.pid}`;
    await createBucket(s3.client, bucket, 'locked');
    const port = await freePort();
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      `${[
        'agent: { id: d1 }',
        ...testStoreYaml(bucket, s3.proxy.endpoint),
        `server: { listen: "127.0.0.1:${port}" }`,
        'collectors:',
        `  - { id: items, use: ${GATE}, schedule: "* * * * * *", options: { count: 1 } }`,
      ].join('\n')}\n`,
    );
    const d = startDaemon(config, TEST_ENV);
    try {
      await until('a record in the bucket', async () => ((await recordsInBucket(bucket)) >= 1 ? true : undefined));
      await s3.proxy.cut();
      await until('records kept in the spool', async () => ((await spooledRecords(join(dir, 'spool'))) >= 2 ? true : undefined));
      await s3.proxy.restore();
      await until('an empty spool', async () => ((await spooledRecords(join(dir, 'spool'))) === 0 ? true : undefined));
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^evidence_agent_spool_records 0$/m);
    } finally {
      await s3.proxy.restore().catch(() => undefined);
      d.child.kill('SIGTERM');
    }
    expect((await d.exited).code).toBe(0);
    const ver = await runCli(['verify', '--config', config, '--json'], { env: TEST_ENV });
    const report = JSON.parse(ver.stdout) as { problems: unknown[]; records: number };
    expect(report.problems).toEqual([]);
    expect(report.records).toBe(await recordsInBucket(bucket));
    expect(ver.code).toBe(0);
  });
});
