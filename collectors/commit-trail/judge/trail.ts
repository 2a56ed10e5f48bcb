import type { Identities } from '../parse/identities.js';
import { formatIdentity } from '../parse/identity.js';
import { IsoTime } from '../parse/iso-time.js';
import type { LogCommit } from '../parse/log-parser.js';
import type { CommitClass, CommitDetail, Identity, SignatureStatus } from '../schema.js';
import type { PullRequestReviews } from './approvals.js';
import type { Classification, Classifier, Signal } from './classify.js';
import type { FindingList } from './findings.js';
import { type Landing, LandingTracker } from './landing.js';
import { type Candidate, changeAuthors, landingCandidates, ReviewJudge, type ReviewOutcome, trailerCandidates } from './review.js';

export interface TrailRules {
  classifier: Classifier;
  requireReview: Record<CommitClass, boolean>;
  implicitReview: boolean;
  /** `%G?` of every commit of the range; null when signing is not required. */
  signatures: Map<string, SignatureStatus> | null;
}

/** What one pass over a range adds up to. */
export interface TrailTotals {
  counts: Record<CommitClass, number>;
  merges: number;
  agentSignals: Record<Exclude<Signal, 'none'>, number>;
  review: { required: number; explicit: number; implicit: number; missing: number };
  signing: { checked: number; unsigned: number };
  github: { pullRequests: number; unavailable: boolean };
}

export interface LandingInfo {
  candidates: Candidate[];
  /** Looked up once per landing, and only when a commit it landed still lacks a required review. */
  pull?: PullRequestReviews | null;
}

/** One commit judged from git alone, before any GitHub lookup. */
export interface Assessment {
  c: LogCommit;
  landing: Landing<LandingInfo>;
  cls: Classification;
  merge: boolean;
  required: boolean;
  authors: Identity[];
  candidates: Candidate[];
  outcome: ReviewOutcome;
}

const UNREVIEWED_SEVERITY: Record<CommitClass, 'high' | 'medium'> = { agent: 'high', human: 'medium', bot: 'medium' };
const NO_REVIEW: ReviewOutcome = { reviewers: [], review: 'none', selfApproved: false, agentReviewer: false };

export function emptyTotals(): TrailTotals {
  return {
    counts: { agent: 0, bot: 0, human: 0 },
    merges: 0,
    agentSignals: { author: 0, committer: 0, trailer: 0, message: 0 },
    review: { required: 0, explicit: 0, implicit: 0, missing: 0 },
    signing: { checked: 0, unsigned: 0 },
    github: { pullRequests: 0, unavailable: false },
  };
}

/**
 * Judges the commits of one range, each as it streams past, children before
 * parents: where it landed, its class, its review and its signature. Adds up
 * the totals and the findings; reads nothing itself.
 */
export class TrailJudge {
  readonly totals = emptyTotals();
  private readonly reviews: ReviewJudge;
  private readonly tracker: LandingTracker<LandingInfo>;
  private readonly time = new IsoTime();

  /** `tip`: the newest commit of the range; `identities`: the ones the log parser hands out, so GitHub logins join them. */
  constructor(
    private readonly rules: TrailRules,
    private readonly findings: FindingList,
    readonly identities: Identities,
    tip: string,
  ) {
    this.reviews = new ReviewJudge((i) => rules.classifier.identity(i));
    this.tracker = new LandingTracker<LandingInfo>(tip, (c) => ({ candidates: landingCandidates(c, rules.implicitReview) }));
  }

  /** Judges `c` from git alone; null when no commit seen so far has it as a parent, so where it landed cannot be told. */
  assess(c: LogCommit): Assessment | null {
    const landing = this.tracker.place(c);
    if (!landing) return null;
    const cls = this.rules.classifier.commit(c);
    const merge = c.parents.length > 1;
    // A merge is the vehicle of review for what it brings in, not a change that needs one.
    const required = !merge && this.rules.requireReview[cls.class];
    if (merge) return { c, landing, cls, merge, required, authors: [], candidates: [], outcome: NO_REVIEW };
    const authors = changeAuthors(c);
    // A direct commit's own trailers are already among its landing's candidates.
    const own = landing.id === c.id ? [] : trailerCandidates(c);
    const candidates = own.length === 0 ? landing.info.candidates : [...own, ...landing.info.candidates];
    return { c, landing, cls, merge, required, authors, candidates, outcome: this.reviews.judge(authors, candidates) };
  }

