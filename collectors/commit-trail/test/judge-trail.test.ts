import { describe, expect, it } from 'vitest';
import { builtInCatalog } from '../catalog/catalog.js';
import { Classifier } from '../judge/classify.js';
import { FindingList } from '../judge/findings.js';
import { TrailJudge, type TrailRules } from '../judge/trail.js';
import { Identities } from '../parse/identities.js';
import type { LogCommit } from '../parse/log-parser.js';
import { parseTrailers } from '../parse/trailers.js';
import type { CommitClass, CommitDetail, Identity, SignatureStatus } from '../schema.js';

const JAN_1 = Date.parse('2026-01-01T00:00:00Z') / 1000;

/** A judge over a hand-written stream: commits are given newest first, children before parents, as git log lists them. */
interface Setup extends Partial<Omit<TrailRules, 'requireReview'>> {
  /** Merged over the collector's default: agents only. */
  requireReview?: Partial<Record<CommitClass, boolean>>;
}

function setup(tip: string, rules: Setup = {}) {
  const identities = new Identities();
  const findings = new FindingList();
  const judge = new TrailJudge(
    {
      classifier: rules.classifier ?? new Classifier(builtInCatalog(), ['dependabot[bot]']),
      requireReview: { agent: true, human: false, bot: false, ...rules.requireReview },
      implicitReview: rules.implicitReview ?? true,
      signatures: rules.signatures ?? null,
    },
    findings,
    identities,
    tip,
  );
  const person = (name: string, email: string): Identity => identities.find(`${name}\0${email}`) ?? identities.add(`${name}\0${email}`, name, email);
  const commit = (id: string, parents: string[], author: Identity, more: { committer?: Identity; trailers?: string; body?: string } = {}): LogCommit => ({
    id,
    parents,
    author,
    committer: more.committer ?? author,
    time: JAN_1,
    trailers: more.trailers ? parseTrailers(more.trailers, identities) : [],
    body: more.body ?? '',
    branch: null,
  });
  /** Assesses and concludes each commit in stream order, as the pass does when no GitHub lookup is needed. */
  const walk = (commits: LogCommit[]): CommitDetail[] =>
    commits.map((c) => {
      const a = judge.assess(c);
      if (!a) throw new Error(`${c.id} could not be placed`);
      return judge.conclude(a);
    });
  return { judge, findings, person, commit, walk };
}

