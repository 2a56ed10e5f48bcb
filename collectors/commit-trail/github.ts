/** The pull request that landed a commit, and who approved it, from the GitHub REST API. */
export interface PullRequestReviews {
  number: number;
  author: string;
  /** Users whose latest decisive review is an approval. */
  approvers: { login: string; type: string }[];
}

class GitHubError extends Error {
  override name = 'GitHubError';
}

type Json = unknown;

function field(value: Json, key: string): Json {
  return typeof value === 'object' && value !== null ? (value as Record<string, Json>)[key] : undefined;
}

function text(value: Json): string {
  return typeof value === 'string' ? value : '';
}

const NEXT_LINK = /<([^>]+)>;\s*rel="next"/;
const REPOSITORY_IN_URL = /[/:]([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?$/;

/** `owner/name` from a clone URL (`https://github.com/o/n.git`, `git@github.com:o/n.git`). */
export function repositoryFromUrl(url: string): string | null {
  const m = REPOSITORY_IN_URL.exec(url);
  return m ? `${m[1]}/${m[2]}` : null;
}

/**
 * A minimal client for the two endpoints the enrichment needs. The token goes
 * in the Authorization header only; errors name the path and status, never it.
 */
export class GitHubClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    private readonly repository: string,
    private readonly signal: AbortSignal,
  ) {}

  /** The merged pull request a commit belongs to, with its approvals; null when GitHub knows none. */
  async reviewsFor(commit: string): Promise<PullRequestReviews | null> {
    const [pulls] = await this.get(`/repos/${this.repository}/commits/${commit}/pulls`);
    if (!Array.isArray(pulls)) throw new GitHubError(`unexpected answer listing the pull requests of ${commit}`);
    const pull = pulls.find((p) => field(p, 'merge_commit_sha') === commit) ?? pulls.find((p) => text(field(p, 'merged_at')) !== '');
    const number = field(pull, 'number');
    if (typeof number !== 'number') return null;

    const latest = new Map<string, { state: string; type: string }>();
    let next: string | null = `/repos/${this.repository}/pulls/${number}/reviews?per_page=100`;
    while (next) {
      const [page, link]: [Json, string | null] = await this.get(next);
      if (!Array.isArray(page)) throw new GitHubError(`unexpected answer listing the reviews of pull request #${number}`);
      for (const review of page) {
        const state = text(field(review, 'state'));
        const user = field(review, 'user');
        // A comment neither grants nor withdraws approval; the newest approval, change request or dismissal decides.
        if (state === 'APPROVED' || state === 'CHANGES_REQUESTED' || state === 'DISMISSED') {
          latest.set(text(field(user, 'login')), { state, type: text(field(user, 'type')) });
        }
      }
      next = link;
    }
    const approvers = [...latest].filter(([login, r]) => login !== '' && r.state === 'APPROVED').map(([login, r]) => ({ login, type: r.type }));
    return { number, author: text(field(field(pull, 'user'), 'login')), approvers };
  }

  private async get(pathOrUrl: string): Promise<[Json, string | null]> {
    const base = new URL(this.apiUrl);
    const url = pathOrUrl.startsWith('http') ? new URL(pathOrUrl) : new URL(base.href.replace(/\/$/, '') + pathOrUrl);
    // A paging link elsewhere would carry the token to another host.
    if (url.origin !== base.origin) throw new GitHubError(`refusing to follow a link to ${url.origin}`);
    const res = await fetch(url, {
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'evidence-agent-commit-trail',
      },
      signal: this.signal,
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new GitHubError(`GitHub answered ${res.status} to GET ${url.pathname}`);
    }
    const link = NEXT_LINK.exec(res.headers.get('link') ?? '');
    return [await res.json(), link ? link[1]! : null];
  }
}
