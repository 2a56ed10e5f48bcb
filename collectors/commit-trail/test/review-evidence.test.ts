import { execFile, spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ALICE, BOB, TestRepo, type Who } from './git-fixture.js';
import { codes, detailOf, runTrail } from './run.js';

const run = promisify(execFile);
// Only a failure to start says it is missing; ssh-keygen exits 1 on a usage request.
const sshKeygen = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

const CLAUDE = '\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';
const CURSOR: Who = { name: 'Cursor Agent', email: 'cursoragent@cursor.com' };
const REVIEWED_BY_BOB = `Reviewed-by: ${BOB.name} <${BOB.email}>`;

describe('commit-trail: a review trailer typed by the change’s author or an agent is a claim', () => {
  it('does not count Reviewed-by in an agent commit pushed straight to the branch, nor in a merge made by its author or an agent', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    const direct = await repo.commit({ message: `Hotfix${CLAUDE}\n${REVIEWED_BY_BOB}`, at: '2026-02-01T10:00:00Z' });
    const mine = await repo.commit({ message: `Tune${CLAUDE}`, at: '2026-02-01T10:10:00Z', parents: [root] }, 'mine');
    const mergedByAuthor = await repo.merge(mine, { message: `Merge mine\n\n${REVIEWED_BY_BOB}`, at: '2026-02-01T10:11:00Z', author: ALICE });
    const cursors = await repo.commit({ message: 'Refactor', at: '2026-02-01T10:20:00Z', author: CURSOR, parents: [root] }, 'cursor');
    const mergedByAgent = await repo.merge(cursors, { message: `Merge cursor\n\n${REVIEWED_BY_BOB}`, at: '2026-02-01T10:21:00Z', author: CURSOR });

    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }] })).records[0]!;
    expect(r.status).toBe('fail');
    expect(codes(r)).toEqual(
      [
        `agent-commit-unreviewed:${direct}`,
        `agent-commit-unreviewed:${mine}`,
        `agent-commit-unreviewed:${cursors}`,
        `self-asserted-review:${direct}`,
        `self-asserted-review:${mergedByAuthor}`,
        `self-asserted-review:${mergedByAgent}`,
      ].sort(),
    );
    const claim = { name: BOB.name, email: BOB.email, via: 'reviewed-by', counted: false, reason: 'claim' };
    expect(detailOf(r, direct)).toMatchObject({ review: 'none', reviewers: [claim] });
    expect(detailOf(r, mine)).toMatchObject({ landedBy: mergedByAuthor, review: 'none', reviewers: [claim] });
    expect(detailOf(r, cursors)).toMatchObject({ landedBy: mergedByAgent, review: 'none', reviewers: [claim] });
    expect(r.data.review).toMatchObject({ required: 3, missing: 3 });
  });
});

describe('commit-trail: commit times an auditor cannot take at face value', () => {
  it('ends a range that ends now at the tip, so an agent commit dated in the future is judged and reported, not left out', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    const future = await repo.commit({ message: `Backdoor${CLAUDE}\n${REVIEWED_BY_BOB}`, at: '2027-06-01T00:00:00Z' });

    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }] })).records[0]!;
    expect(r.data.repository).toMatchObject({ tip: { commit: future, time: '2027-06-01T00:00:00Z' } });
    expect(r.data.range).toMatchObject({ to: { commit: future } });
    expect(detailOf(r, future)).toMatchObject({ class: 'agent', review: 'none' });
    expect(codes(r)).toEqual([`agent-commit-unreviewed:${future}`, `commit-time-future:${future}`, `self-asserted-review:${future}`].sort());
    expect(r.status).toBe('fail');
  });

  it('reports first-parent commits dated before the previous range ended, or before their parent', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'one', at: '2026-02-01T10:00:00Z' });
    const options = { repos: [{ path: 'repo', branch: 'main' }] };
    await runTrail(dir, options);
    const backdated = await repo.commit({ message: 'backdated', at: '2026-01-15T10:00:00Z' });
    const after = await repo.commit({ message: 'after', at: '2026-01-10T10:00:00Z' });
    const r = (await runTrail(dir, options)).records[0]!;
    expect(codes(r)).toEqual([`commit-time-backwards:${after}`, `commit-time-outside-range:${after}`, `commit-time-outside-range:${backdated}`].sort());
    expect(r.status).toBe('pass');
  });
});

