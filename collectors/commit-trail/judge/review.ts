import { identityKeys, sameIdentity } from '../parse/identity.js';
import type { LogCommit } from '../parse/log-parser.js';
import { hasTrailer, trailerIdentities } from '../parse/trailers.js';
import type { CommitClass, CommitDetail, Identity, Reviewer } from '../schema.js';
import type { Classification } from './classify.js';

/** Where a review claim comes from; `implicit` is a merger or committer other than the author, as OpenSSF Scorecard counts it. */
export type Via = Reviewer['via'];

/** How a review is attributable to its reviewer (see review.requireSigned). */
export type ReviewForm = NonNullable<Reviewer['form']>;

/** A forge approval's facts, recorded on its reviewer entry. */
export type ApprovalFacts = Pick<Reviewer, 'pullRequest' | 'approvedAt' | 'approvedCommit' | 'mergedHead' | 'mergedAt'>;

export interface Candidate {
  identity: Identity;
  via: Via;
  /** Typed by the change's author or an agent: listed, never counted. */
  claim?: boolean;
  /** Set when review.requireSigned: only signed-commit and forge-account reviews count then. */
  form?: ReviewForm;
  approval?: ApprovalFacts;
  /** Why a forge approval cannot count, whoever gave it. */
  voided?: 'stale' | 'after-merge';
}

/**
 * Whether a change involves an agent, so needs a human review other than its
 * authors and is asked about on the forge. The one place that says so.
 */
export function agentInvolved(cls: Classification): boolean {
  return cls.class === 'agent' || cls.class === 'assisted';
}

export type ReviewKind = CommitDetail['review'];

export interface ReviewOutcome {
  reviewers: Reviewer[];
  review: ReviewKind;
  /** A trailer or approval names one of the change's own authors. */
  selfApproved: boolean;
  /** A trailer or approval names an agent or a bot. */
  agentReviewer: boolean;
}

// GitHub's web-flow identity commits merges and squashes made in its UI; it is the platform, not a person.
const PLATFORM_COMMITTERS = new Set(['noreply@github.com']);

/** Reviewers a commit names in its own trailers (Gerrit and kernel style). */
export function trailerCandidates(c: LogCommit): Candidate[] {
  if (c.trailers.length === 0) return [];
  const gerrit = hasTrailer(c.trailers, 'reviewed-on');
  return [
    ...trailerIdentities(c.trailers, 'reviewed-by').map((identity) => ({ identity, via: gerrit ? ('gerrit' as const) : ('reviewed-by' as const) })),
    ...trailerIdentities(c.trailers, 'approved-by').map((identity) => ({ identity, via: 'approved-by' as const })),
  ];
}

/**
 * Review claims of a commit that landed on the branch: its trailers and, when
 * implicit review is on, the person who put it there — the author of a merge,
 * or the committer of a commit applied on someone else's behalf.
 */
export function landingCandidates(c: LogCommit, implicit: boolean): Candidate[] {
  const out = trailerCandidates(c);
  if (!implicit) return out;
  if (c.parents.length > 1) out.push({ identity: c.author, via: 'implicit' });
  // A committer with the author's own address is the author.
  else if (c.committer.email !== c.author.email && !PLATFORM_COMMITTERS.has((c.committer.email ?? '').toLowerCase()))
    out.push({ identity: c.committer, via: 'implicit' });
  return out;
}

/** Everyone who wrote a change: its author and its `Co-authored-by` trailers. */
export function changeAuthors(c: LogCommit): Identity[] {
  if (c.trailers.length === 0) return [c.author];
  return [c.author, ...trailerIdentities(c.trailers, 'co-authored-by')];
}

/** Decides which named reviewers count: humans other than the change's authors. */
export class ReviewJudge {
  // The same few people review thousands of commits, as one object each (see Identities); their keys are worked out once.
  private readonly keys = new Map<Identity, string[]>();

  constructor(
    private readonly classOf: (i: Identity) => CommitClass,
    private readonly requireSigned = false,
  ) {}

  judge(authors: readonly Identity[], candidates: readonly Candidate[]): ReviewOutcome {
    const reviewers: Reviewer[] = [];
    if (candidates.length === 0) return { reviewers, review: 'none', selfApproved: false, agentReviewer: false };
    const authorKeys = authors.length === 1 ? this.keysOf(authors[0]!) : authors.flatMap((a) => this.keysOf(a));
    let explicit = false;
    let implicit = false;
    let selfApproved = false;
    let agentReviewer = false;
    for (let i = 0; i < candidates.length; i++) {
      const { identity, via } = candidates[i]!;
      const self = this.keysOf(identity).some((k) => authorKeys.includes(k));
      // Merging or committing one's own work claims no review, so it is not listed as one.
      if (via === 'implicit' && self) continue;
      if (reviewers.some((r) => r.via === via && sameIdentity(r, identity))) continue;
      const candidate = candidates[i]!;
      const reviewer: Reviewer = { name: identity.name, email: identity.email, via, counted: false };
      if (candidate.form) reviewer.form = candidate.form;
      if (candidate.approval) Object.assign(reviewer, candidate.approval);
      const cls = this.classOf(identity);
      if (cls !== 'human') {
        reviewer.reason = cls === 'bot' ? 'bot' : 'agent';
        if (via !== 'implicit') agentReviewer = true;
      } else if (self) {
        reviewer.reason = 'self';
        selfApproved = true;
      } else if (candidate.voided) {
        reviewer.reason = candidate.voided;
      } else if (candidate.claim) {
        reviewer.reason = 'claim';
      } else if (this.requireSigned && candidate.form === 'unsigned') {
        reviewer.reason = 'unsigned';
      } else {
        reviewer.counted = true;
        if (via === 'implicit') implicit = true;
        else explicit = true;
      }
      reviewers.push(reviewer);
    }
    return { reviewers, review: explicit ? 'explicit' : implicit ? 'implicit' : 'none', selfApproved, agentReviewer };
  }

  private keysOf(i: Identity): string[] {
    let k = this.keys.get(i);
    if (!k) {
      k = identityKeys(i);
      this.keys.set(i, k);
    }
    return k;
  }
}
