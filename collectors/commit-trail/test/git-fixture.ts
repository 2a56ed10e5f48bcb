import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Who {
  name: string;
  email: string;
}

export interface CommitSpec {
  message: string;
  /** ISO time for both author and committer dates, so ids and windows are deterministic. */
  at: string;
  author?: Who;
  committer?: Who;
  /** Default: the current tip of the branch being written. */
  parents?: string[];
  /** Path of an SSH private key to sign with. */
  signWith?: string;
}

export const ALICE: Who = { name: 'Alice Human', email: 'alice@example.com' };
export const BOB: Who = { name: 'Bob Reviewer', email: 'bob@example.com' };

/** A real git repository in a temp folder, written with plumbing so every id, parent and date is chosen by the test. */
export class TestRepo {
  private constructor(
    readonly dir: string,
    private readonly emptyTree: string,
  ) {}

  static async create(dir: string, branch = 'main'): Promise<TestRepo> {
    await run('git', ['init', '-q', '-b', branch, dir]);
    await run('git', ['-C', dir, 'config', 'user.name', ALICE.name]);
    await run('git', ['-C', dir, 'config', 'user.email', ALICE.email]);
    // Only commits given `signWith` are signed, whatever the machine's own git config says.
    await run('git', ['-C', dir, 'config', 'commit.gpgSign', 'false']);
    const { stdout } = await run('git', ['-C', dir, 'write-tree'], { encoding: 'utf8' });
    return new TestRepo(dir, stdout.trim());
  }

  async git(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const { stdout } = await run('git', ['-C', this.dir, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    return stdout.trim();
  }

  async tip(branch = 'main'): Promise<string | null> {
    try {
      return await this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    } catch {
      return null;
    }
  }

  /** Writes a commit and moves `branch` to it. */
  async commit(spec: CommitSpec, branch = 'main'): Promise<string> {
    const author = spec.author ?? ALICE;
    const committer = spec.committer ?? author;
    const tip = await this.tip(branch);
    const parents = spec.parents ?? (tip ? [tip] : []);
    const sign = spec.signWith ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${spec.signWith}`] : [];
    const id = await this.git(
      [...sign, 'commit-tree', this.emptyTree, ...parents.flatMap((p) => ['-p', p]), ...(spec.signWith ? ['-S'] : []), '-m', spec.message],
      {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_AUTHOR_DATE: spec.at,
        GIT_COMMITTER_NAME: committer.name,
        GIT_COMMITTER_EMAIL: committer.email,
        GIT_COMMITTER_DATE: spec.at,
      },
    );
    await this.git(['update-ref', `refs/heads/${branch}`, id]);
    return id;
  }

  /** A merge of `side` into `branch`, made by `spec.author`. */
  async merge(side: string, spec: CommitSpec, branch = 'main'): Promise<string> {
    const tip = await this.tip(branch);
    if (!tip) throw new Error(`${branch} has no commit to merge into`);
    return this.commit({ ...spec, parents: [tip, side] }, branch);
  }

  /** Points `branch` at `id`, as a force-push would. */
  async reset(id: string, branch = 'main'): Promise<void> {
    await this.git(['update-ref', `refs/heads/${branch}`, id]);
  }
}
