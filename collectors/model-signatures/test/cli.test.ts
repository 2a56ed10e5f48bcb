import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/package-root.js';
import { runCli } from '../../../test/helpers/cli.js';
import { tempDir } from '../../../test/helpers/tmp.js';

const FIXTURES = resolve(PACKAGE_ROOT, '../shared/fixtures/model-transparency');

describe('evidence-agent model sign / verify (real process)', () => {
  it('signs a folder and verifies it: exit 0, then exit 4 with the reason once a file changes', async () => {
    const dir = await tempDir();
    const model = join(dir, 'm');
    await mkdir(model);
    await writeFile(join(model, 'w.bin'), 'weights');
    expect((await runCli(['keygen', '--out', join(dir, 'release')])).code).toBe(0);
    const signed = await runCli(['model', 'sign', model, '--key', join(dir, 'release.pem'), '--name', 'demo-model']);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(/signed 1 files: .*model\.sig\nsubject digest sha256:[0-9a-f]{64}/);
    const ok = await runCli(['model', 'verify', model, '--public-key', join(dir, 'release.pub.pem')]);
    expect(ok.stdout).toMatch(/^OK: 1 files match the signature by [0-9a-f]{64}/);
    expect(ok.code).toBe(0);
    await writeFile(join(model, 'w.bin'), 'weightz');
    const bad = await runCli(['model', 'verify', model, '--public-key', join(dir, 'release.pub.pem'), '--json']);
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, findings: [{ code: 'file-digest-mismatch', ref: 'w.bin' }] });
  });

  it('exits 2 when the verification method is ambiguous or incomplete', async () => {
    expect((await runCli(['model', 'verify', '/tmp', '--public-key', 'a.pem', '--identity', 'x'])).code).toBe(2);
    expect((await runCli(['model', 'verify', '/tmp', '--identity', 'x'])).stderr).toMatch(/needs both --identity and --issuer/);
  });

  it.skipIf(!existsSync(FIXTURES))('verifies an OpenSSF fixture by key and by Sigstore identity (skipped without ../shared fixtures)', async () => {
    const key = await runCli([
      'model',
      'verify',
      join(FIXTURES, 'v1.1.0-elliptic-key'),
      '--public-key',
      join(FIXTURES, 'keys/certificate/signing-key-pub.pem'),
    ]);
    expect(key.code).toBe(0);
    const keyless = await runCli([
      'model',
      'verify',
      join(FIXTURES, 'v1.0.1-sigstore'),
      '--identity',
      'stefanb@us.ibm.com',
      '--issuer',
      'https://sigstore.verify.ibm.com/oauth2',
      '--ignore-paths',
      'ignore-me',
    ]);
    expect(keyless.stdout).toMatch(/OK: 2 files match the signature by stefanb@us\.ibm\.com/);
    expect(keyless.code).toBe(0);
  });
});
