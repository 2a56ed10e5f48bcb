/**
 * A loopback stand-in for the two GitHub REST endpoints the enrichment calls,
 * replaying response shapes recorded from api.github.com (trimmed to the
 * fields that matter, with the surrounding ones kept so parsing is realistic):
 *
 *   GET /repos/<owner>/<repo>
 *   GET /repos/<owner>/<repo>/branches/<branch>/protection                    (404 "Branch not protected" unless given)
 *   GET /repos/<owner>/<repo>/commits/<sha>/pulls
 *   GET /repos/<owner>/<repo>/pulls/<number>/reviews?per_page=100[&page=N]   (Link: rel="next" paging)
 *
 * It is a stand-in, not GitHub: anything else answers 404, a wrong token 401.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Who } from './git-fixture.js';

/** The token the stand-in demands, and the identities its pull requests are made and merged by. */
export const TOKEN = 'ghp_standInToken0123456789abcdefABCDEF';
export const CLAUDE = '\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';
export const COPILOT: Who = { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com' };
export const WEB_FLOW: Who = { name: 'GitHub', email: 'noreply@github.com' };

export interface StandInReview {
  login: string;
  type?: 'User' | 'Bot';
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  /** `submitted_at`; default 2026-02-01T10:30:00Z, half an hour before the default merge. */
  at?: string;
  /** `commit_id`, the head reviewed; default the pull request's head. */
  commit?: string;
}

export interface StandInPull {
  number: number;
  author: string;
  mergeCommit: string;
  /** `head.sha`, the head merged; default 40 ones. `merged_at`; default 2026-02-01T11:00:00Z. */
  head?: string;
  mergedAt?: string;
  /** Pages of reviews, oldest first, served one page per request. */
  reviewPages: StandInReview[][];
}

export interface GitHubStandIn {
  url: string;
  /** Every request as `METHOD /path?query`, and the Authorization headers they carried. */
  requests: string[];
  authorizations: string[];
  close(): Promise<void>;
}

function user(login: string, type: 'User' | 'Bot' = 'User') {
  return { login, id: 1000 + login.length, node_id: 'MDQ6VXNlcjE=', type, site_admin: false, url: `https://api.github.com/users/${login}` };
}

/** `pulls` by the commits GitHub associates them with; `status` forces every answer to that HTTP status. */
export async function startGitHubStandIn(options: {
  owner: string;
  repo: string;
  token: string;
  pulls: Record<string, StandInPull>;
  status?: number;
  /** The repository's id; default 700001. */
  repositoryId?: number;
  /** The `protection` answer of each protected branch, as the REST API gives it. */
  protection?: Record<string, unknown>;
  /** Forces the protection endpoint to this status, as GitHub answers 403 to a token without administration access. */
  protectionStatus?: number;
}): Promise<GitHubStandIn> {
  const requests: string[] = [];
  const authorizations: string[] = [];
  const base = `/repos/${options.owner}/${options.repo}`;
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    authorizations.push(req.headers.authorization ?? '');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28', ...headers });
      res.end(JSON.stringify(body));
    };
    if (options.status) return send(options.status, { message: 'Server Error' });
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (url.pathname === base) {
      const id = options.repositoryId ?? 700_001;
      return send(200, {
        id,
        node_id: 'R_kgDOA',
        name: options.repo,
        full_name: `${options.owner}/${options.repo}`,
        private: true,
        owner: user(options.owner),
        html_url: `https://github.com${base}`,
        default_branch: 'main',
      });
    }
    const protectedBranch = new RegExp(`^${base}/branches/([^/]+)/protection$`).exec(url.pathname);
    if (protectedBranch) {
      if (options.protectionStatus)
        return send(options.protectionStatus, { message: 'Resource not accessible by integration', status: String(options.protectionStatus) });
      const rules = options.protection?.[decodeURIComponent(protectedBranch[1]!)];
      if (!rules) return send(404, { message: 'Branch not protected', documentation_url: 'https://docs.github.com/rest', status: '404' });
      return send(200, { url: `https://api.github.com${url.pathname}`, ...rules });
    }
    const commit = new RegExp(`^${base}/commits/([0-9a-f]{40})/pulls$`).exec(url.pathname);
    if (commit) {
      const pull = options.pulls[commit[1]!];
      return send(
        200,
        pull
          ? [
              {
                url: `https://api.github.com${base}/pulls/${pull.number}`,
                id: 5_000_000 + pull.number,
                number: pull.number,
                state: 'closed',
                title: `Change #${pull.number}`,
                user: user(pull.author),
                created_at: '2026-02-01T09:00:00Z',
                merged_at: pull.mergedAt ?? '2026-02-01T11:00:00Z',
                merge_commit_sha: pull.mergeCommit,
                base: { ref: 'main', sha: '0'.repeat(40) },
                head: { ref: `topic-${pull.number}`, sha: pull.head ?? '1'.repeat(40) },
                draft: false,
              },
            ]
          : [],
      );
    }
    const reviews = new RegExp(`^${base}/pulls/(\\d+)/reviews$`).exec(url.pathname);
    const pull = reviews ? Object.values(options.pulls).find((p) => p.number === Number(reviews[1])) : undefined;
    if (pull) {
      const page = Number(url.searchParams.get('page') ?? '1');
      const items = (pull.reviewPages[page - 1] ?? []).map((r, i) => ({
        id: 80_000 + page * 100 + i,
        node_id: 'PRR_kwDOA',
        user: user(r.login, r.type),
        body: '',
        state: r.state,
        html_url: `https://github.com${base}/pull/${pull.number}#pullrequestreview-${i}`,
        pull_request_url: `https://api.github.com${base}/pulls/${pull.number}`,
        author_association: r.type === 'Bot' ? 'NONE' : 'MEMBER',
        submitted_at: r.at ?? '2026-02-01T10:30:00Z',
        commit_id: r.commit ?? pull.head ?? '1'.repeat(40),
      }));
      const address = server.address() as AddressInfo;
      const next =
        page < pull.reviewPages.length ? { link: `<http://127.0.0.1:${address.port}${url.pathname}?per_page=100&page=${page + 1}>; rel="next"` } : undefined;
      return send(200, items, next);
    }
    send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    authorizations,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
