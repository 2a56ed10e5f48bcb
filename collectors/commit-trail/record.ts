import { existsSync } from 'node:fs';
import type { Attachment, CollectorContext, JsonObject, RecordDraft, RecordStatus } from '../../src/collector/contract.js';
import type { Classifier } from './classify.js';
import { DetailSink, type CommitDetail } from './detail.js';
import { FindingList } from './findings.js';
import { GitHubClient, repositoryFromUrl } from './github.js';
import type { LogOrder, LogRange } from './git-log.js';
import type { CommitTrailOptions, RepositoryOption } from './options.js';
import { planRange, type Position, type RangePlan } from './range.js';
import { originUrl, RepositoryProblem, signatureStatuses, type SignatureStatus } from './repository.js';
import type { OpenedRepository } from './target.js';
import { emptyTotals, OutOfOrder, TrailWalk, type TrailTotals } from './trail.js';

export interface RangeRequest {
  repo: RepositoryOption;
  opened: OpenedRepository;
  location: string;
  subject: string;
  classifier: Classifier;
  /** End of the window, in seconds since the epoch. */
  end: number;
  previous: Position | undefined;
  continuityLost: boolean;
}

export interface RangeRecord {
  draft: RecordDraft & { data: JsonObject };
  /** Where this range ended, for the next run; null when the branch has no commit yet. */
  position: Position | null;
}

const short = (id: string) => id.slice(0, 12);

async function githubClient(ctx: CollectorContext<CommitTrailOptions>, req: RangeRequest, findings: FindingList): Promise<GitHubClient | null> {
  const github = ctx.options.github;
  if (!github) return null;
  const url = 'url' in req.repo ? req.repo.url : await originUrl(req.opened.git);
  const repository = req.repo.github ?? (url ? repositoryFromUrl(url) : null);
  if (!repository) {
    findings.add('github-unavailable', 'low', () => ({ message: 'cannot tell which GitHub repository this is; set `github: owner/name` on the repository' }));
    return null;
  }
  return new GitHubClient(github.apiUrl, github.token, repository, ctx.signal);
}

interface RangePass {
  findings: FindingList;
  totals: TrailTotals;
  detail: { inline: CommitDetail[] } | { attachment: Attachment };
}

function planFindings(plan: RangePlan): FindingList {
  const findings = new FindingList();
  for (const { code, severity, ...rest } of plan.findings) findings.add(code, severity, () => rest);
  return findings;
}

/**
 * One pass over the range in `order`; null when a date-ordered pass met a
 * commit before one of its children, before anything of it is stored.
 */
async function readRange(
  ctx: CollectorContext<CommitTrailOptions>,
  req: RangeRequest,
  plan: RangePlan,
  range: LogRange,
  signatures: Map<string, SignatureStatus> | null,
  order: LogOrder,
): Promise<RangePass | null> {
  const o = ctx.options;
  const findings = planFindings(plan);
  const github = await githubClient(ctx, req, findings);
  const sink = new DetailSink((input) => ctx.attach(input));
  try {
    const settings = { classifier: req.classifier, requireReview: o.requireReview, implicitReview: o.implicitReview, signatures, github, log: ctx.log };
    const { totals, unresolved } = await new TrailWalk(settings, sink, findings, ctx.signal).run(req.opened.dir, range, order);
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

/** Reads one repository's range and turns it into the record draft (the caller adds the stream's positions). */
export async function collectRange(ctx: CollectorContext<CommitTrailOptions>, req: RangeRequest): Promise<RangeRecord> {
  const o = ctx.options;
  const { opened } = req;
  const allowedSigners = o.allowedSigners ? ctx.resolvePath(o.allowedSigners) : undefined;
  // git would quietly report every SSH signature as untrusted; a missing file is a configuration problem, not unsigned commits.
  if (o.requireSigned && allowedSigners && !existsSync(allowedSigners)) throw new RepositoryProblem(`the allowed signers file ${allowedSigners} does not exist`);
  const plan = await planRange({ git: opened.git, branch: opened.branch, end: req.end, previous: req.previous, continuityLost: req.continuityLost, window: o.window });
  let pass: RangePass = { findings: planFindings(plan), totals: emptyTotals(), detail: { inline: [] } };
  if (plan.to !== null && plan.to.commit !== plan.from?.commit) {
    const range: LogRange = { to: plan.to.commit, exclude: plan.from?.commit ?? null };
    const signatures = o.requireSigned ? await signatureStatuses(opened.dir, range, allowedSigners, ctx.signal) : null;
    // A whole history in date order streams at once; the rare one with commit times running backwards is read again in
    // topological order. A range with a start is read in topological order from the outset: with `^start` git walks the
    // whole range before printing in either order, and its date-ordered walk can stop early under a skewed clock and
    // list a commit that is reachable from the start, one the previous range already covered.
    const date = range.exclude === null ? await readRange(ctx, req, plan, range, signatures, 'date') : null;
    pass = date ?? (await readRange(ctx, req, plan, range, signatures, 'topo'))!;
  }
  const { findings, totals, detail } = pass;

  const { from, to } = plan;
  const rewritten = plan.findings.some((f) => f.code === 'history-rewritten');
  const status: RecordStatus = totals.review.missing > 0 || totals.signing.unsigned > 0 || rewritten ? 'fail' : 'pass';
  const data = {
    repository: { location: req.location, branch: opened.branch },
    range: { from, to, basis: plan.basis },
    counts: totals.counts,
    merges: totals.merges,
    agentSignals: totals.agentSignals,
    review: { ...totals.review, implicitAccepted: o.implicitReview },
    signing: { required: o.requireSigned, ...totals.signing },
    ...(o.github ? { github: totals.github } : {}),
    ...('inline' in detail ? { commits: detail.inline } : {}),
  };
  return {
    draft: {
      subject: { kind: 'git-repository', id: req.subject },
      status,
      summary: summarize(req, plan, totals, rewritten),
      findings: findings.all(),
      data: data as unknown as JsonObject,
      attachments: 'attachment' in detail ? [detail.attachment] : [],
    },
    position: to,
  };
}

function summarize(req: RangeRequest, plan: RangePlan, t: TrailTotals, rewritten: boolean): string {
  const where = `${req.opened.branch} of ${req.location}`;
  const { from, to } = plan;
  if (to === null) return `${where} has no commit up to the end of the window.`;
  if (to.commit === from?.commit) return `No new commit reached ${where} since ${short(to.commit)}.`;
  const total = t.counts.agent + t.counts.bot + t.counts.human;
  const since = from ? `after ${short(from.commit)}` : 'from the start of its history';
  const parts = [`${total} commits reached ${where} ${since} up to ${short(to.commit)} (${t.counts.agent} agent, ${t.counts.bot} bot, ${t.counts.human} human)`];
  if (t.review.required > 0) {
    parts.push(
      t.review.missing === 0
        ? `all ${t.review.required} that need review were reviewed by a human other than their authors`
        : `${t.review.missing} of ${t.review.required} that need review have no human reviewer other than their authors`,
    );
  }
  if (t.signing.checked > 0) parts.push(t.signing.unsigned === 0 ? 'all are validly signed' : `${t.signing.unsigned} are not validly signed`);
  if (rewritten) parts.push('the branch was rewritten since the last run');
  return `${parts.join('; ')}.`;
}
