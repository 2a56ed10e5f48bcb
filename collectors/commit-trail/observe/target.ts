import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { SimpleGit } from 'simple-git';
import type { CollectorContext } from '../../../src/collector/contract.js';
import { IsoTime } from '../parse/iso-time.js';
import type { CommitTrailOptions, Position, RepositoryOption } from '../schema.js';
import { withoutCredentials } from './credentials.js';
import { branchTip } from './history.js';
import { openLocal, originUrl, resolveBranch, syncRemote } from './repository.js';

/** A configured repository, ready to read. */
export interface OpenedRepository {
  /** The folder git runs in: the repository, or the cache of a remote one. */
  dir: string;
  git: SimpleGit;
  branch: string;
  /** The commit the branch points at as it is read, and its committer time in seconds. */
  tip: { id: string; seconds: number };
  /** The remote URL without credentials: the configured one, else `origin`'s; null when there is none. */
  url: string | null;
}

/** The tip as the record names it. */
export function tipPosition(opened: OpenedRepository): Position {
  return { commit: opened.tip.id, time: new IsoTime().format(opened.tip.seconds) };
}

/** How the evidence names a repository: its path as configured, or its URL without credentials. */
export function locationOf(repo: RepositoryOption): string {
  return 'path' in repo ? repo.path : withoutCredentials(repo.url);
}

export function subjectId(location: string, branch: string): string {
  return `${location}#${branch}`;
}

/** Opens a local repository, or fetches a remote one into its cache, and settles the branch. */
export async function openRepository(ctx: CollectorContext<CommitTrailOptions>, repo: RepositoryOption): Promise<OpenedRepository> {
  let dir: string;
  let git: SimpleGit;
  if ('path' in repo) {
    dir = ctx.resolvePath(repo.path);
    git = await openLocal(dir, ctx.signal);
  } else {
    const key = createHash('sha256').update(withoutCredentials(repo.url)).digest('hex').slice(0, 16);
    dir = ctx.resolvePath(repo.cache ?? join('.commit-trail-cache', key));
    git = await syncRemote(repo.url, dir, ctx.signal);
  }
  const branch = await resolveBranch(git, repo.branch);
  const origin = 'url' in repo ? repo.url : await originUrl(git);
  return { dir, git, branch, tip: await branchTip(git, branch), url: origin === null ? null : withoutCredentials(origin) };
}
