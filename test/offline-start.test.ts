import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { generateP256 } from '../src/signing/keys.js';
import { runCli } from './helpers/cli.js';
import { startDaemon, until } from './helpers/daemon.js';
import { tempDir, waitingInSpool } from './helpers/tmp.js';
import { freePort } from './servers/moto.js';
import { createBucket, TEST_ENV, testStoreYaml } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
let counter = 0;
/** Daemons start and tick slower when the whole suite runs at once: waits long enough for that. */
const WAIT_MS = 30_000;

function spoolDepth(metrics: string): number {
  const m = /^evidence_agent_spool_records (\d+)$/m.exec(metrics);
  if (!m) throw new Error(`no evidence_agent_spool_records in the metrics:\n${metrics}`);
  return Number(m[1]);
}

for (const kind of S3_SERVERS) {
  describe.skipIf(kind.unavailable !== null)(
    `a run that starts while the bucket is unreachable, on ${kind.name}${kind.unavailable ? ` (skipped: ${kind.unavailable})` : ''}`,
    () => {
      const s3 = useS3Server(kind, { proxy: true });

      async function setup(lines: string[]): Promise<{ dir: string; config: string; bucket: string }> {
        const dir = await tempDir();
        const bucket = `offline-${process.pid}-${++counter}`;
        await createBucket(s3.client, bucket, 'locked');
        const keys = generateP256();
        await writeFile(join(dir, 'checkpoint.pem'), keys.privatePem);
        await writeFile(join(dir, 'checkpoint.pub.pem'), keys.publicPem);
        const config = join(dir, 'agent.yaml');
        await writeFile(config, `${[...testStoreYaml(bucket, s3.proxy.endpoint), ...lines].join('\n')}\n`);
        return { dir, config, bucket };
      }

      async function bucketRecords(bucket: string): Promise<string[]> {
        const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'prod/records/' }));
        return (out.Contents ?? []).map((o) => o.Key!.slice('prod/'.length));
      }

      it('collects into the spool when the bucket was checked before, exits 1 with the count and the spool path, and the next run uploads and signs', async () => {
        const { dir, config, bucket } = await setup([
          'agent: { id: edge-1 }',
          'signing: { key: ./checkpoint.pem }',
          'collectors:',
          `  - { id: items, use: ${GATE}, options: { count: 3, attach: true } }`,
          `  - { id: later, use: ${GATE}, options: { count: 1 } }`,
        ]);
        const spool = join(dir, 'spool');
        const first = await runCli(['snapshot', '--config', config, '--only', 'items'], { env: TEST_ENV });
        expect(first.stderr).toBe('');
        expect(first.code).toBe(0);

        await s3.proxy.cut();
        try {
          const offline = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
          expect(offline.code).toBe(1);
          expect(offline.stderr).toMatch(/is unreachable; collecting into the spool/);
          expect(offline.stdout).toMatch(/3 records written to s3:\S+ \(so far only into the spool: the store is unreachable\)/);
          expect(offline.stderr).toContain(`objects are still in the spool at ${spool}, 3 of them records`);
          // `later` was never confirmed through this spool: its head is in the bucket only, so nothing is written to it.
          expect(offline.stderr).toMatch(/edge-1\/later: evidence not written: .*head of edge-1\/later is not known/);
          expect(offline.stderr).toMatch(/checkpoint not written: .*unreachable/);
          const spooled = await waitingInSpool(spool);
          expect(spooled.filter((k) => k.startsWith('records/edge-1/items/'))).toHaveLength(3);
          expect(spooled.filter((k) => k.startsWith('records/edge-1/later/'))).toEqual([]);
          expect(spooled.filter((k) => k.startsWith('checkpoints/'))).toEqual([]);
          // The first run's, besides the agent's config-change record.
          expect((await bucketRecords(bucket)).filter((k) => !k.startsWith('records/edge-1/agent/'))).toHaveLength(3);
        } finally {
          await s3.proxy.restore();
        }

        const online = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
        expect(online.stderr).toBe('');
        expect(online.code).toBe(0);
        expect(await waitingInSpool(spool)).toEqual([]);
        const uploaded = await bucketRecords(bucket);
        expect(uploaded.filter((k) => k.startsWith('records/edge-1/items/'))).toHaveLength(9);
        expect(uploaded.filter((k) => k.startsWith('records/edge-1/later/'))).toHaveLength(1);

        const args = ['verify', '--store', `s3://${bucket}/prod`, '--trusted-key', join(dir, 'checkpoint.pub.pem'), '--json'];
        const ver = await runCli(args, { env: { ...TEST_ENV, AWS_ENDPOINT_URL: s3.proxy.endpoint } });
        const report = JSON.parse(ver.stdout) as {
          problems: unknown[];
          records: number;
          streams: { stream: string; firstSeq: number; lastSeq: number }[];
          checkpoints: { count: number };
        };
        expect(report.problems).toEqual([]);
        // Ten, and the agent's config-change record of the first run (the config did not change after).
        expect(report.records).toBe(11);
        expect(report.streams.map((s) => [s.stream, s.firstSeq, s.lastSeq])).toEqual([
          ['edge-1/agent', 0, 0],
          ['edge-1/items', 0, 8],
          ['edge-1/later', 0, 0],
        ]);
        // The first run signed one; the offline run none; the run after it one covering what it uploaded.
        expect(report.checkpoints.count).toBe(2);
        expect(ver.code).toBe(0);
      }, 120_000);

      it('refuses to start, exit 2, when the unreachable bucket was never checked from this spool, or only with other settings', async () => {
        const collectors = ['agent: { id: edge-2 }', 'collectors:', `  - { id: items, use: ${GATE}, options: { count: 1 } }`];
        const { dir, config } = await setup(collectors);
        await s3.proxy.cut();
        try {
          const never = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
          expect(never.stderr).toMatch(/is unreachable .*and has never been checked/);
          expect(never.code).toBe(2);
          expect(await waitingInSpool(join(dir, 'spool'))).toEqual([]);
        } finally {
          await s3.proxy.restore();
        }
        expect((await runCli(['snapshot', '--config', config], { env: TEST_ENV })).code).toBe(0);

        // The bucket's default retention (400 days) would pass a preflight for 300 days, but none was made.
        await writeFile(config, (await readFile(config, 'utf8')).replace('retention: { days: 400 }', 'retention: { days: 300 }'));
        await s3.proxy.cut();
        try {
          const other = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
          expect(other.stderr).toMatch(/has never been checked with these settings/);
          expect(other.code).toBe(2);
        } finally {
          await s3.proxy.restore();
        }
      }, 120_000);

      it('daemon: started while the bucket is unreachable, keeps collecting into the spool, not ready, then ready and sent once it is back', async () => {
        const port = await freePort();
        const { dir, config, bucket } = await setup([
          'agent: { id: d1 }',
          `server: { listen: "127.0.0.1:${port}" }`,
          'collectors:',
          `  - { id: items, use: ${GATE}, schedule: "* * * * * *", options: { count: 1 } }`,
        ]);
        const spool = join(dir, 'spool');
        const base = `http://127.0.0.1:${port}`;
        expect((await runCli(['snapshot', '--config', config], { env: TEST_ENV })).code).toBe(0);

        await s3.proxy.cut();
        const d = startDaemon(config, TEST_ENV);
        try {
          const depth = async () => spoolDepth(await (await fetch(`${base}/metrics`)).text());
          const early = await until('records in the spool', async () => ((await depth()) >= 1 ? depth() : undefined), WAIT_MS);
          expect((await fetch(`${base}/readyz`)).status).toBe(503);
          const later = await until(
            'the spool growing',
            async () => {
              const now = await depth();
              return now >= early + 2 ? now : undefined;
            },
            WAIT_MS,
          );
          // Records only: the spool holds them, and the gauge read before the newest were written.
          expect((await waitingInSpool(spool)).filter((k) => k.startsWith('records/')).length).toBeGreaterThanOrEqual(later);
          expect((await fetch(`${base}/readyz`)).status).toBe(503);
          // The first run's record and the agent's config-change record.
          expect(await bucketRecords(bucket)).toHaveLength(2);

          await s3.proxy.restore();
          await until('ready again', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), WAIT_MS);
          // What the spool remembers of the bucket stays there, and is not counted as waiting.
          await until('an empty spool', async () => ((await waitingInSpool(spool)).length === 0 && (await depth()) === 0 ? true : undefined), WAIT_MS);
          expect((await bucketRecords(bucket)).length).toBeGreaterThanOrEqual(1 + later);
        } finally {
          await s3.proxy.restore().catch(() => undefined);
          d.child.kill('SIGTERM');
        }
        expect((await d.exited).code).toBe(0);
        const ver = await runCli(['verify', '--config', config, '--json'], { env: TEST_ENV });
        const report = JSON.parse(ver.stdout) as { problems: unknown[]; records: number };
        expect(report.problems).toEqual([]);
        expect(report.records).toBe((await bucketRecords(bucket)).length);
        expect(ver.code).toBe(0);
      }, 180_000);

      it('daemon: refuses to start, exit 2, against an unreachable bucket never checked from its spool', async () => {
        const port = await freePort();
        const { config } = await setup([
          'agent: { id: d2 }',
          `server: { listen: "127.0.0.1:${port}" }`,
          'collectors:',
          `  - { id: items, use: ${GATE}, schedule: "* * * * * *", options: { count: 1 } }`,
        ]);
        await s3.proxy.cut();
        try {
          const d = startDaemon(config, TEST_ENV);
          const { code } = await d.exited;
          expect(d.stderr()).toMatch(/is unreachable .*and has never been checked/);
          expect(code).toBe(2);
        } finally {
          await s3.proxy.restore();
        }
      });
    },
  );
}