async function keyPair(dir: string, name: string): Promise<{ key: string; pub: string }> {
  const key = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: (await readFile(`${key}.pub`, 'utf8')).trim() };
}

describe.skipIf(!sshKeygen)('commit-trail review.requireSigned (skipped: ssh-keygen is not installed, so no SSH key can be made)', () => {
  it("counts a merge signed by the merger's allowed key, and neither an unsigned merge nor one signed by another key", async () => {
    const dir = await tempDir();
    const bob = await keyPair(dir, 'bob');
    const mallory = await keyPair(dir, 'mallory');
    await writeFile(join(dir, 'allowed_signers'), `${BOB.email} ${bob.pub}\nmallory@example.com ${mallory.pub}\n`);
    const repo = await TestRepo.create(join(dir, 'repo'));
    const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    const signedChange = await repo.commit({ message: `Signed merge${CLAUDE}`, at: '2026-02-01T10:00:00Z', parents: [root] }, 'a');
    const signedMerge = await repo.merge(signedChange, { message: 'Merge a', at: '2026-02-01T10:01:00Z', author: BOB, signWith: bob.key });
    const unsignedChange = await repo.commit({ message: `Unsigned merge${CLAUDE}`, at: '2026-02-01T10:10:00Z', parents: [root] }, 'b');
    const unsignedMerge = await repo.merge(unsignedChange, { message: `Merge b\n\n${REVIEWED_BY_BOB}`, at: '2026-02-01T10:11:00Z', author: BOB });
    const otherKeyChange = await repo.commit({ message: `Other key${CLAUDE}`, at: '2026-02-01T10:20:00Z', parents: [root] }, 'c');
    const otherKeyMerge = await repo.merge(otherKeyChange, { message: 'Merge c', at: '2026-02-01T10:21:00Z', author: BOB, signWith: mallory.key });

    const options = { repos: [{ path: 'repo', branch: 'main' }], allowedSigners: 'allowed_signers', review: { requireSigned: true } };
    const r = (await runTrail(dir, options)).records[0]!;
    expect(detailOf(r, signedChange)).toMatchObject({
      review: 'implicit',
      reviewers: [{ name: BOB.name, email: BOB.email, via: 'implicit', counted: true, form: 'signed-commit' }],
    });
    expect(detailOf(r, unsignedChange)).toMatchObject({
      review: 'none',
      reviewers: [
        { name: BOB.name, via: 'reviewed-by', counted: false, reason: 'unsigned', form: 'unsigned' },
        { name: BOB.name, via: 'implicit', counted: false, reason: 'unsigned', form: 'unsigned' },
      ],
    });
    expect(detailOf(r, otherKeyChange)).toMatchObject({ review: 'none', reviewers: [{ via: 'implicit', counted: false, form: 'unsigned' }] });
    expect(codes(r)).toEqual(
      [
        `agent-commit-unreviewed:${unsignedChange}`,
        `agent-commit-unreviewed:${otherKeyChange}`,
        `unsigned-review:${unsignedMerge}`,
        `unsigned-review:${otherKeyMerge}`,
      ].sort(),
    );
    expect(r.data.review).toMatchObject({ required: 3, implicit: 1, missing: 2, requirements: { signed: true, selfAssertedTrailers: 'claim' } });
    // Commit signatures themselves are not required: only reviews must be attributable.
    expect(r.data.signing).toEqual({ required: false, checked: 0, unsigned: 0 });
    expect(signedMerge).not.toBe(otherKeyMerge);
  });
});
