import type { CollectorContext, Finding } from '../../../src/collector/contract.js';
import { ApprovalTally, type PullRequestReviews, pullThatLanded } from '../judge/approvals.js';
import { branchProtection, pullSummary, repositoryFromUrl, repositoryId, reviewEvent, UNPROTECTED } from '../parse/github.js';
import type { CommitTrailOptions, ForgeRepository, RepositoryOption } from '../schema.js';

class GitHubError extends Error {
  override name = 'GitHubError';
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

const NEXT_LINK = /<([^>]+)>;\s*rel="next"/;

/**
 * A minimal client for the endpoints the enrichment needs. The token goes
 * in the Authorization header only; errors name the path and status, never it.
 */
export class GitHubClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
    readonly repository: string,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * The repository as the forge knows it: its id and the branch's protection
   * rules. A failure to read the repository itself (a bad token) is thrown,
   * since every later call would fail the same way; protection rules need
   * administration rights, so their absence is a finding, not a failure.
   */
  async describe(branch: string, findings: Finding[]): Promise<ForgeRepository> {
    const [repo] = await this.get(`/repos/${this.repository}`);
    let protection: ForgeRepository['protection'] = null;
    try {
      const [rules] = await this.get(`/repos/${this.repository}/branches/${encodeURIComponent(branch)}/protection`);
      protection = branchProtection(rules);
    } catch (err) {
      if (this.signal.aborted || !(err instanceof GitHubError)) throw err;
      // The repository was readable, so a 404 here is GitHub's "Branch not protected".
      if (err.status === 404) protection = UNPROTECTED;
      else
        findings.push({
          code: 'branch-protection-unknown',
          severity: 'low',
          message: `the protection rules of ${branch} could not be read (${err.message}); reading them needs a token with administration read access`,
        });
    }
    return { system: 'github', apiUrl: this.apiUrl, repository: this.repository, id: repositoryId(repo), protection };
  }

  /** The merged pull request a commit belongs to, with its approvals; null when GitHub knows none. */
  async reviewsFor(commit: string): Promise<PullRequestReviews | null> {
    const [pulls] = await this.get(`/repos/${this.repository}/commits/${commit}/pulls`);
    if (!Array.isArray(pulls)) throw new GitHubError(`unexpected answer listing the pull requests of ${commit}`);
    const pull = pullThatLanded(pulls.map(pullSummary), commit);
    if (!pull || pull.number === null) return null;
    const { number } = pull;

    const tally = new ApprovalTally(pull.mergedAt);
    let next: string | null = `/repos/${this.repository}/pulls/${number}/reviews?per_page=100`;
    while (next) {
      const [page, link]: [unknown, string | null] = await this.get(next);
      if (!Array.isArray(page)) throw new GitHubError(`unexpected answer listing the reviews of pull request #${number}`);
      for (const review of page) tally.add(reviewEvent(review));
      next = link;
    }
    return { number, author: pull.author, mergedAt: pull.mergedAt, head: pull.head, approvers: tally.approvers() };
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
      throw new GitHubError(`GitHub answered ${res.status} to GET ${url.pathname}`, res.status);
    }
    const link = NEXT_LINK.exec(res.headers.get('link') ?? '');
    return [await res.json(), link ? link[1]! : null];
  }
}

/** The enrichment of one repository: its client and what the forge said of it, or why there is none. */
export interface GitHubSource {
  client: GitHubClient | null;
  forge: ForgeRepository | null;
  /** `github-unavailable` and `branch-protection-unknown`, said once per repository. */
  findings: Finding[];
}

/**
 * The client for a repository's pull requests, when the enrichment is on and
 * the repository is known (from its `github` option, else its URL or
 * `origin`), with the repository's id and the branch's protection rules.
 */
export async function githubFor(
  ctx: CollectorContext<CommitTrailOptions>,
  repo: RepositoryOption,
  url: string | null,
  branch: string,
): Promise<GitHubSource | null> {
  const github = ctx.options.github;
  if (!github) return null;
  const repository = repo.github ?? (url ? repositoryFromUrl(url) : null);
  const findings: Finding[] = [];
  if (!repository) {
    findings.push({
      code: 'github-unavailable',
      severity: 'low',
      message: 'cannot tell which GitHub repository this is; set `github: owner/name` on the repository',
    });
    return { client: null, forge: null, findings };
  }
  const client = new GitHubClient(github.apiUrl, github.token, repository, ctx.signal);
  try {
    return { client, forge: await client.describe(branch, findings), findings };
  } catch (err) {
    if (ctx.signal.aborted || !(err instanceof GitHubError)) throw err;
    ctx.log.warn({ error: err.message }, 'GitHub enrichment stopped for this repository');
    findings.push({ code: 'github-unavailable', severity: 'low', message: `pull request reviews could not be read: ${err.message}` });
    return { client: null, forge: { system: 'github', apiUrl: github.apiUrl, repository, id: null, protection: null }, findings };
  }
}