describe('TrailJudge', () => {
  it('lands side commits on their merge, counts its author as an implicit reviewer, and flags an agent commit pushed directly', () => {
    const { judge, findings, person, commit, walk } = setup('m2');
    const alice = person('Alice Human', 'alice@example.com');
    const bob = person('Bob Reviewer', 'bob@example.com');
    const copilot = person('Copilot', '198982749+Copilot@users.noreply.github.com');
    const cursor = person('Cursor Agent', 'cursoragent@cursor.com');
    const detail = walk([commit('m2', ['d1', 's1'], bob), commit('s1', ['d1'], copilot), commit('d1', ['r0'], cursor), commit('r0', [], alice)]);

    expect(detail[0]).toEqual({
      id: 'm2',
      class: 'human',
      rule: 'none',
      tool: null,
      family: null,
      signal: null,
      agentInvolved: false,
      merge: true,
      author: bob,
      committer: bob,
      time: '2026-01-01T00:00:00Z',
      landedBy: 'm2',
      reviewRequired: false,
      review: 'none',
      reviewers: [],
      signature: null,
    });
    expect(detail[1]).toMatchObject({
      id: 's1',
      class: 'agent',
      rule: 'author',
      tool: 'copilot',
      landedBy: 'm2',
      reviewRequired: true,
      review: 'implicit',
      reviewers: [{ name: 'Bob Reviewer', email: 'bob@example.com', via: 'implicit', counted: true }],
    });
    expect(detail[2]).toMatchObject({ id: 'd1', class: 'agent', tool: 'cursor', landedBy: 'd1', reviewRequired: true, review: 'none', reviewers: [] });
    expect(detail[3]).toMatchObject({ id: 'r0', class: 'human', landedBy: 'r0', reviewRequired: false });

    expect(judge.totals).toEqual({
      counts: { agent: 2, assisted: 0, bot: 0, human: 2 },
      merges: 1,
      agentSignals: { author: 2, committer: 0, notes: 0, trailer: 0, message: 0, branch: 0 },
      families: { copilot: { agent: 1, assisted: 0 }, cursor: { agent: 1, assisted: 0 } },
      attribution: { gitAi: 0, agentTrace: 0 },
      review: { required: 2, explicit: 0, implicit: 1, missing: 1 },
      signing: { checked: 0, unsigned: 0 },
      github: { pullRequests: 0, unavailable: false },
    });
    expect(findings.all()).toEqual([
      {
        code: 'agent-commit-unreviewed',
        severity: 'high',
        message:
          'agent commit d1 by Cursor Agent <cursoragent@cursor.com> (author: cursor) reached the branch through a direct commit with no human reviewer other than its authors',
        ref: 'd1',
      },
    ]);
    expect(judge.unresolved()).toEqual([]);
  });

  it('does not count a reviewer who is an author or an agent, and says so once per landing', () => {
    const { judge, findings, person, commit, walk } = setup('m');
    const alice = person('Alice Human', 'alice@example.com');
    const detail = walk([
      commit('m', ['base', 's'], alice, {
        trailers: 'Reviewed-by: Alice Human <alice@example.com>\nReviewed-by: Copilot <198982749+Copilot@users.noreply.github.com>',
      }),
      commit('s', ['s2'], alice, { trailers: 'Co-authored-by: Claude <noreply@anthropic.com>' }),
      commit('s2', ['base'], alice, { body: 'Generated with [Claude Code](https://claude.com/claude-code)' }),
      commit('base', [], alice),
    ]);

    expect(detail[1]).toMatchObject({ class: 'agent', rule: 'trailer', tool: 'claude-code', review: 'none' });
    expect(detail[1]!.reviewers).toEqual([
      { name: 'Alice Human', email: 'alice@example.com', via: 'reviewed-by', counted: false, reason: 'self' },
      { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com', via: 'reviewed-by', counted: false, reason: 'agent' },
    ]);
    expect(detail[2]).toMatchObject({ class: 'agent', rule: 'message', tool: 'claude-code', review: 'none' });
    expect(judge.totals.agentSignals).toEqual({ author: 0, committer: 0, notes: 0, trailer: 1, message: 1, branch: 0 });
    expect(findings.all().map((f) => `${f.code}:${f.ref}`)).toEqual([
      'self-approved:m',
      'reviewer-is-agent:m',
      'agent-commit-unreviewed:s',
      'agent-commit-unreviewed:s2',
    ]);
    expect(findings.all()[0]!.message).toBe('m names Alice Human <alice@example.com> (reviewed-by) as reviewer of their own change s');
    expect(findings.all()[1]!.message).toBe(
      'm names Copilot <198982749+Copilot@users.noreply.github.com> (reviewed-by), an agent, as reviewer; it does not count',
    );
  });

  it('asks GitHub about every agent change and takes its approvals, but not one by the pull request author', () => {
    const { judge, findings, person, commit } = setup('sq');
    const copilot = person('Copilot', '198982749+Copilot@users.noreply.github.com');
    // A squash merged in GitHub's UI: the web-flow committer is the platform, so git alone shows no reviewer.
    const a = judge.assess(commit('sq', ['base'], copilot, { committer: person('GitHub', 'noreply@github.com') }))!;
    expect(a.outcome.review).toBe('none');
    expect(judge.asksForge(a)).toBe(true);

    const head = 'c'.repeat(40);
    const at = '2026-01-01T00:00:00Z';
    judge.notePull(a.landing.info, {
      number: 7,
      author: 'alice',
      mergedAt: '2026-01-01T01:00:00Z',
      head,
      approvers: [
        { login: 'alice', type: 'User', at, commit: head },
        { login: 'bob', type: 'User', at, commit: head },
      ],
    });
    judge.addApprovals(a, a.landing.info.pull!);
    const d = judge.conclude(a);

    expect(d.review).toBe('explicit');
    const facts = { pullRequest: 7, approvedAt: at, approvedCommit: head, mergedHead: head, mergedAt: '2026-01-01T01:00:00Z' };
    expect(d.reviewers).toEqual([
      { name: 'alice', email: null, via: 'github', counted: false, reason: 'self', ...facts },
      { name: 'bob', email: null, via: 'github', counted: true, ...facts },
    ]);
    expect(judge.totals.github).toEqual({ pullRequests: 1, unavailable: false });
    expect(judge.totals.review).toEqual({ required: 1, explicit: 1, implicit: 0, missing: 0 });
    expect(findings.all().map((f) => `${f.code}:${f.ref}`)).toEqual(['self-approved:sq']);
  });

  it('counts a landing GitHub knows no pull request for as looked up, not as a pull request', () => {
    const { judge, person, commit } = setup('d');
    const a = judge.assess(commit('d', [], person('Copilot', '198982749+Copilot@users.noreply.github.com')))!;
    judge.notePull(a.landing.info, null);
    expect(a.landing.info.pull).toBeNull();
    expect(judge.totals.github.pullRequests).toBe(0);
  });

  it('notes a GitHub failure once as a finding and marks the landing as looked up', () => {
    const { judge, findings, person, commit } = setup('d');
    const a = judge.assess(commit('d', [], person('Copilot', '198982749+Copilot@users.noreply.github.com')))!;
    judge.noteGitHubUnavailable(a.landing.info, 'GitHub answered 401 to GET /repos/o/n/commits/d/pulls');
    expect(a.landing.info.pull).toBeNull();
    expect(judge.totals.github.unavailable).toBe(true);
    expect(findings.all()).toEqual([
      { code: 'github-unavailable', severity: 'low', message: 'pull request reviews could not be read: GitHub answered 401 to GET /repos/o/n/commits/d/pulls' },
    ]);
  });

  it('judges each signature git reported; a commit it did not list is unsigned', () => {
    const signatures = new Map<string, SignatureStatus>([
      ['c3', 'good'],
      ['c2', 'untrusted'],
    ]);
    const { judge, findings, person, commit, walk } = setup('c3', { signatures, requireReview: { agent: false } });
    const alice = person('Alice Human', 'alice@example.com');
    const detail = walk([commit('c3', ['c2'], alice), commit('c2', ['c1'], alice), commit('c1', [], alice)]);

    expect(detail.map((d) => d.signature)).toEqual(['good', 'untrusted', 'none']);
    expect(judge.totals.signing).toEqual({ checked: 3, unsigned: 2 });
    expect(findings.all()).toEqual([
      { code: 'unsigned-commit', severity: 'high', message: 'commit c2 by Alice Human <alice@example.com> has no valid signature (untrusted)', ref: 'c2' },
      { code: 'unsigned-commit', severity: 'high', message: 'commit c1 by Alice Human <alice@example.com> has no valid signature (none)', ref: 'c1' },
    ]);
  });

  it('requires review of humans when told to, and without implicit review a committer does not count', () => {
    const { findings, person, commit, walk } = setup('h', { requireReview: { human: true }, implicitReview: false });
    const detail = walk([commit('h', [], person('Alice Human', 'alice@example.com'), { committer: person('Bob Reviewer', 'bob@example.com') })]);
    expect(detail[0]).toMatchObject({ class: 'human', reviewRequired: true, review: 'none', reviewers: [] });
    expect(findings.all().map((f) => `${f.code}:${f.severity}`)).toEqual(['human-commit-unreviewed:medium']);
  });

  it('cannot place a commit that no commit seen so far has as a parent, and reports what was referred to and not seen', () => {
    const { judge, person, commit } = setup('tip');
    const alice = person('Alice Human', 'alice@example.com');
    expect(judge.assess(commit('stray', ['tip'], alice))).toBeNull();
    expect(judge.assess(commit('tip', ['p1', 'side'], alice))).not.toBeNull();
    expect(judge.unresolved().sort()).toEqual(['p1', 'side']);
  });
});
