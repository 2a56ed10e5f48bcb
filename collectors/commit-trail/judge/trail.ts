import type { AttributionNote } from '../parse/attribution.js';
import type { Identities } from '../parse/identities.js';
import { formatIdentity, sameIdentity } from '../parse/identity.js';
import { IsoTime } from '../parse/iso-time.js';
import type { LogCommit } from '../parse/log-parser.js';
import type { CommitClass, CommitDetail, Identity, SignatureStatus } from '../schema.js';
import { type PullRequestReviews, voidedApproval } from './approvals.js';
import type { Classification, Classifier, Signal } from './classify.js';
import type { FindingList } from './findings.js';
import { type Landing, LandingTracker } from './landing.js';
import { agentInvolved, type Candidate, changeAuthors, landingCandidates, ReviewJudge, type ReviewOutcome, trailerCandidates } from './review.js';

export interface TrailRules {
  classifier: Classifier;
  /** Assisted commits follow `agent`: both are agent-involved. */
  requireReview: Record<Exclude<CommitClass, 'assisted'>, boolean>;
  /** git-ai notes and Agent Trace records by commit (see observe/attribution.ts); empty when the repository has none. */
  attribution?: Map<string, AttributionNote[]>;
  implicitReview: boolean;
  /** `%G?` of every commit of the range; null when signing is not required. */
  signatures: Map<string, SignatureStatus> | null;
  /** The signer of every validly signed commit of the range; null unless review.requireSigned. */
  signers?: Map<string, string> | null;
  /** Seconds since the epoch: the collection time, the window's end, and the previous range's end (null: none). */
  period?: { now: number; end: number; after: number | null };
}

/** What one pass over a range adds up to. */
export interface TrailTotals {
  counts: Record<CommitClass, number>;
  merges: number;
  agentSignals: Record<Exclude<Signal, 'none'>, number>;
  families: Record<string, { agent: number; assisted: number }>;
  attribution: { gitAi: number; agentTrace: number };
  review: { required: number; explicit: number; implicit: number; missing: number };
  signing: { checked: number; unsigned: number };
  github: { pullRequests: number; unavailable: boolean };
}

