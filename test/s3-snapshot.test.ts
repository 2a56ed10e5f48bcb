import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { generateP256 } from '../src/signing/keys.js';
import { BIN, runCli } from './helpers/cli.js';
import { filesUnder, tempDir, waitingInSpool } from './helpers/tmp.js';
import { createBucket, TEST_ENV, testStoreYaml } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

const GATE = new URL('./fixtures/collectors/gate.mjs', import.meta.url).pathname;
let counter = 0;

for (const kind of S3_SERVERS) {
  describe.skipIf(kind.unavailable !== null)(
    `snapshot to S3 on ${kind.name}, as a real process${kind.unavailable ? ` (skipped: ${kind.unavailable})` : ''}`,
    () => {
      const s3 = useS3Server(kind, { proxy: true });

      async function setup(bucketKind: 'locked' | 'plain', collectorOptions: string): Promise<{ dir: string; config: string; bucket: string }> {
        const dir = await tempDir();
        const bucket = `snap-${process.pid}-${++counter}`;
        await createBucket(s3.client, bucket, bucketKind);
        const keys = generateP256();
        await writeFile(join(dir, 'checkpoint.pem'), keys.privatePem);
        await writeFile(join(dir, 'checkpoint.pub.pem'), keys.publicPem);
        const config = join(dir, 'agent.yaml');
        await writeFile(
          config,
          `${[
            'agent: { id: edge-1 }',
            ...testStoreYaml(bucket, s3.proxy.endpoint),
            'signing: { key: ./checkpoint.pem }',
            'collectors:',
            `  - { id: items, use: ${GATE}, options: ${collectorOptions} }`,
          ].join('\n')}\n`,
        );
        return { dir, config, bucket };
      }

      async function keys(bucket: string): Promise<string[]> {
        const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
        return (out.Contents ?? []).map((o) => o.Key!);
      }

      it('writes every record, attachment and signed checkpoint locked, and verify --store --trusted-key exits 0', async () => {
        const { dir, config, bucket } = await setup('locked', '{ count: 3, attach: true }');
        const snap = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
        expect(snap.stderr).toBe('');
        expect(snap.code).toBe(0);
        const all = await keys(bucket);
        // Three, and the agent's config-change record in edge-1/agent.
        expect(all.filter((k) => k.startsWith('prod/records/'))).toHaveLength(4);
        // Three attachments and the payload schema the records name; the config-change record's config.json and schema.
        expect(all.filter((k) => k.startsWith('prod/blobs/'))).toHaveLength(6);
        expect(all.filter((k) => k.startsWith('prod/checkpoints/'))).toEqual(['prod/checkpoints/edge-1/000000000000.json']);
        for (const key of all) {
          const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          expect(head.ObjectLockMode).toBe('COMPLIANCE');
        }
        const args = ['verify', '--store', `s3://${bucket}/prod`, '--trusted-key', join(dir, 'checkpoint.pub.pem')];
        const ver = await runCli(args, { env: { ...TEST_ENV, AWS_ENDPOINT_URL: s3.proxy.endpoint } });
        // With the config-change record and its config.json.
        expect(ver.stdout).toMatch(/4 records in 2 streams, 4 attachments/);
        expect(ver.stdout).toMatch(/Checkpoints: 1, .*signatures verified with the trusted key/);
        expect(ver.code).toBe(0);
      });

      it('refuses to start against a bucket without Object Lock, exit 2, naming the setting', async () => {
        const { config, bucket } = await setup('plain', '{ count: 1 }');
        const r = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/Object Lock \/ retention is not enabled on s3:\/\//);
        expect(r.stderr).toMatch(/versioning is not enabled/);
        expect(await keys(bucket)).toEqual([]);
      });

      it('keeps records in the spool when the server goes away mid-run, exits 1, and sends them on the next run', async () => {
        let cuts = 0;
        const control: Server = createServer((_req, res) => {
          void (async () => {
            if (cuts++ === 0) await s3.proxy.cut();
            res.end('ok');
          })();
        });
        await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', () => resolve()));
        const gate = `http://127.0.0.1:${(control.address() as { port: number }).port}/`;
        try {
          const { dir, config, bucket } = await setup('locked', `{ count: 4, attach: true, gate: "${gate}", gateAfter: 2 }`);
          const first = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
          expect(first.code).toBe(1);
          expect(first.stderr).toMatch(/objects are still in the spool at .*spool/);
          const spooled = await filesUnder(join(dir, 'spool'));
          expect(spooled.filter((k) => k.startsWith('records/'))).toHaveLength(2);
          expect(spooled.filter((k) => k.startsWith('blobs/'))).toHaveLength(2);
          // The checkpoint needs every stream head from the bucket: it waits for the next run, which covers these records.
          expect(spooled.filter((k) => k.startsWith('checkpoints/'))).toEqual([]);
          expect(first.stderr).toMatch(/checkpoint not written/);

          await s3.proxy.restore();
          const second = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
          expect(second.code).toBe(0);
          expect(await waitingInSpool(join(dir, 'spool'))).toEqual([]);
          // Eight, and the agent's config-change record.
          expect((await keys(bucket)).filter((k) => k.startsWith('prod/records/'))).toHaveLength(9);
          const ver = await runCli(['verify', '--config', config, '--json', '--trusted-key', join(dir, 'checkpoint.pub.pem')], { env: TEST_ENV });
          const report = JSON.parse(ver.stdout) as { ok: boolean; records: number; problems: unknown[]; checkpoints: { count: number } };
          expect(report.problems).toEqual([]);
          expect(report.records).toBe(9);
          expect(report.checkpoints.count).toBe(1);
          expect(ver.code).toBe(0);
        } finally {
          await s3.proxy.restore().catch(() => undefined);
          control.close();
        }
      });

      it('loses and duplicates nothing when the agent is killed with SIGKILL during uploads', async () => {
        const { dir, config, bucket } = await setup('locked', '{ count: 40, attach: true }');
        s3.proxy.delayMs = 15;
        const child = spawn(process.execPath, [BIN, 'snapshot', '--config', config], { env: { ...process.env, ...TEST_ENV }, stdio: 'ignore' });
        try {
          const deadline = Date.now() + 60_000;
          while ((await keys(bucket)).filter((k) => k.startsWith('prod/records/')).length < 3 && Date.now() < deadline) {
            await new Promise((r) => setTimeout(r, 50));
          }
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
        } finally {
          s3.proxy.delayMs = 0;
        }
        const leftInSpool = (await filesUnder(join(dir, 'spool'))).filter((k) => k.startsWith('records/'));
        const uploaded = (await keys(bucket)).filter((k) => k.startsWith('prod/records/')).map((k) => k.slice('prod/'.length));
        expect(uploaded.length).toBeGreaterThanOrEqual(3);
        expect(uploaded.length).toBeLessThan(40);

        const again = await runCli(['snapshot', '--config', config], { env: TEST_ENV });
        expect(again.code).toBe(0);
        const after = (await keys(bucket)).filter((k) => k.startsWith('prod/records/')).map((k) => k.slice('prod/'.length));
        for (const k of [...leftInSpool, ...uploaded]) expect(after).toContain(k);
        const ver = await runCli(['verify', '--config', config, '--json'], { env: TEST_ENV });
        const report = JSON.parse(ver.stdout) as { problems: unknown[]; records: number };
        expect(report.problems).toEqual([]);
        expect(report.records).toBe(after.length);
        expect(report.records).toBe(new Set([...uploaded, ...leftInSpool]).size + 40);
      });
    },
  );
}
