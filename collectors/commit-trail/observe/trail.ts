import type { Logger } from 'pino';
import type { Attachment, CollectorContext } from '../../../src/collector/contract.js';
import type { Classifier } from '../judge/classify.js';
import { FindingList } from '../judge/findings.js';
import { type RangePlan, type WindowMark, WindowStart, withStart } from '../judge/range.js';
import { type Assessment, emptyTotals, TrailJudge, type TrailRules, type TrailTotals } from '../judge/trail.js';
import type { AttributionNote } from '../parse/attribution.js';
import { Identities } from '../parse/identities.js';
import { IsoTime } from '../parse/iso-time.js';
import type { LogCommit } from '../parse/log-parser.js';
import { DetailSink } from '../record/detail.js';
import type { CommitDetail, CommitTrailOptions, ForgeRepository, Position, RepositoryOption } from '../schema.js';
import { readAttribution } from './attribution.js';
import { type LogOrder, type LogRange, readLog } from './git-log.js';
import { type GitHubClient, type GitHubSource, githubFor } from './github.js';
import { firstParentAt } from './history.js';
import { settleStart } from './range.js';
import { type RangeSignatures, signatureStatuses } from './signatures.js';
import type { OpenedRepository } from './target.js';

export interface TrailRequest {
  repo: RepositoryOption;
  opened: OpenedRepository;
  location: string;
  classifier: Classifier;
  /** The allowed signers file, resolved; undefined when git's own setting applies. */
  allowedSigners: string | undefined;
  /** Seconds since the epoch: the window's end and the collection time. */
  period: { end: number; now: number };
}

/** A range read and judged: the range as read, its findings, what it adds up to, and the per-commit detail, in the record or stored beside it. */
export interface TrailPass {
  /** The plan, with its start once the pass found it. */
  plan: RangePlan;
  findings: FindingList;
  totals: TrailTotals;
  detail: { inline: CommitDetail[] } | { attachment: Attachment };
  /** The repository on the forge, when the GitHub enrichment is configured. */
  forge: ForgeRepository | null;
}

