import { describe, expect, it } from 'vitest';
import { ApprovalTally, pullThatLanded, voidedApproval } from '../judge/approvals.js';
import { pullSummary, repositoryFromUrl, reviewEvent } from '../parse/github.js';

const COMMIT = 'a'.repeat(40);

describe('GitHub approvals', () => {
  it('reads the fields it needs from pull request and review answers, whatever else they hold', () => {
    expect(pullSummary({ number: 12, merge_commit_sha: COMMIT, merged_at: '2026-01-05T10:00:00Z', user: { login: 'alice' }, title: 'x' })).toEqual({
      number: 12,
      mergeCommit: COMMIT,
      merged: true,
      mergedAt: '2026-01-05T10:00:00Z',
      head: null,
      author: 'alice',
    });
    expect(pullSummary({ number: '12', merge_commit_sha: null, merged_at: null, user: null, head: { sha: 'not-a-commit' } })).toEqual({
      number: null,
      mergeCommit: '',
      merged: false,
      mergedAt: null,
      head: null,
      author: '',
    });
    expect(pullSummary(null)).toEqual({ number: null, mergeCommit: '', merged: false, mergedAt: null, head: null, author: '' });
    expect(
      reviewEvent({ state: 'APPROVED', user: { login: 'bob', type: 'User' }, body: 'LGTM', submitted_at: '2026-01-05T09:00:00Z', commit_id: COMMIT }),
    ).toEqual({ state: 'APPROVED', login: 'bob', type: 'User', at: '2026-01-05T09:00:00Z', commit: COMMIT });
    expect(reviewEvent({ state: 'APPROVED', user: null, submitted_at: 'yesterday' })).toEqual({
      state: 'APPROVED',
      login: '',
      type: '',
      at: null,
      commit: null,
    });
  });

  it('reads owner/name from clone URLs', () => {
    expect(repositoryFromUrl('https://github.com/acme/web.git')).toBe('acme/web');
    expect(repositoryFromUrl('https://github.com/acme/web/')).toBe('acme/web');
    expect(repositoryFromUrl('git@github.com:acme/web.git')).toBe('acme/web');
    expect(repositoryFromUrl('web')).toBeNull();
  });

  it('takes the pull request merged as the commit, else the first merged one', () => {
    const pull = { mergedAt: null, head: null };
    const open = { number: 1, mergeCommit: '', merged: false, author: 'a', ...pull };
    const mergedElsewhere = { number: 2, mergeCommit: 'b'.repeat(40), merged: true, author: 'b', ...pull };
    const mergedAsIt = { number: 3, mergeCommit: COMMIT, merged: true, author: 'c', ...pull };
    expect(pullThatLanded([open, mergedElsewhere, mergedAsIt], COMMIT)).toBe(mergedAsIt);
    expect(pullThatLanded([open, mergedElsewhere], COMMIT)).toBe(mergedElsewhere);
    expect(pullThatLanded([open], COMMIT)).toBeUndefined();
  });

  it('keeps the reviewers whose latest approval, change request or dismissal is an approval; comments change nothing', () => {
    const tally = new ApprovalTally();
    const review = (login: string, state: string, type = 'User') => tally.add({ state, login, type, at: null, commit: COMMIT });
    review('bob', 'APPROVED');
    review('bob', 'COMMENTED');
    review('carol', 'APPROVED');
    review('carol', 'CHANGES_REQUESTED');
    review('dan', 'CHANGES_REQUESTED');
    review('dan', 'APPROVED');
    review('erin', 'APPROVED');
    review('erin', 'DISMISSED');
    review('copilot', 'APPROVED', 'Bot');
    review('', 'APPROVED');
    expect(tally.approvers()).toEqual([
      { login: 'bob', type: 'User', at: null, commit: COMMIT },
      { login: 'dan', type: 'User', at: null, commit: COMMIT },
      { login: 'copilot', type: 'Bot', at: null, commit: COMMIT },
    ]);
  });

  it('keeps the standing at the merge, lists approvals after it apart, and voids stale and late ones', () => {
    const head = COMMIT;
    const older = 'b'.repeat(40);
    const mergedAt = '2026-01-05T10:00:00Z';
    const tally = new ApprovalTally(mergedAt);
    tally.add({ state: 'APPROVED', login: 'bob', type: 'User', at: '2026-01-05T09:00:00Z', commit: head });
    // After the merge: neither withdraws bob's approval nor makes carol an approver at the merge.
    tally.add({ state: 'CHANGES_REQUESTED', login: 'bob', type: 'User', at: '2026-01-05T11:00:00Z', commit: head });
    tally.add({ state: 'APPROVED', login: 'carol', type: 'User', at: '2026-01-05T11:00:00Z', commit: head });
    tally.add({ state: 'APPROVED', login: 'dan', type: 'User', at: '2026-01-05T08:00:00Z', commit: older });
    const approvers = tally.approvers();
    expect(approvers.map((a) => a.login)).toEqual(['bob', 'dan', 'carol']);
    const pull = { number: 4, author: 'alice', mergedAt, head, approvers };
    expect(approvers.map((a) => voidedApproval(a, pull))).toEqual([null, 'stale', 'after-merge']);
    expect(voidedApproval({ login: 'erin', type: 'User', at: null, commit: null }, pull)).toBe('stale');
  });
});
