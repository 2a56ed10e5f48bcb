import type { RecordStatus } from '../../../src/collector/contract.js';
import type { RangePlan } from './range.js';
import type { TrailTotals } from './trail.js';

export interface RangeVerdict {
  status: RecordStatus;
  /** The branch was rewritten since the last run (the plan says `history-rewritten`). */
  rewritten: boolean;
}

/** A range fails when a required review or signature is missing, or the branch was rewritten since the last run. */
export function rangeVerdict(plan: RangePlan, totals: TrailTotals): RangeVerdict {
  const rewritten = plan.findings.some((f) => f.code === 'history-rewritten');
  const status: RecordStatus = totals.review.missing > 0 || totals.signing.unsigned > 0 || rewritten ? 'fail' : 'pass';
  return { status, rewritten };
}