/** What every pass over one repository shares: its signatures and its forge. */
interface PassContext {
  signatures: RangeSignatures | null;
  github: GitHubSource | null;
  attribution: Map<string, AttributionNote[]>;
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

/** The start of the window, found by git after a pass paused at a merge: the range after it is read in topological order. */
class StartAfterMerge extends Error {
  override name = 'StartAfterMerge';
  constructor(readonly start: Position) {
    super(`the window starts after ${start.commit}`);
  }
}

/**
 * Reads the commits of the planned range, judging each as it streams past; an
 * empty range reads nothing. A range that starts at the root is read in
 * date order, and so is one whose start the plan leaves open (see readPass).
 */
export async function readTrail(ctx: CollectorContext<CommitTrailOptions>, req: TrailRequest, planned: RangePlan): Promise<TrailPass> {
  const o = ctx.options;
  const signing = o.requireSigned || o.review.requireSigned;
  // Signatures are read for the range before the pass, so its start must be known first.
  let plan = signing ? await settleStart(req.opened.git, planned) : planned;
  const github = await githubFor(ctx, req.repo, req.opened.url, req.opened.branch);
  const forge = github?.forge ?? null;
  if (plan.to === null || plan.to.commit === plan.from?.commit) {
    const totals = emptyTotals();
    totals.github.unavailable = unavailable(github);
    return { plan, findings: FindingList.of([...plan.findings, ...(github?.findings ?? [])]), totals, detail: { inline: [] }, forge };
  }
  const signatures = signing ? await signatureStatuses(req.opened.dir, rangeOf(plan), req.allowedSigners, ctx.signal) : null;
  const shared: PassContext = { signatures, github, attribution: await readAttribution(req.opened.dir, ctx.signal) };
  // A whole history in date order streams at once; the rare one with commit times running backwards is read again in
  // topological order. A range with a start is read in topological order from the outset: with `^start` git walks the
  // whole range before printing in either order, and its date-ordered walk can stop early under a skewed clock and
  // list a commit that is reachable from the start, one the previous range already covered.
  if (plan.from === null) {
    const date = await readPass(ctx, req, plan, shared, 'date');
    if ('totals' in date) return date;
    plan = date.from === undefined ? await settleStart(req.opened.git, plan) : withStart(plan, date.from);
  }
  return (await readPass(ctx, req, plan, shared, 'topo')) as TrailPass;
}

function unavailable(github: GitHubSource | null): boolean {
  return github?.findings.some((f) => f.code === 'github-unavailable') ?? false;
}

function rangeOf(plan: RangePlan): LogRange {
  return { to: plan.to!.commit, exclude: plan.from?.commit ?? null };
}

/**
 * One pass over the range in `order`. Or, when a date-ordered pass cannot be
 * the range, where the range read again in topological order starts (null:
 * the root; undefined: still to be found), before anything of the pass is
 * stored: its commit times run backwards somewhere, or its window starts
 * after a merge.
 *
 * A plan whose start is open is read in date order from its end, following
 * the first-parent line (WindowStart) without a walk of its own. Up to the
 * first merge the pass lists that one line, in both orders alike: meeting the
 * start there, it ends, and holds the range; reaching the root, it is the
 * whole history. At a merge the line could still lead far, and a window that
 * starts inside a long history would be read twice: the pass pauses, git
 * follows the line from there (`rev-list`), and the pass goes on from the
 * merge when the window starts before the first commit.
 */
async function readPass(
  ctx: CollectorContext<CommitTrailOptions>,
  req: TrailRequest,
  plan: RangePlan,
  shared: PassContext,
  order: LogOrder,
): Promise<TrailPass | { from: Position | null | undefined }> {
  const o = ctx.options;
  const range = rangeOf(plan);
  const { signatures, github } = shared;
  const findings = FindingList.of([...plan.findings, ...(github?.findings ?? [])]);
  const sink = new DetailSink((input) => ctx.attach(input));
  const finder = order === 'date' && plan.startBefore !== undefined ? new WindowStart(range.to, plan.startBefore) : null;
  // The range's start, once known (undefined: not yet).
  let from: Position | null | undefined = finder ? undefined : plan.from;
  try {
    const rules: TrailRules = {
      classifier: req.classifier,
      attribution: shared.attribution,
      requireReview: o.requireReview,
      implicitReview: o.implicitReview,
      signatures: o.requireSigned ? (signatures?.statuses ?? null) : null,
      signers: o.review.requireSigned ? (signatures?.signers ?? null) : null,
      period: { ...req.period, after: plan.from ? Math.floor(Date.parse(plan.from.time) / 1000) : null },
    };
    const judge = new TrailJudge(rules, findings, new Identities(), range.to);
    judge.totals.github.unavailable = unavailable(github);
    const walk = new TrailWalk(judge, github?.client ?? null, sink, ctx.log, ctx.signal);
    let run = await walk.run(req.opened.dir, range, order, finder);
    if (run.stop?.reason === 'start') {
      from = position(run.stop.commit);
    } else if (run.stop?.reason === 'merge') {
      const start = await firstParentAt(req.opened.git, run.stop.commit.id, plan.startBefore! - 1);
      if (start) throw new StartAfterMerge(position({ id: start.id, time: start.seconds }));
      from = null;
      // Above the merge the walk from the end listed one line; from the merge on, a walk from it lists exactly what that one would have.
      run = await walk.run(req.opened.dir, { to: run.stop.commit.id, exclude: null }, order, null);
    }
    // A date pass reads a whole history, where every parent named is read too: one left over came before its child.
    if (order === 'date' && run.stop === null && run.unresolved.length > 0) throw new OutOfOrder(run.unresolved);
    return { plan: withStart(plan, from ?? null), findings, totals: run.totals, detail: await sink.finish(), forge: github?.forge ?? null };
  } catch (err) {
    sink.abandon(err as Error);
    if (err instanceof StartAfterMerge) return { from: err.start };
    if (!(err instanceof OutOfOrder)) throw err;
    ctx.log.info({ repository: req.location, reason: err.message }, 'commit times run backwards in this range; reading it again in topological order');
    return { from };
  }
}

const position = (c: { id: string; time: number }): Position => ({ commit: c.id, time: new IsoTime().format(c.time) });

/** Where a pass stopped before the end of git's output, watching for a window's start. */
type Stop = { reason: WindowMark; commit: LogCommit } | null;

/**
 * One pass over a range: reads it with one `git log`, hands each commit to the
 * judge as it streams past and its detail to the sink. Everything per commit
 * is synchronous except a GitHub lookup, once per landing, which only an
 * agent-involved change, or another still missing a required review after
 * git's own evidence, can trigger.
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
   * Reads the range in `order`, or until `finder` marks a commit, which is
   * left unjudged. Returns what was not seen but referred to, so the caller
   * can tell a date-ordered pass that met a commit before one of its children
   * (see LandingTracker); throws OutOfOrder when that is plain already
   * during the pass. A later call goes on with the same judge.
   */
  async run(dir: string, range: LogRange, order: LogOrder, finder: WindowStart | null): Promise<{ totals: TrailTotals; unresolved: string[]; stop: Stop }> {
    const judge = this.judge;
    for await (const batch of readLog(dir, range, order, this.signal, judge.messageMarkers, judge.identities)) {
      for (const c of batch) {
        const mark = finder?.see(c);
        if (mark) return { totals: judge.totals, unresolved: [], stop: { reason: mark, commit: c } };
        const a = judge.assess(c);
        if (!a) {
          if (order === 'date') throw new OutOfOrder(c.id);
          throw new Error(`git log listed ${c.id} before any commit that has it as a parent; cannot tell how it reached the branch`);
        }
        if (judge.asksForge(a) && (this.github || a.landing.info.pull)) await this.addApprovals(a);
        this.sink.add(judge.conclude(a));
      }
      await this.sink.drain();
    }
    return { totals: judge.totals, unresolved: judge.unresolved(), stop: null };
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
