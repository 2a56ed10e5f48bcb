import type { PullSummary, ReviewEvent } from '../parse/github.js';

/** The pull request that landed a commit, and who approved it, from the GitHub REST API. */
export interface PullRequestReviews {
  number: number;
  author: string;
  /** Users whose latest decisive review is an approval. */
  approvers: { login: string; type: string }[];
}

/** Of the pull requests GitHub lists for a commit, the one merged as that commit, else the first merged one. */
export function pullThatLanded(pulls: readonly PullSummary[], commit: string): PullSummary | undefined {
  return pulls.find((p) => p.mergeCommit === commit) ?? pulls.find((p) => p.merged);
}

/** Follows each reviewer's standing through a pull request's reviews, oldest first. */
export class ApprovalTally {
  private readonly latest = new Map<string, { state: string; type: string }>();

  add(review: ReviewEvent): void {
    const { state } = review;
    // A comment neither grants nor withdraws approval; the newest approval, change request or dismissal decides.
    if (state === 'APPROVED' || state === 'CHANGES_REQUESTED' || state === 'DISMISSED') {
      this.latest.set(review.login, { state, type: review.type });
    }
  }

  /** Users whose latest decisive review is an approval. */
  approvers(): { login: string; type: string }[] {
    return [...this.latest].filter(([login, r]) => login !== '' && r.state === 'APPROVED').map(([login, r]) => ({ login, type: r.type }));
  }
}
