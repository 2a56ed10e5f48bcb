/** What the enrichment reads of a pull request that lists a commit. */
export interface PullSummary {
  /** null when the answer has none. */
  number: number | null;
  mergeCommit: string;
  merged: boolean;
  author: string;
}

/** One review of a pull request, as the REST API lists them, oldest first. */
export interface ReviewEvent {
  /** `APPROVED`, `CHANGES_REQUESTED`, `DISMISSED`, `COMMENTED`, … */
  state: string;
  login: string;
  /** The account type: `User`, `Bot`, … */
  type: string;
}

type Json = unknown;

function field(value: Json, key: string): Json {
  return typeof value === 'object' && value !== null ? (value as Record<string, Json>)[key] : undefined;
}

function text(value: Json): string {
  return typeof value === 'string' ? value : '';
}

/** An entry of `GET /repos/{owner}/{name}/commits/{sha}/pulls`. */
export function pullSummary(pull: Json): PullSummary {
  const number = field(pull, 'number');
  return {
    number: typeof number === 'number' ? number : null,
    mergeCommit: text(field(pull, 'merge_commit_sha')),
    merged: text(field(pull, 'merged_at')) !== '',
    author: text(field(field(pull, 'user'), 'login')),
  };
}

/** An entry of `GET /repos/{owner}/{name}/pulls/{number}/reviews`. */
export function reviewEvent(review: Json): ReviewEvent {
  const user = field(review, 'user');
  return { state: text(field(review, 'state')), login: text(field(user, 'login')), type: text(field(user, 'type')) };
}

const REPOSITORY_IN_URL = /[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/;

/** `owner/name` from a clone URL (`https://github.com/o/n.git`, `git@github.com:o/n.git`). */
export function repositoryFromUrl(url: string): string | null {
  const m = REPOSITORY_IN_URL.exec(url);
  return m ? `${m[1]}/${m[2]}` : null;
}
