import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { capturedLog } from '../../../test/helpers/captured-log.js';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ALICE, BOB, TestRepo } from './git-fixture.js';
import { CLAUDE, COPILOT, type GitHubStandIn, startGitHubStandIn, TOKEN, WEB_FLOW } from './github-standin.js';
import { codes, detailOf, fixedClock, runTrail } from './run.js';

let server: GitHubStandIn | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('commit-trail GitHub enrichment (against a loopback stand-in for the REST API)', () => {
  it('adds pull request approvals for changes git alone shows unreviewed, following review pages, and never records the token', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
    // Squashed in GitHub's UI: the git history names no reviewer.
    const squashed = await repo.commit({ message: 'Fix flaky test (#11)', at: '2026-02-01T10:00:00Z', author: COPILOT, committer: WEB_FLOW });
    // Alice's Claude change, merged by Alice herself; the approvals are on GitHub, over two pages.
    const aliceChange = await repo.commit({ message: `Cache tokens${CLAUDE}`, at: '2026-02-01T10:10:00Z', parents: [root] }, 'topic-12');
    const merge12 = await repo.merge(aliceChange, { message: 'Merge pull request #12 from acme/topic-12', at: '2026-02-01T10:11:00Z', committer: WEB_FLOW });
    const botOnly = await repo.commit({ message: 'Tweak (#13)', at: '2026-02-01T10:20:00Z', author: COPILOT, committer: WEB_FLOW });
    const selfApproved = await repo.commit({
      message: `Tune (#14)${CLAUDE}`,
      at: '2026-02-01T10:30:00Z',
      author: { name: 'Alice Human', email: '5+alice-h@users.noreply.github.com' },
      committer: WEB_FLOW,
    });
    const noPull = await repo.commit({ message: `Pushed directly${CLAUDE}`, at: '2026-02-01T10:40:00Z' });
    const reviewedInGit = await repo.commit({ message: `Reviewed${CLAUDE}\nReviewed-by: ${BOB.name} <${BOB.email}>`, at: '2026-02-01T10:50:00Z' });
    await repo.git(['remote', 'add', 'origin', 'https://github.com/acme/api.git']);

    server = await startGitHubStandIn({
      owner: 'acme',
      repo: 'api',
      token: TOKEN,
      pulls: {
        [squashed]: {
          number: 11,
          author: 'Copilot',
          mergeCommit: squashed,
          reviewPages: [
            [
              { login: 'bob-h', state: 'COMMENTED' },
              { login: 'bob-h', state: 'APPROVED' },
            ],
          ],
        },
        [merge12]: {
          number: 12,
          author: 'alice-h',
          mergeCommit: merge12,
          reviewPages: [
            [{ login: 'bob-h', state: 'APPROVED' }],
            [
              { login: 'bob-h', state: 'CHANGES_REQUESTED' },
              { login: 'carol-m', state: 'APPROVED' },
            ],
          ],
        },
        [botOnly]: {
          number: 13,
          author: 'Copilot',
          mergeCommit: botOnly,
          reviewPages: [[{ login: 'copilot-pull-request-reviewer[bot]', type: 'Bot', state: 'APPROVED' }]],
        },
        [selfApproved]: { number: 14, author: 'alice-h', mergeCommit: selfApproved, reviewPages: [[{ login: 'alice-h', state: 'APPROVED' }]] },
      },
    });
    const captured = capturedLog();
    const r = (
      await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], github: { token: TOKEN, apiUrl: server.url } }, fixedClock(), 'commits', {
        log: captured.log,
      })
    ).records[0]!;

    expect(detailOf(r, squashed)).toMatchObject({
      review: 'explicit',
      reviewers: [{ name: 'bob-h', email: null, via: 'github', counted: true, pullRequest: 11, mergedAt: '2026-02-01T11:00:00Z' }],
    });
    // bob-h's later change request withdrew his approval; carol-m's approval on page 2 stands.
    expect(detailOf(r, aliceChange)).toMatchObject({ landedBy: merge12, review: 'explicit', reviewers: [{ name: 'carol-m', via: 'github', counted: true }] });
    expect(detailOf(r, botOnly).reviewers).toMatchObject([
      { name: 'copilot-pull-request-reviewer[bot]', email: null, via: 'github', counted: false, reason: 'agent' },
    ]);
    expect(detailOf(r, selfApproved).reviewers).toMatchObject([{ name: 'alice-h', email: null, via: 'github', counted: false, reason: 'self' }]);
    // A Reviewed-by the change itself carries is its author's claim, and GitHub knows no pull request for it.
    expect(detailOf(r, reviewedInGit)).toMatchObject({ review: 'none', reviewers: [{ name: BOB.name, via: 'reviewed-by', counted: false, reason: 'claim' }] });
    expect(codes(r)).toEqual(
      [
        `agent-commit-unreviewed:${botOnly}`,
        `agent-commit-unreviewed:${selfApproved}`,
        `agent-commit-unreviewed:${noPull}`,
        `agent-commit-unreviewed:${reviewedInGit}`,
        `reviewer-is-agent:${botOnly}`,
        `self-approved:${selfApproved}`,
        `self-asserted-review:${reviewedInGit}`,
      ].sort(),
    );
    expect(r.data.github).toEqual({ pullRequests: 4, unavailable: false });

    // Asked about every landing of an agent change, once each, with the token in the header.
    const asked = server.requests.filter((q) => q.includes('/commits/')).map((q) => q.split('/')[5]);
    expect(asked.sort()).toEqual([squashed, merge12, botOnly, selfApproved, noPull, reviewedInGit].sort());
    expect(server.requests).toContain('GET /repos/acme/api/pulls/12/reviews?per_page=100&page=2');
    expect(new Set(server.authorizations)).toEqual(new Set([`Bearer ${TOKEN}`]));
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(captured.text()).not.toContain(TOKEN);
  });

  it('goes on from git alone, saying so once, when the API refuses', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    const a = await repo.commit({ message: `One${CLAUDE}`, at: '2026-02-01T10:00:00Z' });
    const b = await repo.commit({ message: `Two${CLAUDE}`, at: '2026-02-01T10:01:00Z' });
    server = await startGitHubStandIn({ owner: 'acme', repo: 'api', token: 'the-right-token', pulls: {} });
    const captured = capturedLog();
    const r = (
      await runTrail(
        dir,
        { repos: [{ path: 'repo', branch: 'main', github: 'acme/api' }], github: { token: TOKEN, apiUrl: server.url } },
        fixedClock(),
        'commits',
        { log: captured.log },
      )
    ).records[0]!;
    expect(codes(r)).toEqual([`agent-commit-unreviewed:${a}`, `agent-commit-unreviewed:${b}`, 'github-unavailable:'].sort());
    // The first call, for the repository itself, is refused: nothing more is asked.
    expect(r.findings.find((f) => f.code === 'github-unavailable')!.message).toMatch(/GitHub answered 401 to GET \/repos\/acme\/api$/);
    expect(server.requests).toHaveLength(1);
    expect(r.data.github).toEqual({ pullRequests: 0, unavailable: true });
    expect(r.status).toBe('fail');
    expect(JSON.stringify(r)).not.toContain(TOKEN);
    expect(captured.text()).not.toContain(TOKEN);
  });

  it('says which option to set when it cannot tell the GitHub repository', async () => {
    const dir = await tempDir();
    const repo = await TestRepo.create(join(dir, 'repo'));
    await repo.commit({ message: `One${CLAUDE}`, at: '2026-02-01T10:00:00Z', author: ALICE });
    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], github: { token: TOKEN, apiUrl: 'http://127.0.0.1:1' } })).records[0]!;
    expect(r.findings.find((f) => f.code === 'github-unavailable')!.message).toMatch(/set `github: owner\/name`/);
  });
});
