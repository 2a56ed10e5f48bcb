import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface Who {
  name: string;
  email: string;
}

const ALICE: Who = { name: 'Alice Developer', email: 'alice@acme.example' };
const BOB: Who = { name: 'Bob Reviewer', email: 'bob@acme.example' };
const COPILOT: Who = { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com' };
const CURSOR: Who = { name: 'Cursor Agent', email: 'cursoragent@cursor.com' };
const DEPENDABOT: Who = { name: 'dependabot[bot]', email: '49699333+dependabot[bot]@users.noreply.github.com' };
const CLAUDE_TRAILER = 'Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>';

/**
 * Builds the demo's small repository in `dir` (created if needed) and returns
 * its absolute path: human, bot and agent commits, reviewed and unreviewed
 * merges. Identities and dates are fixed, so every build yields the same
 * commit ids and rebuilding before each demo run leaves the history unchanged.
 */
export async function buildDemoRepository(dir: string): Promise<string> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
  const git = async (args: string[], env: NodeJS.ProcessEnv = {}) =>
    (await run('git', ['-C', path, '-c', 'commit.gpgSign=false', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' })).stdout.trim();
  await git(['init', '-q', '-b', 'main']);
  const tree = await git(['write-tree']);
  let minutes = 0;
  const commit = (message: string, author: Who, parents: string[], committer: Who = author) => {
    const at = new Date(Date.UTC(2026, 0, 5, 9) + minutes++ * 37 * 60_000).toISOString();
    return git(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: at,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      GIT_COMMITTER_DATE: at,
    });
  };

  const root = await commit('Initial service skeleton', ALICE, []);
  // Claude Code helped Alice; Bob reviewed and merged it (a Reviewed-by in a merge Alice made herself would be her claim).
  const claude = await commit(`Add token cache\n\nGenerated with [Claude Code](https://claude.com/claude-code)\n\n${CLAUDE_TRAILER}`, ALICE, [root]);
  const reviewed = await commit(`Merge branch 'token-cache'\n\nReviewed-by: ${BOB.name} <${BOB.email}>`, BOB, [root, claude]);
  // Copilot's coding agent opened a pull request; Bob merged it (an implicit review).
  const copilot = await commit('Fix retry backoff jitter', COPILOT, [reviewed]);
  const mergedByBob = await commit('Merge pull request #12 from acme/copilot/fix-jitter', BOB, [reviewed, copilot]);
  const bump = await commit('Bump yaml from 2.8.0 to 2.9.1', DEPENDABOT, [mergedByBob]);
  // Codex wrote a change on its own branch (co-author trailer and message line); Bob merged the pull request.
  const codex = await commit('Handle empty payloads\n\nGenerated with [Codex](https://openai.com/codex)\n\nCo-authored-by: Codex <noreply@openai.com>', ALICE, [
    bump,
  ]);
  const codexMerged = await commit('Merge pull request #14 from acme/codex/empty-payloads', BOB, [bump, codex]);
  // Amp co-wrote the docs in a thread it names; Bob merged the branch.
  const amp = await commit(
    'Document retry settings\n\nAmp-Thread-ID: https://ampcode.com/threads/T-0c8c2a1e-5d3f-4b7a-9e21-7f4d2c9b8a10\nCo-authored-by: Amp <amp@ampcode.com>',
    ALICE,
    [codexMerged],
  );
  const ampMerged = await commit("Merge branch 'docs-retry'", BOB, [codexMerged, amp]);
  // Cursor's agent pushed straight to main: no human review.
  const direct = await commit('Tune connection pool size', CURSOR, [ampMerged]);
  await git(['update-ref', 'refs/heads/main', direct]);
  return path;
}
