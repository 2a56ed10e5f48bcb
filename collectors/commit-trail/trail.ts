import type { Logger } from 'pino';
import { MESSAGE_MARKERS, type Classification, type Classifier, type Signal } from './classify.js';
import type { DetailSink } from './detail.js';
import type { FindingList } from './findings.js';
import type { GitHubClient, PullRequestReviews } from './github.js';
import { readLog, type LogCommit, type LogOrder, type LogRange } from './git-log.js';
import { Identities } from './identities.js';
import { formatIdentity, type Identity } from './identity.js';
import { IsoTime } from './iso-time.js';
import { LandingTracker, type Landing } from './landing.js';
import type { CommitClass } from './options.js';
import type { SignatureStatus } from './repository.js';
import { changeAuthors, landingCandidates, ReviewJudge, trailerCandidates, type Candidate, type ReviewOutcome } from './review.js';

export interface TrailSettings {
  classifier: Classifier;
  requireReview: Record<CommitClass, boolean>;
  implicitReview: boolean;
  /** `%G?` of every commit of the range; null when signing is not required. */
  signatures: Map<string, SignatureStatus> | null;
  github: GitHubClient | null;
  log: Logger;
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

interface LandingInfo {
  candidates: Candidate[];
  /** Looked up once per landing, and only when a commit it landed still lacks a required review. */
  pull?: PullRequestReviews | null;
}

/** One commit judged from git alone, before any GitHub lookup. */
interface Assessment {
  c: LogCommit;
  landing: Landing<LandingInfo>;
  cls: Classification;
  merge: boolean;
  required: boolean;
  authors: Identity[];
  candidates: Candidate[];
  outcome: ReviewOutcome;
}

/** A date-ordered pass met a commit before one of its children: its commit times run backwards somewhere. */
export class OutOfOrder extends Error {
  override name = 'OutOfOrder';
  constructor(at: string | string[]) {
    super(
      typeof at === 'string'
        ? `git log listed ${at} before a commit that has it as a parent`
        : `a commit was listed before one of its children; these parents were left unresolved: ${at.slice(0, 5).join(', ')}${at.length > 5 ? ', …' : ''}`,
    );
  }
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
 * One pass over a range: reads it with one `git log`, judges each commit as it
 * streams past and writes its detail to the sink. Everything per commit is
 * synchronous except a GitHub lookup, which only a commit still missing a
 * required review after git's own evidence can trigger.
 */
export class TrailWalk {
  readonly totals = emptyTotals();
  private readonly judge: ReviewJudge;
  private readonly time = new IsoTime();
  private readonly identities = new Identities();
  private github: GitHubClient | null;

  constructor(
    private readonly settings: TrailSettings,
    private readonly sink: DetailSink,
    private readonly findings: FindingList,
    private readonly signal: AbortSignal,
  ) {
    this.judge = new ReviewJudge((i) => settings.classifier.identity(i));
    this.github = settings.github;
  }

  /**
   * Reads the range in `order`. Returns what was not seen but referred to, so
   * the caller can tell a date-ordered pass that met a commit before one of
   * its children (see LandingTracker); throws OutOfOrder when that is plain
   * already during the pass.
   */
  async run(dir: string, range: LogRange, order: LogOrder): Promise<{ totals: TrailTotals; unresolved: string[] }> {
    const tracker = new LandingTracker<LandingInfo>(range.to, (c) => ({ candidates: landingCandidates(c, this.settings.implicitReview) }));
    for await (const batch of readLog(dir, range, order, this.signal, MESSAGE_MARKERS, this.identities)) {
      for (const c of batch) {
        const landing = tracker.place(c);
        if (!landing) {
          if (order === 'date') throw new OutOfOrder(c.id);
          throw new Error(`git log listed ${c.id} before any commit that has it as a parent; cannot tell how it reached the branch`);
        }
        const a = this.assess(c, landing);
        if (a.required && a.outcome.review === 'none' && (this.github || a.landing.info.pull)) await this.addApprovals(a);
        this.conclude(a);
      }
      await this.sink.drain();
    }
    return { totals: this.totals, unresolved: tracker.unresolved() };
  }

  private assess(c: LogCommit, landing: Landing<LandingInfo>): Assessment {
    const cls = this.settings.classifier.commit(c);
    const merge = c.parents.length > 1;
    // A merge is the vehicle of review for what it brings in, not a change that needs one.
    const required = !merge && this.settings.requireReview[cls.class];
    if (merge) return { c, landing, cls, merge, required, authors: [], candidates: [], outcome: NO_REVIEW };
    const authors = changeAuthors(c);
    // A direct commit's own trailers are already among its landing's candidates.
    const own = landing.id === c.id ? [] : trailerCandidates(c);
    const candidates = own.length === 0 ? landing.info.candidates : [...own, ...landing.info.candidates];
    return { c, landing, cls, merge, required, authors, candidates, outcome: this.judge.judge(authors, candidates) };
  }

  private async addApprovals(a: Assessment): Promise<void> {
    const info = a.landing.info;
    if (info.pull === undefined && this.github) {
      try {
        info.pull = await this.github.reviewsFor(a.landing.id);
        if (info.pull) this.totals.github.pullRequests++;
      } catch (err) {
        if (this.signal.aborted) throw err;
        // One failure (a bad token, a rate limit) would repeat for every commit: say it once and go on from git alone.
        const message = (err as Error).message;
        this.findings.add('github-unavailable', 'low', () => ({ message: `pull request reviews could not be read: ${message}` }));
        this.settings.log.warn({ error: message }, 'GitHub enrichment stopped for this repository');
        this.totals.github.unavailable = true;
        this.github = null;
        info.pull = null;
      }
    }
    const pull = info.pull;
    if (!pull) return;
    const approvals = pull.approvers.map((p): Candidate => ({ identity: this.identities.login(p.login), via: 'github' }));
    a.outcome = this.judge.judge([...a.authors, this.identities.login(pull.author)], [...a.candidates, ...approvals]);
  }

  private conclude(a: Assessment): void {
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

    const signatures = this.settings.signatures;
    const signature: SignatureStatus | null = signatures ? (signatures.get(c.id) ?? 'none') : null;
    if (signature !== null) {
      totals.signing.checked++;
      if (signature !== 'good') {
        totals.signing.unsigned++;
        this.findings.add('unsigned-commit', 'high', () => ({ message: `commit ${c.id} by ${formatIdentity(c.author)} has no valid signature (${signature})`, ref: c.id }));
      }
    }

    this.sink.add({
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
    });
  }

  private noteReviewers({ c, landing, outcome }: Assessment): void {
    for (const r of outcome.reviewers) {
      if (r.reason === 'self') {
        this.findings.addOnce('self-approved', 'medium', landing.id, () => `${landing.id} names ${formatIdentity(r)} (${r.via}) as reviewer of their own change ${c.id}`);
      } else if ((r.reason === 'agent' || r.reason === 'bot') && r.via !== 'implicit') {
        this.findings.addOnce('reviewer-is-agent', 'medium', landing.id, () => `${landing.id} names ${formatIdentity(r)} (${r.via}), ${r.reason === 'agent' ? 'an agent' : 'a bot'}, as reviewer; it does not count`);
      }
    }
  }
}
