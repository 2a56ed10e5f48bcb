import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { BOB, TestRepo } from './git-fixture.js';
import { CLAUDE, COPILOT, type GitHubStandIn, startGitHubStandIn, TOKEN, WEB_FLOW } from './github-standin.js';
import { codes, detailOf, runTrail } from './run.js';

let server: GitHubStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('commit-trail pull request approvals an auditor can rely on (against a loopback stand-in for the GitHub REST API)', () => {
  it('asks about every agent change, and counts neither an approval of an older head nor one given after the merge', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    const head = 'a'.repeat(40);
    const older = 'b'.repeat(40);
    // Squashed in GitHub's UI, so git names no reviewer; each pull request's head was `head` when merged at 11:00.
    const fresh = await repo.commit({ message: 'Fresh (#21)', at: '2026-02-01T11:00:00Z', author: COPILOT, committer: WEB_FLOW });
    const stale = await repo.commit({ message: 'Stale (#22)', at: '2026-02-01T11:10:00Z', author: COPILOT, committer: WEB_FLOW });
    const late = await repo.commit({ message: 'Late (#23)', at: '2026-02-01T11:20:00Z', author: COPILOT, committer: WEB_FLOW });
    // Merged by Bob with his Reviewed-by: git shows a review, but the forge is asked all the same.
    const side = await repo.commit({ message: `Side${CLAUDE}`, at: '2026-02-01T11:30:00Z', parents: [root] }, 'topic');
    const merged = await repo.merge(side, {
      message: `Merge pull request #24\n\nReviewed-by: ${BOB.name} <${BOB.email}>`,
      at: '2026-02-01T11:31:00Z',
      author: BOB,
    });
    await repo.git(['remote', 'add', 'origin', `https://x-access-token:${TOKEN}@github.com/acme/api.git`]);

    const pull = (number: number, mergeCommit: string, review: { at?: string; commit?: string } = {}) => ({
      number,
      author: 'Copilot',
      mergeCommit,
      head,
      mergedAt: '2026-02-01T12:00:00Z',
      reviewPages: [[{ login: 'bob-h', state: 'APPROVED' as const, at: '2026-02-01T11:55:00Z', ...review }]],
    });
    server = await startGitHubStandIn({
      owner: 'acme',
      repo: 'api',
      token: TOKEN,
      repositoryId: 424242,
      pulls: {
        [fresh]: pull(21, fresh),
        [stale]: pull(22, stale, { commit: older }),
        [late]: pull(23, late, { at: '2026-02-01T12:30:00Z' }),
        [merged]: { ...pull(24, merged), author: 'alice-h' },
      },
    });
    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], github: { token: TOKEN, apiUrl: server.url } })).records[0]!;

    const facts = { pullRequest: 21, approvedAt: '2026-02-01T11:55:00Z', approvedCommit: head, mergedHead: head, mergedAt: '2026-02-01T12:00:00Z' };
    expect(detailOf(r, fresh)).toMatchObject({ review: 'explicit', reviewers: [{ name: 'bob-h', via: 'github', counted: true, ...facts }] });
    expect(detailOf(r, stale)).toMatchObject({
      review: 'none',
      reviewers: [{ name: 'bob-h', via: 'github', counted: false, reason: 'stale', pullRequest: 22, approvedCommit: older, mergedHead: head }],
    });
    expect(detailOf(r, late)).toMatchObject({
      review: 'none',
      reviewers: [{ name: 'bob-h', via: 'github', counted: false, reason: 'after-merge', pullRequest: 23, approvedAt: '2026-02-01T12:30:00Z' }],
    });
    expect(detailOf(r, side).reviewers).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'bob-h', via: 'github', counted: true })]));
    expect(codes(r)).toEqual(
      [`agent-commit-unreviewed:${stale}`, `agent-commit-unreviewed:${late}`, `stale-approval:${stale}`, `approval-after-merge:${late}`].sort(),
    );
    // Every agent change was asked about, the one git shows reviewed too.
    const asked = server.requests.filter((q) => q.includes('/commits/')).map((q) => q.split('/')[5]);
    expect(asked.sort()).toEqual([fresh, stale, late, merged].sort());

    // The source system: the remote without its token, the forge's own id, the tip as read, and the rules applied.
    expect(r.data.repository).toEqual({
      location: 'repo',
      branch: 'main',
      url: 'https://github.com/acme/api.git',
      tip: { commit: merged, time: '2026-02-01T11:31:00Z' },
      forge: { system: 'github', apiUrl: server.url, repository: 'acme/api', id: 424242, protection: expect.objectContaining({ protected: false }) },
    });
    expect(r.data.review).toMatchObject({
      requirements: { classes: { agent: true, human: false, bot: false }, implicit: true, signed: false, forge: 'github', selfAssertedTrailers: 'claim' },
    });
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it("records the branch's protection rules as the forge gives them, and says when it cannot read them", async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    server = await startGitHubStandIn({
      owner: 'acme',
      repo: 'api',
      token: TOKEN,
      pulls: {},
      protection: {
        main: {
          required_status_checks: null,
          required_pull_request_reviews: {
            dismiss_stale_reviews: true,
            require_code_owner_reviews: true,
            required_approving_review_count: 2,
            require_last_push_approval: false,
          },
          enforce_admins: { url: 'https://api.github.com/repos/acme/api/branches/main/protection/enforce_admins', enabled: false },
          allow_force_pushes: { enabled: false },
        },
      },
    });
    const options = { repos: [{ path: 'repo', branch: 'main', github: 'acme/api' }], github: { token: TOKEN, apiUrl: server.url } };
    const r = (await runTrail(dir, options)).records[0]!;
    expect(r.data.repository).toMatchObject({
      url: null,
      forge: {
        id: 700001,
        protection: {
          protected: true,
          requiredApprovals: 2,
          dismissStaleReviews: true,
          requireCodeOwnerReviews: true,
          requireLastPushApproval: false,
          adminsBound: false,
        },
      },
    });
    expect(r.findings).toEqual([]);
    await server.close();

    // A token without administration access: the repository reads, the protection rules do not.
    server = await startGitHubStandIn({ owner: 'acme', repo: 'api', token: TOKEN, pulls: {}, protectionStatus: 403 });
    const denied = (
      await runTrail(join(dir, 'denied'), {
        ...options,
        repos: [{ path: join(dir, 'repo'), branch: 'main', github: 'acme/api' }],
        github: { token: TOKEN, apiUrl: server.url },
      })
    ).records[0]!;
    expect(denied.data.repository).toMatchObject({ forge: { id: 700001, protection: null } });
    expect(denied.findings.map((f) => f.code)).toEqual(['branch-protection-unknown']);
    expect(denied.findings[0]!.message).toMatch(/GitHub answered 403 to GET \/repos\/acme\/api\/branches\/main\/protection/);
  });

  it('with review.requireSigned, counts a forge approval by a human account and not one by an app', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    const byUser = await repo.commit({ message: 'By user (#31)', at: '2026-02-01T11:00:00Z', author: COPILOT, committer: WEB_FLOW });
    server = await startGitHubStandIn({
      owner: 'acme',
      repo: 'api',
      token: TOKEN,
      pulls: { [byUser]: { number: 31, author: 'Copilot', mergeCommit: byUser, reviewPages: [[{ login: 'bob-h', state: 'APPROVED' }]] } },
    });
    const options = {
      repos: [{ path: 'repo', branch: 'main', github: 'acme/api' }],
      github: { token: TOKEN, apiUrl: server.url },
      review: { requireSigned: true },
    };
    const r = (await runTrail(dir, options)).records[0]!;
    expect(detailOf(r, byUser)).toMatchObject({ review: 'explicit', reviewers: [{ name: 'bob-h', counted: true, form: 'forge-account' }] });
    expect(r.status).toBe('pass');
  });
});