export interface LandingInfo {
  candidates: Candidate[];
  /** Who made the landing commit, and whether they or its committer is an agent: their review trailers are claims. */
  merger: Identity;
  byAgent: boolean;
  /** The source branch the landing merge names (`codex/fix-x`), for the catalog's branch prefixes. */
  branch: string | null;
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

const UNREVIEWED_SEVERITY: Record<CommitClass, 'high' | 'medium'> = { agent: 'high', assisted: 'high', human: 'medium', bot: 'medium' };
const NO_REVIEW: ReviewOutcome = { reviewers: [], review: 'none', selfApproved: false, agentReviewer: false };

export function emptyTotals(): TrailTotals {
  return {
    counts: { agent: 0, assisted: 0, bot: 0, human: 0 },
    merges: 0,
    agentSignals: { author: 0, committer: 0, notes: 0, trailer: 0, message: 0, branch: 0 },
    families: {},
    attribution: { gitAi: 0, agentTrace: 0 },
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
  /** The last first-parent commit judged, which its parent's time must not exceed. */
  private lastLanding: { id: string; time: number } | null = null;

  /** `tip`: the newest commit of the range; `identities`: the ones the log parser hands out, so GitHub logins join them. */
  constructor(
    private readonly rules: TrailRules,
    private readonly findings: FindingList,
    readonly identities: Identities,
    tip: string,
  ) {
    this.reviews = new ReviewJudge((i) => rules.classifier.identity(i), !!rules.signers);
    this.tracker = new LandingTracker<LandingInfo>(tip, (c) => ({
      candidates: landingCandidates(c, rules.implicitReview),
      merger: c.author,
      byAgent: rules.classifier.identity(c.author) === 'agent' || rules.classifier.identity(c.committer) === 'agent',
      branch: c.branch,
    }));
  }

  /** Judges `c` from git alone; null when no commit seen so far has it as a parent, so where it landed cannot be told. */
  assess(c: LogCommit): Assessment | null {
    const landing = this.tracker.place(c);
    if (!landing) return null;
    const merge = c.parents.length > 1;
    const cls = this.rules.classifier.commit(c, {
      branch: merge || landing.id === c.id ? null : landing.info.branch,
      attribution: this.rules.attribution?.get(c.id),
    });
    // A merge is the vehicle of review for what it brings in, not a change that needs one.
    const required = !merge && this.rules.requireReview[cls.class === 'assisted' ? 'agent' : cls.class];
    if (merge) return { c, landing, cls, merge, required, authors: [], candidates: [], outcome: NO_REVIEW };
    const authors = changeAuthors(c);
    // A direct commit's own trailers are already among its landing's candidates.
    const own = landing.id === c.id ? [] : trailerCandidates(c);
    let candidates = own.length === 0 ? landing.info.candidates : [...own, ...landing.info.candidates];
    const involved = agentInvolved(cls);
    if ((involved || this.rules.signers) && candidates.length > 0) candidates = this.attribute(c, landing, authors, own.length, candidates, involved);
    return { c, landing, cls, merge, required, authors, candidates, outcome: this.reviews.judge(authors, candidates) };
  }

  /**
   * Marks what git's review evidence is worth for one change: a trailer that
   * the change's author or an agent typed (in the change itself, or in a merge
   * they made) is a claim for an agent-involved change, unless a signature by
   * the named reviewer's key vouches for it; and, with review.requireSigned,
   * whether each is signed by its reviewer. `own`: how many of `candidates`
   * come from the change's own commit (a side commit), before its landing's.
   */
  private attribute(c: LogCommit, landing: Landing<LandingInfo>, authors: Identity[], own: number, candidates: Candidate[], involved: boolean): Candidate[] {
    const signers = this.rules.signers ?? null;
    const info = landing.info;
    const typedByAuthor = landing.id === c.id || info.byAgent || authors.some((a) => sameIdentity(a, info.merger));
    return candidates.map((candidate, i) => {
      const source = i < own ? c.id : landing.id;
      const signer = signers?.get(source);
      const signed = signer !== undefined && signer === candidate.identity.email?.toLowerCase();
      const out: Candidate = { ...candidate };
      if (involved && candidate.via !== 'implicit' && (i < own || typedByAuthor) && !signed) out.claim = true;
      if (signers) out.form = signed ? 'signed-commit' : 'unsigned';
      return out;
    });
  }

  /**
   * Whether to ask the forge about the change: every agent-involved change
   * (git's own review evidence can be typed by anyone), and any other that
   * needs a review git does not show.
   */
  asksForge(a: Assessment): boolean {
    return !a.merge && (agentInvolved(a.cls) || (a.required && a.outcome.review === 'none'));
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
    const signed = !!this.rules.signers;
    const approvals = pull.approvers.map((p): Candidate => {
      const candidate: Candidate = {
        identity: this.identities.login(p.login),
        via: 'github',
        approval: { pullRequest: pull.number, approvedAt: p.at, approvedCommit: p.commit, mergedHead: pull.head, mergedAt: pull.mergedAt },
      };
      const voided = voidedApproval(p, pull);
      if (voided) candidate.voided = voided;
      // GitHub authenticated the account that approved; only a human one (type User) vouches for a person.
      if (signed) candidate.form = p.type === 'User' ? 'forge-account' : 'unsigned';
      return candidate;
    });
    a.outcome = this.reviews.judge([...a.authors, this.identities.login(pull.author)], [...a.candidates, ...approvals]);
  }

  /** Counts the commit, adds its findings, and returns what the evidence says about it. */
  conclude(a: Assessment): CommitDetail {
    const { c, cls, landing, outcome } = a;
    const totals = this.totals;
    totals.counts[cls.class]++;
    const involved = agentInvolved(cls);
    if (involved && cls.rule !== 'none') totals.agentSignals[cls.rule]++;
    if (involved && cls.family) {
      totals.families[cls.family] ??= { agent: 0, assisted: 0 };
      totals.families[cls.family]![cls.class as 'agent' | 'assisted']++;
    }
    const attribution = this.rules.attribution?.get(c.id);
    if (attribution) {
      if (attribution.some((n) => n.format === 'git-ai')) totals.attribution.gitAi++;
      if (attribution.some((n) => n.format === 'agent-trace')) totals.attribution.agentTrace++;
    }
    if (a.merge) totals.merges++;
    this.noteTime(c, landing.id === c.id);
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
      family: cls.family,
      signal: cls.signal,
      agentInvolved: involved,
      ...(attribution ? { attribution: [...new Set(attribution.map((n) => n.format))] } : {}),
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

  /** What a message must contain for the classifier to read it (see LogParser). */
  get messageMarkers(): readonly string[] {
    return this.rules.classifier.messageMarkers;
  }

  /** Commits referred to and not seen (see LandingTracker). */
  unresolved(): string[] {
    return this.tracker.unresolved();
  }

  /**
   * Commit times an auditor cannot take at face value: later than the
   * collection, or, on the branch's first-parent line, before the previous
   * range's end or later than the commit after it. Side commits were
   * committed elsewhere, often long before their merge, so only their
   * future is suspicious.
   */
  private noteTime(c: LogCommit, direct: boolean): void {
    const period = this.rules.period;
    if (!period) return;
    if (c.time > period.now) {
      this.findings.add('commit-time-future', 'medium', () => ({
        message: `commit ${c.id} by ${formatIdentity(c.committer)} is dated ${this.time.format(c.time)}, after the collection at ${this.time.format(period.now)}`,
        ref: c.id,
      }));
    } else if (direct && (c.time > period.end || (period.after !== null && c.time <= period.after))) {
      this.findings.add('commit-time-outside-range', 'medium', () => ({
        message: `commit ${c.id} is dated ${this.time.format(c.time)}, outside this range's period (${period.after === null ? 'its start' : `after ${this.time.format(period.after)}`} to ${this.time.format(period.end)})`,
        ref: c.id,
      }));
    }
    if (!direct) return;
    const child = this.lastLanding;
    if (child && c.time > child.time) {
      this.findings.add('commit-time-backwards', 'low', () => ({
        message: `commit ${child.id} on the branch is dated ${this.time.format(child.time)}, before its parent ${c.id} (${this.time.format(c.time)})`,
        ref: child.id,
      }));
    }
    this.lastLanding = { id: c.id, time: c.time };
  }

  private noteReviewers({ c, landing, outcome }: Assessment): void {
    for (const r of outcome.reviewers) {
      if (r.reason === 'claim') {
        this.findings.addOnce(
          'self-asserted-review',
          'medium',
          landing.id,
          () =>
            `${landing.id} names ${formatIdentity(r)} (${r.via}) as reviewer of agent-involved change ${c.id}, but the trailer was typed by the change's author or an agent; it does not count`,
        );
      } else if (r.reason === 'stale' || r.reason === 'after-merge') {
        this.findings.addOnce(r.reason === 'stale' ? 'stale-approval' : 'approval-after-merge', 'medium', landing.id, () =>
          r.reason === 'stale'
            ? `${r.name} approved pull request #${r.pullRequest} at ${r.approvedCommit ?? 'an unknown commit'}, not the head merged (${r.mergedHead ?? 'unknown'}); it does not count`
            : `${r.name} approved pull request #${r.pullRequest} at ${r.approvedAt}, after it was merged at ${r.mergedAt}; it does not count`,
        );
      } else if (r.reason === 'unsigned') {
        this.findings.addOnce(
          'unsigned-review',
          'medium',
          landing.id,
          () =>
            `${landing.id} names ${formatIdentity(r)} (${r.via}) as reviewer, but no signature by their key or authenticated forge approval vouches for it (review.requireSigned)`,
        );
      } else if (r.reason === 'self') {
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
