import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { ALICE, BOB, TestRepo, type Who } from './git-fixture.js';
import { codes, detailOf, runTrail } from './run.js';

const CLAUDE = '\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';
const COPILOT: Who = { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com' };
const WEB_FLOW: Who = { name: 'GitHub', email: 'noreply@github.com' };
const CAROL: Who = { name: 'Carol Maintainer', email: 'carol@example.com' };

async function repoWithRoot(dir: string): Promise<{ repo: TestRepo; root: string }> {
  const repo = await TestRepo.create(join(dir, 'repo'));
  const root = await repo.commit({ message: 'root', at: '2026-02-01T09:00:00Z' });
  return { repo, root };
}

describe('commit-trail review evidence from git alone', () => {
  it('passes when every agent change reached main through a merge a human other than its author reviewed', async () => {
    const dir = await tempDir();
    const { repo, root } = await repoWithRoot(dir);
    const agent = await repo.commit({ message: `Add cache${CLAUDE}`, at: '2026-02-01T10:00:00Z', parents: [root] }, 'feature');
    const merge = await repo.merge(agent, {
      message: `Merge branch 'feature'\n\nReviewed-by: ${BOB.name} <${BOB.email}>`,
      at: '2026-02-01T10:05:00Z',
      author: CAROL,
    });

    const { records } = await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }] });
    const r = records[0]!;
    expect(r.status).toBe('pass');
    expect(r.findings).toEqual([]);
    expect(detailOf(r, agent)).toMatchObject({
      class: 'agent',
      landedBy: merge,
      reviewRequired: true,
      review: 'explicit',
      reviewers: [
        { name: BOB.name, email: BOB.email, via: 'reviewed-by', counted: true },
        { name: CAROL.name, email: CAROL.email, via: 'implicit', counted: true },
      ],
    });
    expect(r.data.review).toMatchObject({ required: 1, explicit: 1, implicit: 0, missing: 0, implicitAccepted: true });
    expect(r.summary).toMatch(/all 1 that need review were reviewed/);
  });

  it('fails on an agent commit pushed straight to main, and on agent, bot and self approvals', async () => {
    const dir = await tempDir();
    const { repo, root } = await repoWithRoot(dir);
    const direct = await repo.commit({ message: `Hotfix${CLAUDE}`, at: '2026-02-01T10:00:00Z' });

    // Alice asked Claude, then merged it herself citing only Copilot's approval.
    const byAgent = await repo.commit({ message: `Refactor${CLAUDE}`, at: '2026-02-01T10:10:00Z', parents: [root] }, 'agent-approved');
    const agentApproved = await repo.merge(byAgent, {
      message: `Merge agent-approved\n\nApproved-by: ${COPILOT.name} <${COPILOT.email}>`,
      at: '2026-02-01T10:11:00Z',
    });

    const byBot = await repo.commit({ message: `Rename${CLAUDE}`, at: '2026-02-01T10:20:00Z', parents: [root] }, 'bot-approved');
    const botApproved = await repo.merge(byBot, {
      message: 'Merge bot-approved\n\nReviewed-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>',
      at: '2026-02-01T10:21:00Z',
    });

    const bySelf = await repo.commit({ message: `Tune${CLAUDE}`, at: '2026-02-01T10:30:00Z', parents: [root] }, 'self');
    const selfApproved = await repo.merge(bySelf, { message: `Merge self\n\nReviewed-by: ${ALICE.name} <${ALICE.email}>`, at: '2026-02-01T10:31:00Z' });

    const { records } = await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }] });
    const r = records[0]!;
    expect(r.status).toBe('fail');
    expect(codes(r)).toEqual(
      [
        `agent-commit-unreviewed:${direct}`,
        `agent-commit-unreviewed:${byAgent}`,
        `agent-commit-unreviewed:${byBot}`,
        `agent-commit-unreviewed:${bySelf}`,
        `reviewer-is-agent:${agentApproved}`,
        `reviewer-is-agent:${botApproved}`,
        `self-approved:${selfApproved}`,
      ].sort(),
    );
    expect(detailOf(r, direct)).toMatchObject({ landedBy: direct, review: 'none', reviewers: [] });
    expect(detailOf(r, byAgent).reviewers).toEqual([{ name: 'Copilot', email: COPILOT.email, via: 'approved-by', counted: false, reason: 'agent' }]);
    expect(detailOf(r, byBot).reviewers).toEqual([expect.objectContaining({ name: 'dependabot[bot]', counted: false, reason: 'bot' })]);
    // Alice merging her own change is no review claim, so only her Reviewed-by is listed, as self.
    expect(detailOf(r, bySelf).reviewers).toEqual([{ name: ALICE.name, email: ALICE.email, via: 'reviewed-by', counted: false, reason: 'self' }]);
    expect(r.data.review).toMatchObject({ required: 4, missing: 4 });
    expect(r.summary).toMatch(/4 of 4 that need review have no human reviewer/);
  });

  it('counts a merger or applying committer other than the author as an implicit review, unless turned off', async () => {
    const dir = await tempDir();
    const { repo, root } = await repoWithRoot(dir);
    const copilotChange = await repo.commit(
      { message: 'Copilot PR', at: '2026-02-01T10:00:00Z', author: COPILOT, committer: WEB_FLOW, parents: [root] },
      'copilot/fix',
    );
    const mergedByBob = await repo.merge(copilotChange, {
      message: 'Merge pull request #7 from copilot/fix',
      at: '2026-02-01T10:01:00Z',
      author: BOB,
      committer: WEB_FLOW,
    });
    const applied = await repo.commit({ message: `Applied patch${CLAUDE}`, at: '2026-02-01T10:02:00Z', author: ALICE, committer: CAROL });
    const squashedInUi = await repo.commit({ message: 'Squashed PR (#8)', at: '2026-02-01T10:03:00Z', author: COPILOT, committer: WEB_FLOW });

    const on = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }] })).records[0]!;
    expect(detailOf(on, copilotChange)).toMatchObject({
      landedBy: mergedByBob,
      review: 'implicit',
      reviewers: [{ name: BOB.name, email: BOB.email, via: 'implicit', counted: true }],
    });
    expect(detailOf(on, applied)).toMatchObject({ review: 'implicit', reviewers: [{ name: CAROL.name, via: 'implicit', counted: true }] });
    // GitHub's web-flow committer is the platform, not a reviewer.
    expect(detailOf(on, squashedInUi)).toMatchObject({ review: 'none', reviewers: [] });
    expect(codes(on)).toEqual([`agent-commit-unreviewed:${squashedInUi}`]);
    expect(on.data.review).toMatchObject({ required: 3, explicit: 0, implicit: 2, missing: 1, implicitAccepted: true });

    const off = (await runTrail(join(dir, 'off'), { repos: [{ path: join(dir, 'repo'), branch: 'main' }], implicitReview: false })).records[0]!;
    expect(codes(off)).toEqual(
      [`agent-commit-unreviewed:${applied}`, `agent-commit-unreviewed:${copilotChange}`, `agent-commit-unreviewed:${squashedInUi}`].sort(),
    );
    expect(off.data.review).toMatchObject({ implicit: 0, missing: 3, implicitAccepted: false });
  });

  it("reads Gerrit reviews from the commit itself, a claim in an agent change's own commit, and requires review of human commits when asked", async () => {
    const dir = await tempDir();
    const { repo, root } = await repoWithRoot(dir);
    const gerrit = await repo.commit({
      message: `Gerrit change${CLAUDE}\nChange-Id: I0123\nReviewed-on: https://review.example.com/c/api/+/42\nReviewed-by: ${BOB.name} <${BOB.email}>`,
      at: '2026-02-01T10:00:00Z',
    });
    const human = await repo.commit({ message: 'Human direct push', at: '2026-02-01T10:01:00Z' });

    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }], requireReview: { human: true } })).records[0]!;
    expect(detailOf(r, gerrit)).toMatchObject({
      class: 'agent',
      review: 'none',
      reviewers: [expect.objectContaining({ via: 'gerrit', counted: false, reason: 'claim' })],
    });
    expect(detailOf(r, human)).toMatchObject({ class: 'human', reviewRequired: true, review: 'none' });
    expect(detailOf(r, root)).toMatchObject({ class: 'human', reviewRequired: true, review: 'none' });
    expect(codes(r)).toEqual(
      [`agent-commit-unreviewed:${gerrit}`, `human-commit-unreviewed:${human}`, `human-commit-unreviewed:${root}`, `self-asserted-review:${gerrit}`].sort(),
    );
    expect(r.findings.filter((f) => f.code.startsWith('human-')).every((f) => f.severity === 'medium')).toBe(true);
    expect(r.status).toBe('fail');
  });

  it('credits a commit to the oldest merge that brought it in, not to a later merge that also contains it', async () => {
    const dir = await tempDir();
    const { repo, root } = await repoWithRoot(dir);
    const first = await repo.commit({ message: `Part one${CLAUDE}`, at: '2026-02-01T10:00:00Z', parents: [root] }, 'topic');
    const reviewedMerge = await repo.merge(first, {
      message: `Merge topic part one\n\nReviewed-by: ${BOB.name} <${BOB.email}>`,
      at: '2026-02-01T10:01:00Z',
      author: BOB,
    });
    const second = await repo.commit({ message: `Part two${CLAUDE}`, at: '2026-02-01T10:02:00Z', parents: [first] }, 'topic');
    const unreviewedMerge = await repo.merge(second, { message: 'Merge topic part two', at: '2026-02-01T10:03:00Z' });

    const r = (await runTrail(dir, { repos: [{ path: 'repo', branch: 'main' }] })).records[0]!;
    expect(detailOf(r, first)).toMatchObject({ landedBy: reviewedMerge, review: 'explicit' });
    expect(detailOf(r, second)).toMatchObject({ landedBy: unreviewedMerge, review: 'none' });
    expect(codes(r)).toEqual([`agent-commit-unreviewed:${second}`]);
    expect(r.data.merges).toBe(2);
  });
});
