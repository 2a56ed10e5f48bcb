import type { Logger } from 'pino';
import type { Attachment, CollectorContext } from '../../../src/collector/contract.js';
import { type Classifier, MESSAGE_MARKERS } from '../judge/classify.js';
import { FindingList } from '../judge/findings.js';
import type { RangePlan } from '../judge/range.js';
import { type Assessment, emptyTotals, TrailJudge, type TrailRules, type TrailTotals } from '../judge/trail.js';
import { Identities } from '../parse/identities.js';
import { DetailSink } from '../record/detail.js';
import type { CommitDetail, CommitTrailOptions, RepositoryOption, SignatureStatus } from '../schema.js';
import { type LogOrder, type LogRange, readLog } from './git-log.js';
import { type GitHubClient, githubFor } from './github.js';
import { signatureStatuses } from './signatures.js';
import type { OpenedRepository } from './target.js';

export interface TrailRequest {
  repo: RepositoryOption;
  opened: OpenedRepository;
  location: string;
  classifier: Classifier;
  /** The allowed signers file, resolved; undefined when git's own setting applies. */
  allowedSigners: string | undefined;
}

/** A range read and judged: its findings, what it adds up to, and the per-commit detail, in the record or stored beside it. */
export interface TrailPass {
  findings: FindingList;
  totals: TrailTotals;
  detail: { inline: CommitDetail[] } | { attachment: Attachment };
}

/** A date-ordered pass met a commit before one of its children: its commit times run backwards somewhere. */
class OutOfOrder extends Error {
  override name = 'OutOfOrder';
  constructor(at: string | string[]) {
    super(
      typeof at === 'string'
        ? `git log listed ${at} before a commit that has it as a parent`
        : `a commit was listed before one of its children; these parents were left unresolved: ${at.slice(0, 5).join(', ')}${at.length > 5 ? ', …' : ''}`,
    );
  }
}

/** Reads the commits of the planned range, judging each as it streams past; an empty range reads nothing. */
export async function readTrail(ctx: CollectorContext<CommitTrailOptions>, req: TrailRequest, plan: RangePlan): Promise<TrailPass> {
  if (plan.to === null || plan.to.commit === plan.from?.commit)
    return { findings: FindingList.of(plan.findings), totals: emptyTotals(), detail: { inline: [] } };
  const range: LogRange = { to: plan.to.commit, exclude: plan.from?.commit ?? null };
  const signatures = ctx.options.requireSigned ? await signatureStatuses(req.opened.dir, range, req.allowedSigners, ctx.signal) : null;
  // A whole history in date order streams at once; the rare one with commit times running backwards is read again in
  // topological order. A range with a start is read in topological order from the outset: with `^start` git walks the
  // whole range before printing in either order, and its date-ordered walk can stop early under a skewed clock and
  // list a commit that is reachable from the start, one the previous range already covered.
  const date = range.exclude === null ? await readPass(ctx, req, plan, range, signatures, 'date') : null;
  return date ?? (await readPass(ctx, req, plan, range, signatures, 'topo'))!;
}

/**
 * One pass over the range in `order`; null when a date-ordered pass met a
 * commit before one of its children, before anything of it is stored.
 */
async function readPass(
  ctx: CollectorContext<CommitTrailOptions>,
  req: TrailRequest,
  plan: RangePlan,
  range: LogRange,
  signatures: Map<string, SignatureStatus> | null,
  order: LogOrder,
): Promise<TrailPass | null> {
  const o = ctx.options;
  const findings = FindingList.of(plan.findings);
  const github = await githubFor(ctx, req.repo, req.opened.git, findings);
  const sink = new DetailSink((input) => ctx.attach(input));
  try {
    const rules: TrailRules = { classifier: req.classifier, requireReview: o.requireReview, implicitReview: o.implicitReview, signatures };
    const walk = new TrailWalk(new TrailJudge(rules, findings, new Identities(), range.to), github, sink, ctx.log, ctx.signal);
    const { totals, unresolved } = await walk.run(req.opened.dir, range, order);
    // A date pass reads a whole history, where every parent named is read too: one left over came before its child.
    if (order === 'date' && unresolved.length > 0) throw new OutOfOrder(unresolved);
    return { findings, totals, detail: await sink.finish() };
  } catch (err) {
    sink.abandon(err as Error);
    if (!(err instanceof OutOfOrder)) throw err;
    ctx.log.info({ repository: req.location, reason: err.message }, 'commit times run backwards in this range; reading it again in topological order');
    return null;
  }
}

/**
 * One pass over a range: reads it with one `git log`, hands each commit to the
 * judge as it streams past and its detail to the sink. Everything per commit
 * is synchronous except a GitHub lookup, which only a commit still missing a
 * required review after git's own evidence can trigger.
 */
class TrailWalk {
  constructor(
    private readonly judge: TrailJudge,
    private github: GitHubClient | null,
    private readonly sink: DetailSink,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * Reads the range in `order`. Returns what was not seen but referred to, so
   * the caller can tell a date-ordered pass that met a commit before one of
   * its children (see LandingTracker); throws OutOfOrder when that is plain
   * already during the pass.
   */
  async run(dir: string, range: LogRange, order: LogOrder): Promise<{ totals: TrailTotals; unresolved: string[] }> {
    const judge = this.judge;
    for await (const batch of readLog(dir, range, order, this.signal, MESSAGE_MARKERS, judge.identities)) {
      for (const c of batch) {
        const a = judge.assess(c);
        if (!a) {
          if (order === 'date') throw new OutOfOrder(c.id);
          throw new Error(`git log listed ${c.id} before any commit that has it as a parent; cannot tell how it reached the branch`);
        }
        if (judge.lacksReview(a) && (this.github || a.landing.info.pull)) await this.addApprovals(a);
        this.sink.add(judge.conclude(a));
      }
      await this.sink.drain();
    }
    return { totals: judge.totals, unresolved: judge.unresolved() };
  }

  private async addApprovals(a: Assessment): Promise<void> {
    const info = a.landing.info;
    if (info.pull === undefined && this.github) {
      try {
        this.judge.notePull(info, await this.github.reviewsFor(a.landing.id));
      } catch (err) {
        if (this.signal.aborted) throw err;
        // One failure (a bad token, a rate limit) would repeat for every commit: say it once and go on from git alone.
        const message = (err as Error).message;
        this.judge.noteGitHubUnavailable(info, message);
        this.log.warn({ error: message }, 'GitHub enrichment stopped for this repository');
        this.github = null;
      }
    }
    if (info.pull) this.judge.addApprovals(a, info.pull);
  }
}
