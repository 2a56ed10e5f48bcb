import type { SimpleGit } from 'simple-git';
import type { CollectorContext } from '../../../src/collector/contract.js';
import { ApprovalTally, type PullRequestReviews, pullThatLanded } from '../judge/approvals.js';
import type { FindingList } from '../judge/findings.js';
import { pullSummary, repositoryFromUrl, reviewEvent } from '../parse/github.js';
import type { CommitTrailOptions, RepositoryOption } from '../schema.js';
import { originUrl } from './repository.js';

class GitHubError extends Error {
  override name = 'GitHubError';
}

const NEXT_LINK = /<([^>]+)>;\s*rel="next"/;

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
    const pull = pullThatLanded(pulls.map(pullSummary), commit);
    if (!pull || pull.number === null) return null;
    const { number } = pull;

    const tally = new ApprovalTally();
    let next: string | null = `/repos/${this.repository}/pulls/${number}/reviews?per_page=100`;
    while (next) {
      const [page, link]: [unknown, string | null] = await this.get(next);
      if (!Array.isArray(page)) throw new GitHubError(`unexpected answer listing the reviews of pull request #${number}`);
      for (const review of page) tally.add(reviewEvent(review));
      next = link;
    }
    return { number, author: pull.author, approvers: tally.approvers() };
  }

  private async get(pathOrUrl: string): Promise<[unknown, string | null]> {
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

/**
 * The client for a repository's pull requests, when the enrichment is on and
 * the repository is known: from its `github` option, else its URL or `origin`.
 */
export async function githubFor(
  ctx: CollectorContext<CommitTrailOptions>,
  repo: RepositoryOption,
  git: SimpleGit,
  findings: FindingList,
): Promise<GitHubClient | null> {
  const github = ctx.options.github;
  if (!github) return null;
  const url = 'url' in repo ? repo.url : await originUrl(git);
  const repository = repo.github ?? (url ? repositoryFromUrl(url) : null);
  if (!repository) {
    findings.add('github-unavailable', 'low', () => ({ message: 'cannot tell which GitHub repository this is; set `github: owner/name` on the repository' }));
    return null;
  }
  return new GitHubClient(github.apiUrl, github.token, repository, ctx.signal);
}
