import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { policyConfig } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

describe('evidence-agent CLI (real process)', () => {
  it('prints help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/snapshot/);
    expect(r.stdout).toMatch(/verify/);
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['snapshot', '--no-such-flag'])).code).toBe(2);
  });

  it('snapshots into a file store, prints a table, and verify exits 0', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    const snap = await runCli(['snapshot', '--config', config]);
    expect(snap.stderr).not.toMatch(/"level":50/);
    expect(snap.code).toBe(0);
    expect(snap.stdout).toMatch(/STREAM\s+SUBJECT\s+STATUS\s+FINDINGS/);
    expect(snap.stdout).toMatch(/t1\/policies\s+policy-set:policies\s+pass\s+0/);
    const days = await readdir(join(dir, 'evidence/records/t1/policies'));
    expect(days).toHaveLength(1);
    const ver = await runCli(['verify', '--store', `file:${join(dir, 'evidence')}`]);
    expect(ver.code).toBe(0);
    // The policy record, and the agent's config-change record in t1/agent.
    expect(ver.stdout).toMatch(/2 records in 2 streams/);
  });

  it('prints one JSON record per line with --json, and logs JSON to stderr only', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    const r = await runCli(['snapshot', '--json', '--config', config]);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as { schema: string; stream: string; seq: number };
    expect(record).toMatchObject({ schema: 'evidence-agent/record/v1', stream: 't1/policies', seq: 0 });
    for (const line of r.stderr.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('exits 3 with --fail-on fail when a record fails, 0 without it', async () => {
    const dir = await tempDir();
    const config = await policyConfig(
      dir,
      '  - id: vendor\n    use: policy-documents\n    options: { paths: [policies/*.md], required: [vendor-management] }\n',
    );
    expect((await runCli(['snapshot', '--config', config])).code).toBe(0);
    expect((await runCli(['snapshot', '--config', config, '--fail-on', 'fail'])).code).toBe(3);
    expect((await runCli(['snapshot', '--config', config, '--only', 'policies', '--fail-on', 'fail'])).code).toBe(0);
  });

  it('exits 2 with the file, line and key on a bad config, and takes the config from the environment', async () => {
    const dir = await tempDir();
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'collectors:\n  - id: p\n    use: policy-documents\n    optoins: {}\n');
    const r = await runCli(['snapshot'], { env: { EVIDENCE_AGENT_CONFIG: file } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:4: collectors\[0\]\.optoins: unknown key/);
  });

  it('exits 4 and names the record when verify finds tampering', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    await runCli(['snapshot', '--config', config]);
    const dayDir = join(dir, 'evidence/records/t1/policies', (await readdir(join(dir, 'evidence/records/t1/policies')))[0]!);
    const file = join(dayDir, '000000000000.json');
    await chmod(file, 0o644);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"size":', '"size":1'));
    const r = await runCli(['verify', '--config', config, '--json']);
    expect(r.code).toBe(4);
    const report = JSON.parse(r.stdout) as { ok: boolean; problems: { kind: string; key: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'hash-mismatch', key: expect.stringMatching(/records\/t1\/policies\/.*\/000000000000\.json$/) });
  });

  it('exits 1 with a message that says what to do when the store cannot be written', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    await writeFile(join(dir, 'evidence'), 'a file where the store folder should be');
    const r = await runCli(['snapshot', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/evidence not written/);
    expect(r.stderr).toMatch(/run the snapshot again/);
  });

  it('lists the built-in collectors with their default controls', async () => {
    const r = await runCli(['collectors', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toContainEqual(expect.objectContaining({ type: 'policy-documents', controls: ['CC1.4', 'CC2.2', 'CC5.3'] }));
  });

  it('rejects a bad --from date with exit 2', async () => {
    const r = await runCli(['verify', '--store', 'file:/nonexistent', '--from', 'yesterday']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--from yesterday: expected a date/);
  });

  it('makes a key pair, signs a checkpoint with it, and verifies with the public key', async () => {
    const dir = await tempDir();
    const gen = await runCli(['keygen', '--out', join(dir, 'keys/cp')]);
    expect(gen.code).toBe(0);
    expect((await runCli(['keygen', '--out', join(dir, 'keys/cp')])).code).toBe(2);
    expect((await runCli(['keygen', '--out', join(dir, 'keys/cp'), '--if-missing'])).code).toBe(0);
    const config = await policyConfig(dir);
    await writeFile(config, (await readFile(config, 'utf8')).replace('collectors:', 'signing: { key: keys/cp.pem }\ncollectors:'));
    expect((await runCli(['snapshot', '--config', config])).code).toBe(0);
    const ok = await runCli(['verify', '--config', config, '--trusted-key', join(dir, 'keys/cp.pub.pem')]);
    expect(ok.stdout).toMatch(/Checkpoints: 1, .* signatures verified with the trusted key/);
    expect(ok.code).toBe(0);
    await runCli(['keygen', '--out', join(dir, 'other')]);
    const wrong = await runCli(['verify', '--config', config, '--trusted-key', join(dir, 'other.pub.pem')]);
    expect(wrong.code).toBe(4);
    expect(wrong.stdout).toMatch(/checkpoint-signature/);
  });

  it('exits 2 naming signing.key when the key file is missing', async () => {
    const dir = await tempDir();
    const config = await policyConfig(dir);
    await writeFile(config, (await readFile(config, 'utf8')).replace('collectors:', 'signing: { key: nope.pem }\ncollectors:'));
    const r = await runCli(['snapshot', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/signing\.key: cannot read .*nope\.pem.*evidence-agent keygen/);
  });
});
