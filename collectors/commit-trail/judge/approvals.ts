import type { PullSummary, ReviewEvent } from '../parse/github.js';

/** A user's standing approval of a pull request: when it was given and on which head. */
export interface Approval {
  login: string;
  type: string;
  /** `submitted_at`; null when the answer has none. */
  at: string | null;
  /** The head the approval was given on; null when the answer has none. */
  commit: string | null;
}

/** The pull request that landed a commit, and who approved it, from the GitHub REST API. */
export interface PullRequestReviews {
  number: number;
  author: string;
  /** When it was merged, and the head it was merged at. */
  mergedAt: string | null;
  head: string | null;
  /** Users whose latest decisive review is an approval. */
  approvers: Approval[];
}

/** Of the pull requests GitHub lists for a commit, the one merged as that commit, else the first merged one. */
export function pullThatLanded(pulls: readonly PullSummary[], commit: string): PullSummary | undefined {
  return pulls.find((p) => p.mergeCommit === commit) ?? pulls.find((p) => p.merged);
}

/**
 * Why an approval cannot count, whoever gave it: it approved another head
 * than the one merged (`stale`: pushes after it went unreviewed), or came
 * after the merge. An approval that does not say which head or when is
 * taken as stale: nothing shows it saw what was merged.
 */
export function voidedApproval(a: Approval, pull: PullRequestReviews): 'stale' | 'after-merge' | null {
  if (a.at !== null && pull.mergedAt !== null && Date.parse(a.at) > Date.parse(pull.mergedAt)) return 'after-merge';
  if (a.commit === null || pull.head === null || a.commit !== pull.head) return 'stale';
  return null;
}

/**
 * Follows each reviewer's standing through a pull request's reviews, oldest
 * first, up to the merge (`mergedAt`); an approval after it is kept apart,
 * so it is listed as such instead of replacing the standing at the merge.
 */
export class ApprovalTally {
  private readonly latest = new Map<string, ReviewEvent>();
  private readonly late = new Map<string, ReviewEvent>();
  private readonly mergedAt: number;

  constructor(mergedAt: string | null = null) {
    this.mergedAt = mergedAt === null ? Number.POSITIVE_INFINITY : Date.parse(mergedAt);
  }

  add(review: ReviewEvent): void {
    const { state } = review;
    // A comment neither grants nor withdraws approval; the newest approval, change request or dismissal decides.
    if (state !== 'APPROVED' && state !== 'CHANGES_REQUESTED' && state !== 'DISMISSED') return;
    if (review.at !== null && Date.parse(review.at) > this.mergedAt) {
      if (state === 'APPROVED') this.late.set(review.login, review);
      return;
    }
    this.latest.set(review.login, review);
  }

  /** Users whose latest decisive review up to the merge is an approval, then those who approved only after it. */
  approvers(): Approval[] {
    const standing = [...this.latest.values()].filter((r) => r.login !== '' && r.state === 'APPROVED');
    const late = [...this.late.values()].filter((r) => r.login !== '' && !standing.some((s) => s.login === r.login));
    return [...standing, ...late].map((r) => ({ login: r.login, type: r.type, at: r.at, commit: r.commit }));
  }
}
