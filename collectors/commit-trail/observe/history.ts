import type { SimpleGit } from 'simple-git';

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

/** The commit `branch` points at now, whatever its commit time, read without walking history. */
export async function branchTip(git: SimpleGit, branch: string): Promise<DatedCommit> {
  const [id = '', seconds = ''] = (await git.raw(['show', '-s', '--format=%H %ct', `${branch}^{commit}`, '--'])).trim().split(' ');
  return { id, seconds: Number(seconds) };
}

export async function commitExists(git: SimpleGit, id: string): Promise<boolean> {
  return (await git.raw(['rev-parse', '--verify', '--quiet', `${id}^{commit}`])).trim() !== '';
}

export async function isAncestor(git: SimpleGit, ancestor: string, of: string): Promise<boolean> {
  // simple-git hides exit codes without stderr, so compare the merge base instead of `merge-base --is-ancestor`.
  return (await git.raw(['merge-base', ancestor, of])).trim() === ancestor;
}