  /** Whether approvals on GitHub could still matter: the commit needs a review and git shows none. */
  lacksReview(a: Assessment): boolean {
    return a.required && a.outcome.review === 'none';
  }

  /** What GitHub says about a landing: the pull request that landed it (null: none), asked once per landing. */
  notePull(info: LandingInfo, pull: PullRequestReviews | null): void {
    info.pull = pull;
    if (pull) this.totals.github.pullRequests++;
  }

  /** GitHub could not be read for this landing; the caller asks it no more, and the rest is judged from git alone. */
  noteGitHubUnavailable(info: LandingInfo, message: string): void {
    this.findings.add('github-unavailable', 'low', () => ({ message: `pull request reviews could not be read: ${message}` }));
    this.totals.github.unavailable = true;
    info.pull = null;
  }

  /** Judges the review again, with the approvals of the pull request that landed the commit. */
  addApprovals(a: Assessment, pull: PullRequestReviews): void {
    const approvals = pull.approvers.map((p): Candidate => ({ identity: this.identities.login(p.login), via: 'github' }));
    a.outcome = this.reviews.judge([...a.authors, this.identities.login(pull.author)], [...a.candidates, ...approvals]);
  }

  /** Counts the commit, adds its findings, and returns what the evidence says about it. */
  conclude(a: Assessment): CommitDetail {
    const { c, cls, landing, outcome } = a;
    const totals = this.totals;
    totals.counts[cls.class]++;
    if (cls.class === 'agent' && cls.rule !== 'none') totals.agentSignals[cls.rule]++;
    if (a.merge) totals.merges++;
    this.noteReviewers(a);
    if (a.required) {
      totals.review.required++;
      if (outcome.review === 'none') {
        totals.review.missing++;
        this.findings.add(`${cls.class}-commit-unreviewed`, UNREVIEWED_SEVERITY[cls.class], () => ({
          message: `${cls.class} commit ${c.id} by ${formatIdentity(c.author)} (${cls.rule}: ${cls.tool ?? '-'}) reached the branch through ${landing.id === c.id ? 'a direct commit' : `merge ${landing.id}`} with no human reviewer other than its authors`,
          ref: c.id,
        }));
      } else {
        totals.review[outcome.review]++;
      }
    }

    const signatures = this.rules.signatures;
    const signature: SignatureStatus | null = signatures ? (signatures.get(c.id) ?? 'none') : null;
    if (signature !== null) {
      totals.signing.checked++;
      if (signature !== 'good') {
        totals.signing.unsigned++;
        this.findings.add('unsigned-commit', 'high', () => ({
          message: `commit ${c.id} by ${formatIdentity(c.author)} has no valid signature (${signature})`,
          ref: c.id,
        }));
      }
    }

    return {
      id: c.id,
      class: cls.class,
      rule: cls.rule,
      tool: cls.tool,
      merge: a.merge,
      author: c.author,
      committer: c.committer,
      time: this.time.format(c.time),
      landedBy: landing.id,
      reviewRequired: a.required,
      review: outcome.review,
      reviewers: outcome.reviewers,
      signature,
    };
  }

  /** Commits referred to and not seen (see LandingTracker). */
  unresolved(): string[] {
    return this.tracker.unresolved();
  }

  private noteReviewers({ c, landing, outcome }: Assessment): void {
    for (const r of outcome.reviewers) {
      if (r.reason === 'self') {
        this.findings.addOnce(
          'self-approved',
          'medium',
          landing.id,
          () => `${landing.id} names ${formatIdentity(r)} (${r.via}) as reviewer of their own change ${c.id}`,
        );
      } else if ((r.reason === 'agent' || r.reason === 'bot') && r.via !== 'implicit') {
        this.findings.addOnce(
          'reviewer-is-agent',
          'medium',
          landing.id,
          () => `${landing.id} names ${formatIdentity(r)} (${r.via}), ${r.reason === 'agent' ? 'an agent' : 'a bot'}, as reviewer; it does not count`,
        );
      }
    }
  }
}
