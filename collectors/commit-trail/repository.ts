import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { GIT_KEYS, gitEnvironment } from './git-env.js';
import type { LogRange } from './git-log.js';

/** A repository that cannot be read; its message goes into the repository's `error` record as is. */
export class RepositoryProblem extends Error {
  override name = 'RepositoryProblem';
}

function gitClient(dir: string, signal: AbortSignal, config: string[] = []): SimpleGit {
  return simpleGit({ baseDir: dir, abort: signal, config, allowEnvironment: GIT_KEYS }).env(gitEnvironment());
}

/** Removes a user and password (often a token) from an https URL, for subjects, evidence and messages. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi;

/** Removes `user:password@` from every URL in a message, wherever git or a library put one. */
export function scrubCredentials(text: string): string {
  return text.replace(USERINFO, '$1');
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Opens a local repository: the top of a work tree or a bare repository. A
 * folder inside some other repository is refused, so a missing repository is
 * never mistaken for the history of whatever encloses it.
 */
export async function openLocal(path: string, signal: AbortSignal): Promise<SimpleGit> {
  try {
    if (!(await stat(path)).isDirectory()) throw new RepositoryProblem(`${path} is not a folder, so not a git repository`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RepositoryProblem(`the repository path ${path} does not exist`);
    throw err;
  }
  const git = gitClient(path, signal);
  let answer: string[];
  try {
    answer = (await git.revparse(['--absolute-git-dir', '--is-bare-repository', '--is-inside-work-tree', '--show-cdup'])).trim().split('\n');
  } catch {
    throw new RepositoryProblem(`${path} is not a git repository`);
  }
  const [gitDir = '', bare, inWorkTree, cdup = ''] = answer;
  const here = await realpath(path);
  if (here === gitDir) return git;
  // Outside a work tree and not bare: somewhere inside a .git folder.
  const top = bare === 'true' || inWorkTree !== 'true' ? gitDir : resolve(here, cdup);
  if (here !== top) throw new RepositoryProblem(`${path} is not a git repository (it is a folder inside ${top})`);
  return git;
}

/** Brings a bare partial clone of `url` (commits and trees, no file contents) up to date in `cache`. */
export async function syncRemote(url: string, cache: string, signal: AbortSignal): Promise<SimpleGit> {
  const safe = withoutCredentials(url);
  const hide = (err: unknown) => new RepositoryProblem(`cannot fetch ${safe}: ${scrubCredentials(gitReason(err))}`);
  const exists = (await isDirectory(cache)) && (await readdir(cache)).length > 0;
  if (!exists) {
    await mkdir(dirname(cache), { recursive: true });
    try {
      await gitClient(dirname(cache), signal).clone(url, cache, ['--bare', '--filter=blob:none', '--no-tags']);
    } catch (err) {
      throw hide(err);
    }
    return gitClient(cache, signal);
  }
  const git = gitClient(cache, signal);
  const origin = (await git.remote(['get-url', 'origin']).catch(() => '')) ?? '';
  if (origin.trim() !== url) throw new RepositoryProblem(`the cache folder ${cache} holds a clone of another repository, not ${safe}`);
  try {
    // Forced, so a rewritten branch shows as rewritten instead of failing the fetch.
    await git.fetch(['--prune', '--no-tags', 'origin', '+refs/heads/*:refs/heads/*']);
  } catch (err) {
    throw hide(err);
  }
  return git;
}

/** The line of git's stderr that says what went wrong: the `fatal:` one, else the last. */
function gitReason(err: unknown): string {
  const lines = ((err as Error).message ?? String(err)).split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.find((l) => l.startsWith('fatal:')) ?? lines.at(-1) ?? 'git failed';
}

/** The branch to read: the one configured or, by default, the one HEAD names; it must have commits. */
export async function resolveBranch(git: SimpleGit, wanted: string | undefined): Promise<string> {
  const branch = wanted ?? (await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD'])).trim();
  if (branch === '') throw new RepositoryProblem('no branch is configured and HEAD is detached; set `branch`');
  if ((await git.raw(['rev-parse', '--verify', '--quiet', `${branch}^{commit}`])).trim() === '') {
    throw new RepositoryProblem(`branch ${branch} does not exist or has no commits`);
  }
  return branch;
}

/** `2026-03-01T12:00:00Z`: whole seconds, the resolution of commit times, in a form git's date parser reads exactly. */
function gitDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** A commit and its committer time, in seconds since the epoch. */
export interface DatedCommit {
  id: string;
  seconds: number;
}

/** The newest commit on the first-parent line of `rev` committed at or before `seconds`, or null. */
export async function firstParentAt(git: SimpleGit, rev: string, seconds: number): Promise<DatedCommit | null> {
  // rev-list prints `commit <id>` above each formatted line (--no-commit-header, which drops it, needs git 2.33).
  const out = await git.raw(['rev-list', '-1', '--first-parent', '--format=%ct', `--until=${gitDate(seconds)}`, rev, '--']);
  const [header, time] = out.trim().split('\n');
  return header?.startsWith('commit ') ? { id: header.slice('commit '.length), seconds: Number(time) } : null;
}

export async function commitExists(git: SimpleGit, id: string): Promise<boolean> {
  return (await git.raw(['rev-parse', '--verify', '--quiet', `${id}^{commit}`])).trim() !== '';
}

export async function isAncestor(git: SimpleGit, ancestor: string, of: string): Promise<boolean> {
  // simple-git hides exit codes without stderr, so compare the merge base instead of `merge-base --is-ancestor`.
  return (await git.raw(['merge-base', ancestor, of])).trim() === ancestor;
}

/** The fetch URL of the `origin` remote, where the GitHub enrichment reads `owner/name` from. */
export async function originUrl(git: SimpleGit): Promise<string | null> {
  const remotes = await git.getRemotes(true);
  return remotes.find((r) => r.name === 'origin')?.refs.fetch ?? null;
}

export type SignatureStatus = 'good' | 'bad' | 'untrusted' | 'expired' | 'expired-key' | 'revoked' | 'unverifiable' | 'none';

const SIGNATURE: Record<string, SignatureStatus> = {
  G: 'good',
  B: 'bad',
  U: 'untrusted',
  X: 'expired',
  Y: 'expired-key',
  R: 'revoked',
  E: 'unverifiable',
  N: 'none',
};

/**
 * `%G?` for the commits of a range, in one git call. Git runs the verifier
 * only for commits that carry a signature; the rest answer N at no cost.
 */
export async function signatureStatuses(dir: string, range: LogRange, allowedSigners: string | undefined, signal: AbortSignal): Promise<Map<string, SignatureStatus>> {
  const config = allowedSigners ? [`gpg.ssh.allowedSignersFile=${allowedSigners}`] : [];
  const git = gitClient(dir, signal, config);
  const out = await git.raw(['log', '--format=%H %G?', range.to, ...(range.exclude ? [`^${range.exclude}`] : []), '--']);
  const statuses = new Map<string, SignatureStatus>();
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) statuses.set(line.slice(0, space), SIGNATURE[line.slice(space + 1, space + 2)] ?? 'unverifiable');
  }
  return statuses;
}
