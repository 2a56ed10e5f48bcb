import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkOptions } from '../../../src/collector/registry.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import commitTrail from '../index.js';
import { scrubCredentials } from '../observe/credentials.js';
import { TestRepo } from './git-fixture.js';
import { runTrail } from './run.js';

describe('commit-trail on repositories it cannot read', () => {
  it('gives each unreadable repository a clear error record and still records the others', async () => {
    const dir = await tempDir();
    const good = await TestRepo.create(join(dir, 'good'));
    await good.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    await mkdir(join(dir, 'plain'));
    await mkdir(join(dir, 'good', 'src'));
    await writeFile(join(dir, 'file.txt'), 'not a folder');
    const detached = await TestRepo.create(join(dir, 'detached'));
    const d1 = await detached.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    await detached.git(['checkout', '-q', '--detach', d1]);
    await TestRepo.create(join(dir, 'empty'));
    await good.git(['clone', '-q', '--bare', '.', join(dir, 'bare.git')]);

    const { records } = await runTrail(dir, {
      repos: [
        { path: 'missing' },
        { path: 'plain', branch: 'main' },
        { path: 'good/src', branch: 'main' },
        { path: 'file.txt' },
        { path: 'good', branch: 'release' },
        { path: 'detached' },
        { path: 'empty' },
        { path: 'good/.git/objects', branch: 'main' },
        { path: 'bare.git/refs', branch: 'main' },
        { path: 'good', branch: 'main' },
        { path: 'bare.git', branch: 'main' },
      ],
    });
    expect(records.map((r) => `${r.status} ${r.subject.kind} ${r.subject.id}`)).toEqual([
      'error git-repository missing#HEAD',
      'error git-repository plain#main',
      'error git-repository good/src#main',
      'error git-repository file.txt#HEAD',
      'error git-repository good#release',
      'error git-repository detached#HEAD',
      'error git-repository empty#HEAD',
      'error git-repository good/.git/objects#main',
      'error git-repository bare.git/refs#main',
      'pass git-repository good#main',
      'pass git-repository bare.git#main',
    ]);
    const messages = records.slice(0, 9).map((r) => r.findings[0]!.message);
    expect(messages[0]).toBe(`the repository path ${join(dir, 'missing')} does not exist`);
    expect(messages[1]).toBe(`${join(dir, 'plain')} is not a git repository`);
    expect(messages[2]).toMatch(/is not a git repository \(it is a folder inside .*good\)/);
    expect(messages[3]).toMatch(/is not a folder/);
    expect(messages[4]).toBe('branch release does not exist or has no commits');
    expect(messages[5]).toMatch(/HEAD is detached/);
    expect(messages[6]).toBe('branch main does not exist or has no commits');
    expect(messages[7]).toMatch(/objects is not a git repository \(it is a folder inside .*good\/\.git\)$/);
    expect(messages[8]).toMatch(/refs is not a git repository \(it is a folder inside .*bare\.git\)$/);
    expect(records.slice(0, 9).every((r) => r.findings[0]!.code === 'repository-unavailable')).toBe(true);
    expect(records[0]!.summary).toMatch(/^The commit trail of missing could not be read/);
  });

  it('reports an unreachable remote without the credentials in its URL', async () => {
    const dir = await tempDir();
    // Port 1 on loopback refuses at once; nothing leaves the machine.
    const url = 'http://ci-user:s3cr3t-token@127.0.0.1:1/acme/api.git';
    const { records } = await runTrail(dir, { repos: [{ url, branch: 'main' }] });
    expect(records).toHaveLength(1);
    expect(records[0]!.status).toBe('error');
    expect(records[0]!.subject.id).toBe('http://127.0.0.1:1/acme/api.git#main');
    expect(records[0]!.findings[0]!.message).toMatch(/^cannot fetch http:\/\/127\.0\.0\.1:1\/acme\/api\.git: fatal: unable to access/);
    expect(JSON.stringify(records[0])).not.toContain('s3cr3t-token');
  });

  it('scrubs user and password from any URL in a message', () => {
    expect(scrubCredentials("fatal: unable to access 'https://ci:tok3n@git.example.com/a.git/': 403")).toBe(
      "fatal: unable to access 'https://git.example.com/a.git/': 403",
    );
    expect(scrubCredentials('see http://u@h/x and HTTPS://a:b@h/y')).toBe('see http://h/x and HTTPS://h/y');
  });

  it('rejects options of the wrong shape before anything runs', () => {
    const problems = (o: unknown) => checkOptions(commitTrail, o).problems.map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems({})).toEqual(["options: must have required property 'repos'"]);
    expect(problems({ repos: [{ path: 'x', branch: '--output=/etc/passwd' }] }).join('\n')).toMatch(/must match pattern/);
    expect(problems({ repos: [{ path: 'x' }], window: { days: 1, since: '2026-01-01' } }).join('\n')).toMatch(/must NOT be valid/);
    expect(problems({ repos: [{ path: 'x' }], requireSigned: 'yes' }).join('\n')).toMatch(/requireSigned: must be boolean/);
    const filled = checkOptions(commitTrail, { repos: [{ path: 'x' }] }).options;
    expect(filled).toEqual({
      repos: [{ path: 'x' }],
      agents: { extraEmails: [], extraNames: [], extraTrailers: [] },
      maintenanceBots: ['dependabot[bot]', 'renovate[bot]', 'github-actions[bot]'],
      requireReview: { agent: true, human: false, bot: false },
      implicitReview: true,
      requireSigned: false,
      review: { requireSigned: false },
    });
  });
});
