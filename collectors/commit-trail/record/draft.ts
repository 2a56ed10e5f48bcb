import type { RecordDraft } from '../../../src/collector/contract.js';
import type { EffectiveCatalog } from '../catalog/catalog.js';
import type { RangePlan } from '../judge/range.js';
import type { TrailTotals } from '../judge/trail.js';
import type { RangeVerdict } from '../judge/verdict.js';
import { ATTRIBUTION_REFS } from '../observe/attribution.js';
import type { TrailPass } from '../observe/trail.js';
import type { CommitTrailOptions, CommitTrailPayload, Position, RangePayload } from '../schema.js';

/** Which repository and branch a record is about. */
export interface RangeSubject {
  location: string;
  branch: string;
  /** `<location>#<branch>`. */
  subject: string;
  /** The remote URL without credentials (null: none), and the branch's tip as read. */
  url: string | null;
  tip: Position;
}

const short = (id: string) => id.slice(0, 12);

/** The record of one repository's range; it carries every repository's position, this one's updated. */
export function rangeDraft(
  o: CommitTrailOptions,
  where: RangeSubject,
  pass: TrailPass,
  verdict: RangeVerdict,
  positions: Record<string, Position>,
  catalog: EffectiveCatalog,
): RecordDraft<CommitTrailPayload> {
  const { plan, findings, totals, detail } = pass;
  const data: RangePayload = {
    repository: {
      location: where.location,
      branch: where.branch,
      url: where.url,
      tip: where.tip,
      ...(o.github ? { forge: pass.forge } : {}),
    },
    range: { from: plan.from, to: plan.to, basis: plan.basis },
    counts: totals.counts,
    merges: totals.merges,
    agentSignals: totals.agentSignals,
    families: totals.families,
    catalog: {
      version: catalog.catalog.version,
      sha256: catalog.sha256,
      sources: catalog.sources,
      added: catalog.added,
      replaced: catalog.replaced,
      disabled: catalog.disabled,
    },
    attribution: {
      gitAi: { ref: ATTRIBUTION_REFS['git-ai'], commits: totals.attribution.gitAi },
      agentTrace: { ref: ATTRIBUTION_REFS['agent-trace'], commits: totals.attribution.agentTrace },
    },
    review: {
      ...totals.review,
      implicitAccepted: o.implicitReview,
      requirements: {
        classes: { ...o.requireReview },
        implicit: o.implicitReview,
        signed: o.review.requireSigned,
        forge: o.github ? 'github' : null,
        selfAssertedTrailers: 'claim',
      },
    },
    signing: { required: o.requireSigned, ...totals.signing },
    ...(o.github ? { github: totals.github } : {}),
    ...('inline' in detail ? { commits: detail.inline } : {}),
    positions: { ...positions },
  };
  return {
    subject: { kind: 'git-repository', id: where.subject },
    status: verdict.status,
    summary: summarize(where, plan, totals, verdict.rewritten),
    findings: findings.all(),
    data,
    attachments: 'attachment' in detail ? [detail.attachment] : [],
  };
}

function summarize(where: RangeSubject, plan: RangePlan, t: TrailTotals, rewritten: boolean): string {
  const place = `${where.branch} of ${where.location}`;
  const { from, to } = plan;
  if (to === null) return `${place} has no commit up to the end of the window.`;
  if (to.commit === from?.commit) return `No new commit reached ${place} since ${short(to.commit)}.`;
  const total = t.counts.agent + t.counts.assisted + t.counts.bot + t.counts.human;
  const since = from ? `after ${short(from.commit)}` : 'from the start of its history';
  const parts = [
    `${total} commits reached ${place} ${since} up to ${short(to.commit)} (${t.counts.agent} agent, ${t.counts.assisted} AI-assisted, ${t.counts.bot} bot, ${t.counts.human} human)`,
  ];
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
