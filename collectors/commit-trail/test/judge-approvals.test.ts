import { describe, expect, it } from 'vitest';
import { ApprovalTally, pullThatLanded } from '../judge/approvals.js';
import { pullSummary, repositoryFromUrl, reviewEvent } from '../parse/github.js';

const COMMIT = 'a'.repeat(40);

describe('GitHub approvals', () => {
  it('reads the fields it needs from pull request and review answers, whatever else they hold', () => {
    expect(pullSummary({ number: 12, merge_commit_sha: COMMIT, merged_at: '2026-01-05T10:00:00Z', user: { login: 'alice' }, title: 'x' })).toEqual({
      number: 12,
      mergeCommit: COMMIT,
      merged: true,
      author: 'alice',
    });
    expect(pullSummary({ number: '12', merge_commit_sha: null, merged_at: null, user: null })).toEqual({
      number: null,
      mergeCommit: '',
      merged: false,
      author: '',
    });
    expect(pullSummary(null)).toEqual({ number: null, mergeCommit: '', merged: false, author: '' });
    expect(reviewEvent({ state: 'APPROVED', user: { login: 'bob', type: 'User' }, body: 'LGTM' })).toEqual({ state: 'APPROVED', login: 'bob', type: 'User' });
    expect(reviewEvent({ state: 'APPROVED', user: null })).toEqual({ state: 'APPROVED', login: '', type: '' });
  });

  it('reads owner/name from clone URLs', () => {
    expect(repositoryFromUrl('https://github.com/acme/web.git')).toBe('acme/web');
    expect(repositoryFromUrl('https://github.com/acme/web/')).toBe('acme/web');
    expect(repositoryFromUrl('git@github.com:acme/web.git')).toBe('acme/web');
    expect(repositoryFromUrl('web')).toBeNull();
  });

  it('takes the pull request merged as the commit, else the first merged one', () => {
    const open = { number: 1, mergeCommit: '', merged: false, author: 'a' };
    const mergedElsewhere = { number: 2, mergeCommit: 'b'.repeat(40), merged: true, author: 'b' };
    const mergedAsIt = { number: 3, mergeCommit: COMMIT, merged: true, author: 'c' };
    expect(pullThatLanded([open, mergedElsewhere, mergedAsIt], COMMIT)).toBe(mergedAsIt);
    expect(pullThatLanded([open, mergedElsewhere], COMMIT)).toBe(mergedElsewhere);
    expect(pullThatLanded([open], COMMIT)).toBeUndefined();
  });

  it('keeps the reviewers whose latest approval, change request or dismissal is an approval; comments change nothing', () => {
    const tally = new ApprovalTally();
    const review = (login: string, state: string, type = 'User') => tally.add({ state, login, type });
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
      { login: 'bob', type: 'User' },
      { login: 'dan', type: 'User' },
      { login: 'copilot', type: 'Bot' },
    ]);
  });
});
