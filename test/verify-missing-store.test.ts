import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { type GcsStandIn, startGcsStandIn } from './servers/gcs-standin.js';
import { createBucket, TEST_ENV } from './servers/s3-buckets.js';
import { S3_SERVERS, useS3Server } from './servers/s3-servers.js';

interface Report {
  ok: boolean;
  records: number;
  problems: { kind: string; key: string; message: string }[];
}

describe('verify of a store that is not there, or holds nothing (built CLI)', () => {
  it('exits 2 for a folder that does not exist, naming it, and says nothing is OK', async () => {
    const missing = join(await tempDir(), 'evidnce');
    const r = await runCli(['verify', '--store', `file:${missing}`]);
    expect(r.stderr).toContain(`store file:${missing} does not exist: check the folder --store file:${missing} names`);
    expect(r.stdout).not.toMatch(/OK/);
    expect(r.code).toBe(2);
  });

  it('exits 2 for a store path that is a file, and for a config whose store.url names no folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'evidence'), 'not a folder');
    const file = await runCli(['verify', '--store', `file:${join(dir, 'evidence')}`]);
    expect(file.stderr).toMatch(/is not a folder/);
    expect(file.code).toBe(2);
    const config = join(dir, 'agent.yaml');
    await writeFile(config, 'agent: { id: a1 }\nstore: { url: file:./elsewhere }\ncollectors: []\n');
    const configured = await runCli(['verify', '--config', config]);
    expect(configured.stderr).toContain(`store file:${join(dir, 'elsewhere')} does not exist: check the folder store.url in the config names`);
    expect(configured.code).toBe(2);
  });

  it('exits 4 for a folder that holds no records, as holding no evidence, unless --allow-empty', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'records'));
    const text = await runCli(['verify', '--store', `file:${dir}`]);
    expect(text.stdout).toMatch(/empty-store {2}records\/ {2}file:.* holds no records, so it holds no evidence/);
    expect(text.code).toBe(4);
    const json = await runCli(['verify', '--store', `file:${dir}`, '--json']);
    expect((JSON.parse(json.stdout) as Report).problems).toEqual([expect.objectContaining({ kind: 'empty-store', key: 'records/' })]);
    const allowed = await runCli(['verify', '--store', `file:${dir}`, '--allow-empty', '--json']);
    expect(JSON.parse(allowed.stdout) as Report).toMatchObject({ ok: true, records: 0, problems: [] });
    expect(allowed.code).toBe(0);
  });
});

for (const kind of S3_SERVERS) {
  describe.skipIf(kind.unavailable !== null)(
    `verify of a missing or empty bucket on ${kind.name}${kind.unavailable ? ` (skipped: ${kind.unavailable})` : ''}`,
    () => {
      const s3 = useS3Server(kind);

      const env = () => ({ ...TEST_ENV, AWS_ENDPOINT_URL: s3.server.endpoint });

      it('exits 2 for a bucket that does not exist, naming it and what to check', async () => {
        const url = `s3://ev-missing-${process.pid}/prod`;
        const r = await runCli(['verify', '--store', url], { env: env() });
        expect(r.stderr).toMatch(new RegExp(`store ${url} cannot be listed \\(.+\\): check that the bucket --store ${url} names exists`));
        expect(r.code).toBe(2);
      });

      it('exits 4 for a bucket prefix that holds no records', async () => {
        const bucket = `ev-empty-${process.pid}`;
        await createBucket(s3.client, bucket, 'locked');
        const r = await runCli(['verify', '--store', `s3://${bucket}/typo`, '--json'], { env: env() });
        expect((JSON.parse(r.stdout) as Report).problems).toEqual([expect.objectContaining({ kind: 'empty-store' })]);
        expect(r.code).toBe(4);
      });
    },
  );
}

describe('verify of a missing GCS bucket (stand-in)', () => {
  let standIn: GcsStandIn;
  beforeAll(async () => {
    standIn = await startGcsStandIn({ buckets: { evidence: { retentionSeconds: 400 * 86_400, locked: true } } });
  });
  afterAll(async () => {
    await standIn?.close();
  });

  it('exits 2 for a bucket that does not exist and 4 for an existing one that holds no records', async () => {
    const dir = await tempDir();
    const config = (bucket: string) => `agent: { id: a1 }\nstore: { url: gs://${bucket}/prod, gcs: { apiEndpoint: ${standIn.url} } }\ncollectors: []\n`;
    await writeFile(join(dir, 'missing.yaml'), config('nosuch'));
    await writeFile(join(dir, 'empty.yaml'), config('evidence'));
    const missing = await runCli(['verify', '--config', join(dir, 'missing.yaml')]);
    expect(missing.stderr).toMatch(
      /store gs:\/\/nosuch\/prod cannot be listed \(.*bucket does not exist.*\): check that the bucket store\.url in the config names exists/,
    );
    expect(missing.code).toBe(2);
    const empty = await runCli(['verify', '--config', join(dir, 'empty.yaml'), '--json']);
    expect((JSON.parse(empty.stdout) as Report).problems).toEqual([expect.objectContaining({ kind: 'empty-store' })]);
    expect(empty.code).toBe(4);
  });
});
