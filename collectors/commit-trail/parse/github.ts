import type { BranchProtection } from '../schema.js';

/** What the enrichment reads of a pull request that lists a commit. */
export interface PullSummary {
  /** null when the answer has none. */
  number: number | null;
  mergeCommit: string;
  merged: boolean;
  /** `merged_at`, and the head it was merged at; null when the answer has none. */
  mergedAt: string | null;
  head: string | null;
  author: string;
}

/** One review of a pull request, as the REST API lists them, oldest first. */
export interface ReviewEvent {
  /** `APPROVED`, `CHANGES_REQUESTED`, `DISMISSED`, `COMMENTED`, … */
  state: string;
  login: string;
  /** The account type: `User`, `Bot`, … */
  type: string;
  /** `submitted_at` and `commit_id` (the head reviewed); null when the answer has none. */
  at: string | null;
  commit: string | null;
}

type Json = unknown;

function field(value: Json, key: string): Json {
  return typeof value === 'object' && value !== null ? (value as Record<string, Json>)[key] : undefined;
}

function text(value: Json): string {
  return typeof value === 'string' ? value : '';
}

const COMMIT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function commitId(value: Json): string | null {
  return typeof value === 'string' && COMMIT_ID.test(value) ? value : null;
}

function time(value: Json): string | null {
  return typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) ? value : null;
}

function flag(value: Json): boolean {
  return value === true;
}

/** An entry of `GET /repos/{owner}/{name}/commits/{sha}/pulls`. */
export function pullSummary(pull: Json): PullSummary {
  const number = field(pull, 'number');
  return {
    number: typeof number === 'number' ? number : null,
    mergeCommit: text(field(pull, 'merge_commit_sha')),
    merged: text(field(pull, 'merged_at')) !== '',
    mergedAt: time(field(pull, 'merged_at')),
    head: commitId(field(field(pull, 'head'), 'sha')),
    author: text(field(field(pull, 'user'), 'login')),
  };
}

/** An entry of `GET /repos/{owner}/{name}/pulls/{number}/reviews`. */
export function reviewEvent(review: Json): ReviewEvent {
  const user = field(review, 'user');
  return {
    state: text(field(review, 'state')),
    login: text(field(user, 'login')),
    type: text(field(user, 'type')),
    at: time(field(review, 'submitted_at')),
    commit: commitId(field(review, 'commit_id')),
  };
}

/** `GET /repos/{owner}/{name}`: the repository's own id, which survives renames and transfers. */
export function repositoryId(repo: Json): number | null {
  const id = field(repo, 'id');
  return typeof id === 'number' && Number.isInteger(id) ? id : null;
}

/** `GET /repos/{owner}/{name}/branches/{branch}/protection`: the rules that bear on review. */
export function branchProtection(protection: Json): BranchProtection {
  const reviews = field(protection, 'required_pull_request_reviews');
  const count = field(reviews, 'required_approving_review_count');
  return {
    protected: true,
    requiredApprovals: reviews === undefined || reviews === null ? null : typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : 0,
    dismissStaleReviews: flag(field(reviews, 'dismiss_stale_reviews')),
    requireCodeOwnerReviews: flag(field(reviews, 'require_code_owner_reviews')),
    requireLastPushApproval: flag(field(reviews, 'require_last_push_approval')),
    adminsBound: flag(field(field(protection, 'enforce_admins'), 'enabled')),
  };
}

/** What the record says of a branch the forge reports unprotected. */
export const UNPROTECTED: BranchProtection = {
  protected: false,
  requiredApprovals: null,
  dismissStaleReviews: false,
  requireCodeOwnerReviews: false,
  requireLastPushApproval: false,
  adminsBound: false,
};

const REPOSITORY_IN_URL = /[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/;

/** `owner/name` from a clone URL (`https://github.com/o/n.git`, `git@github.com:o/n.git`). */
export function repositoryFromUrl(url: string): string | null {
  const m = REPOSITORY_IN_URL.exec(url);
  return m ? `${m[1]}/${m[2]}` : null;
}
