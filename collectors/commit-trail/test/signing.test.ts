import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ALICE, TestRepo } from './git-fixture.js';
import { codes, detailOf, runTrail } from './run.js';

const run = promisify(execFile);
// Only a failure to start says it is missing; ssh-keygen exits 1 on a usage request.
const sshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

async function keyPair(dir: string, name: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: (await readFile(`${key}.pub`, 'utf8')).trim() };
}

describe.skipIf(!sshKeygen)('commit-trail signatures (skipped: ssh-keygen is not installed, so no SSH key can be made)', () => {
  it('checks signatures only when required, and fails on commits without a valid one', async () => {
    const dir = await tempDir();
    const trusted = await keyPair(dir, 'trusted');
    const stranger = await keyPair(dir, 'stranger');
    await writeFile(join(dir, 'allowed_signers'), `${ALICE.email} ${trusted.pub}\n`);
    const repo = await TestRepo.create(join(dir, 'repo'));
    const signed = await repo.commit({ message: 'signed', at: '2026-02-01T10:00:00Z', signWith: trusted.key });
    const unsigned = await repo.commit({ message: 'unsigned', at: '2026-02-01T10:01:00Z' });
    const unknownKey = await repo.commit({ message: 'signed by a key nobody allowed', at: '2026-02-01T10:02:00Z', signWith: stranger.key });

    const required = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], requireSigned: true, allowedSigners: 'allowed_signers' })).records[0]!;
    expect(detailOf(required, signed).signature).toBe('good');
    expect(detailOf(required, unsigned).signature).toBe('none');
    expect(detailOf(required, unknownKey).signature).toBe('untrusted');
    expect(codes(required)).toEqual([`unsigned-commit:${unknownKey}`, `unsigned-commit:${unsigned}`].sort());
    expect(required.status).toBe('fail');
    expect(required.data.signing).toEqual({ required: true, checked: 3, unsigned: 2 });
    expect(required.summary).toMatch(/2 are not validly signed/);

    const notRequired = (await runTrail(join(dir, 'other'), { repos: [{ path: join(dir, 'repo'), branch: 'main' }] })).records[0]!;
    expect(detailOf(notRequired, signed).signature).toBeNull();
    expect(notRequired.data.signing).toEqual({ required: false, checked: 0, unsigned: 0 });
    expect(notRequired.status).toBe('pass');
  });

  it('passes when every commit is signed by an allowed key', async () => {
    const dir = await tempDir();
    const trusted = await keyPair(dir, 'trusted');
    await writeFile(join(dir, 'allowed_signers'), `${ALICE.email} ${trusted.pub}\n`);
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z', signWith: trusted.key });
    await repo.commit({ message: 'two', at: '2026-02-01T10:01:00Z', signWith: trusted.key });
    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], requireSigned: true, allowedSigners: 'allowed_signers' })).records[0]!;
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
    expect(r.summary).toMatch(/all are validly signed/);
  });

  it('reports a missing allowed signers file as an error rather than as unsigned commits', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], requireSigned: true, allowedSigners: 'nope' })).records[0]!;
    expect(r.status).toBe('error');
    expect(r.findings[0]!.message).toBe(`the allowed signers file ${join(dir, 'nope')} does not exist`);
  });
});
