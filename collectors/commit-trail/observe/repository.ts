import { chmod, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type SimpleGit, simpleGit } from 'simple-git';
import { credentialEnvironment, gitUrl, scrubCredentials, withoutCredentials } from './credentials.js';
import { GIT_KEYS, gitEnvironment } from './git-env.js';

/** A repository that cannot be read; its message goes into the repository's `error` record as is. */
export class RepositoryProblem extends Error {
  override name = 'RepositoryProblem';
}

/** A git client for `dir`; `env` adds to git's environment (credentials for the one command that needs them). */
export function gitClient(dir: string, signal: AbortSignal, config: string[] = [], env: Record<string, string> = {}): SimpleGit {
  const keys = Object.keys(env);
  // simple-git refuses GIT_CONFIG_COUNT unless told: configuration from the environment is ours here, not inherited.
  const unsafe = { allowUnsafeConfigEnvCount: keys.includes('GIT_CONFIG_COUNT') };
  return simpleGit({ baseDir: dir, abort: signal, config, unsafe, allowEnvironment: [...GIT_KEYS, ...keys] }).env({ ...gitEnvironment(), ...env });
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

/**
 * Brings a bare partial clone of `url` (commits and trees, no file contents)
 * up to date in `cache`. git is given the URL without its user and password,
 * and those only for the clone or fetch, so they never reach a file and a
 * rotated token finds its cache; the folder is readable by its owner only.
 */
export async function syncRemote(url: string, cache: string, signal: AbortSignal): Promise<SimpleGit> {
  const safe = withoutCredentials(url);
  const remote = gitUrl(url);
  const auth = credentialEnvironment(url);
  const hide = (err: unknown) => new RepositoryProblem(`cannot fetch ${safe}: ${scrubCredentials(gitReason(err))}`);
  const exists = (await isDirectory(cache)) && (await readdir(cache)).length > 0;
  if (!exists) {
    await mkdir(cache, { recursive: true, mode: 0o700 });
    await chmod(cache, 0o700);
    try {
      await gitClient(dirname(cache), signal, [], auth).clone(remote, cache, ['--bare', '--filter=blob:none', '--no-tags']);
    } catch (err) {
      throw hide(err);
    }
    return gitClient(cache, signal);
  }
  const git = gitClient(cache, signal);
  const origin = ((await git.remote(['get-url', 'origin']).catch(() => '')) ?? '').trim();
  if (withoutCredentials(origin) !== safe) throw new RepositoryProblem(`the cache folder ${cache} holds a clone of another repository, not ${safe}`);
  // Earlier versions left the folder readable by all, and cloned with the credentials in the URL, which git kept in the config.
  await chmod(cache, 0o700);
  if (origin !== remote) await git.remote(['set-url', 'origin', remote]);
  try {
    // Forced, so a rewritten branch shows as rewritten instead of failing the fetch.
    await gitClient(cache, signal, [], auth).fetch(['--prune', '--no-tags', 'origin', '+refs/heads/*:refs/heads/*']);
  } catch (err) {
    throw hide(err);
  }
  return git;
}

/** The line of git's stderr that says what went wrong: the `fatal:` one, else the last. */
function gitReason(err: unknown): string {
  const lines = ((err as Error).message ?? String(err))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
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

/** The fetch URL of the `origin` remote, where the GitHub enrichment reads `owner/name` from. */
export async function originUrl(git: SimpleGit): Promise<string | null> {
  const remotes = await git.getRemotes(true);
  return remotes.find((r) => r.name === 'origin')?.refs.fetch ?? null;
}
